// The BSN-Care server: HTTP API (fastify) over the protocol, storage and escalation engine.
// createBsnServer() builds it in process with an injected clock, database, notifier and random
// source, so the simulator can run it on virtual time; cli/commands/server.ts runs it standalone.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import {
  confirmMa3, decodeDataFrame, decodeMa3, defaultRandom, encodeLai, encodeLpuCredential, register, toHex, verifyMa1,
  type LocationAreaId, type RandomSource, type ServerSession,
} from '../protocol/index.ts';
import { classify, loadDefaultActionTables, type ActionTables } from './action-tables.ts';
import type { ServerClock } from './clock.ts';
import { validateContacts } from './contacts.ts';
import { Coalescer } from './coalesce.ts';
import { bytes, int, type Database } from './db.ts';
import { EscalationEngine, type EngineOptions } from './engine.ts';
import { DEFAULT_ESCALATION_CONFIG, type EscalationConfig } from './escalation.ts';
import { storeReadings } from './ingest.ts';
import { silentLogger, type Logger } from './log.ts';
import { migrate } from './migrations.ts';
import type { Notifier } from './notifier.ts';
import { decodeBatch, encodeAck } from '../protocol/readings.ts';
import { SqlServerStore } from './sql-store.ts';
import { TYPE_ECG_STRIP } from '../protocol/readings.ts';
import { ingestEcgStripPayload } from './web/links.ts';
import { LiveEvents } from './web/live.ts';
import { registerWebRoutes } from './web/routes.ts';
import { RecordStore, type RecordsConfig } from './records/store.ts';
import { registerRecordRoutes } from './records/routes.ts';

export const ROUTES = {
  register: '/v1/register',
  ma1: '/v1/ma1',
  ma3: '/v1/ma3',
  data: '/v1/data',
  ack: '/v1/ack',
  health: '/v1/health',
} as const;

export const SERVING_LAI_HEADER = 'x-bsn-serving-lai';
/** Emergency pairs an LPU is topped up to, in the MA2 after it used one (protocol README section 9). */
export const REFILL_TO = 8;
export const SERVING_CELL_HEADER = 'x-bsn-serving-cell';

export interface BsnServerOptions {
  readonly db: Database;
  readonly clock: ServerClock;
  readonly notifier: Notifier;
  /** Bearer token for registration (the provisioning channel). At least 16 characters. */
  readonly operatorToken: string;
  readonly random?: RandomSource;
  readonly log?: Logger;
  readonly tables?: ActionTables;
  /** Escalation timing; false runs this process without an escalation engine. */
  readonly escalation?: Partial<EscalationConfig> | false;
  /** Base URL of the acknowledgement links in SMS and email. */
  readonly linkBase?: string;
  /** IANA time zone for measurement times in notifications (default UTC). */
  readonly timeZone?: string;
  /** Escalation leases between server processes on one database (server/escalation-lease.ts). */
  readonly lease?: Pick<EngineOptions, 'leaseMs' | 'pollMs' | 'shared' | 'instanceId'>;
  /** Idle time after which a session is forgotten (default 30 min). */
  readonly sessionTtlMs?: number;
  readonly maxSessions?: number;
  /** Records at rest (sealed per patient, served at /fhir/Observation); off when absent. */
  readonly records?: RecordsConfig;
}

export interface BsnServer {
  readonly http: FastifyInstance;
  readonly engine: EscalationEngine | null;
  readonly db: Database;
  /** Live-update events (new readings per patient) for the cloud-link page. */
  readonly live: LiveEvents;
  readonly records: RecordStore | null;
  /** Listens on loopback (or host); resolves to the port. */
  listen(port?: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

interface LiveSession {
  readonly session: ServerSession;
  readonly lpuId: number;
  lastUsed: number;
}

/** "MCC-MNC-LAC", MNC with its digits (01 vs 001), LAC hex with 0x or decimal: 262-01-0x1a2b. */
export function parseLai(s: string): LocationAreaId | null {
  const m = /^(\d{3})-(\d{2,3})-(0x[0-9a-fA-F]{1,4}|\d{1,5})$/.exec(s);
  if (!m) return null;
  const lai = { mcc: Number(m[1]), mnc: Number(m[2]), mncDigits: m[2]!.length as 2 | 3, lac: Number(m[3]) };
  try {
    encodeLai(lai);
    return lai;
  } catch {
    return null;
  }
}

function constantTimeTokenEqual(given: string, expected: string): boolean {
  // Hashing first makes the comparison length-independent.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const BINARY = 'application/octet-stream';

function requireBinary(req: FastifyRequest): Uint8Array {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== BINARY || !(req.body instanceof Uint8Array)) throw new ApiError(415, 'unsupported-media-type', `send the frame as ${BINARY}`);
  return new Uint8Array(req.body);
}

function requireJsonObject(req: FastifyRequest): Record<string, unknown> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new ApiError(415, 'unsupported-media-type', 'send JSON as application/json');
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) throw new ApiError(400, 'bad-json', 'body must be a JSON object');
  return req.body as Record<string, unknown>;
}

export async function createBsnServer(o: BsnServerOptions): Promise<BsnServer> {
  if (o.operatorToken.length < 16) throw new RangeError('operator token must have at least 16 characters');
  const { db, clock } = o;
  const random = o.random ?? defaultRandom;
  const log = o.log ?? silentLogger;
  const tables = o.tables ?? loadDefaultActionTables();
  const ttl = o.sessionTtlMs ?? 30 * 60_000;
  const maxSessions = o.maxSessions ?? 10_000;
  await migrate(db);
  // A pool takes several batches at once; PGlite is one connection.
  const concurrency = db.kind === 'postgres' ? 4 : 1;
  const store = new SqlServerStore(db, { concurrency });
  // After an accepted MA1: the row id and the verified location, for all MA1s that arrive together.
  const seen = new Coalescer<{ idL: Uint8Array; lai: string; cell: string | null; at: number }, number | null>(async (items) => {
    const rows = await db.query(
      `UPDATE lpus l SET last_lai = n.lai, last_cell_id = n.cell, last_seen_at = n.at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS n(id_l, lai, cell, at) WHERE l.id_l = decode(n.id_l, 'hex') RETURNING l.id, n.id_l`,
      [items.map((i) => toHex(i.idL)), items.map((i) => i.lai), items.map((i) => i.cell), items.map((i) => i.at)],
    );
    const ids = new Map(rows.map((r) => [String(r.id_l), int(r.id)]));
    return items.map((i) => ids.get(toHex(i.idL)) ?? null);
  }, { concurrency, key: (i) => toHex(i.idL) });
  const idS = await serverIdentity(db, random);
  const engine = o.escalation === false ? null : new EscalationEngine({
    db, clock, notifier: o.notifier, log, random,
    config: { ...DEFAULT_ESCALATION_CONFIG, ...(o.escalation ?? {}) },
    linkBase: o.linkBase ?? 'http://localhost/ack',
    ...(o.timeZone ? { timeZone: o.timeZone } : {}),
    ...o.lease,
  });
  const sessions = new Map<string, LiveSession>();
  const liveEvents = new LiveEvents();
  const records = o.records ? new RecordStore(db, o.records, random) : null;

  // The expiry scan walks every session, so it runs at most once per tenth of the TTL (a session
  // past its TTL is refused at use anyway); the size bound is kept on every call.
  let lastSweep = -Infinity;
  const sweep = () => {
    const now = clock.now();
    if (now - lastSweep >= ttl / 10) {
      lastSweep = now;
      for (const [k, s] of sessions) if (now - s.lastUsed > ttl) sessions.delete(k);
    }
    // Oldest first (insertion order) when still over the bound.
    for (const k of sessions.keys()) {
      if (sessions.size <= maxSessions) break;
      sessions.delete(k);
    }
  };

  const http = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  http.addContentTypeParser(BINARY, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  // Other types are accepted as raw bytes so each route can answer with a precise 415.
  http.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, { unsupported: true, length: body.length }));

  http.setErrorHandler((e: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (e instanceof ApiError) return reply.code(e.status).send({ error: e.code, message: e.message });
    const status = e.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = status === 413 ? 'too-large' : status === 415 ? 'unsupported-media-type' : 'bad-request';
      return reply.code(status).send({ error: code, message: e.message });
    }
    log.log('error', 'internal-error', { route: req.routeOptions?.url ?? 'unknown', error: e.name });
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  http.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not-found', message: 'no such route' }));
  http.addHook('onResponse', async (req, reply) => {
    // The route pattern, never the raw URL or any body.
    log.log('info', 'http', { method: req.method, route: req.routeOptions?.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
  });

  const binaryReply = (reply: FastifyReply, b: Uint8Array) => reply.code(200).type(BINARY).send(Buffer.from(b));

  http.get(ROUTES.health, async () => ({ ok: true, sessions: sessions.size }));

  http.post(ROUTES.register, { bodyLimit: 16 * 1024 }, async (req, reply) => {
    const auth = String(req.headers.authorization ?? '');
    const m = /^Bearer (.+)$/.exec(auth);
    if (!m || !constantTimeTokenEqual(m[1]!, o.operatorToken)) throw new ApiError(401, 'unauthorized', 'registration needs the operator bearer token');
    const body = requireJsonObject(req);
    const contacts = validateContacts(body.contacts);
    if (!contacts.ok) throw new ApiError(400, 'bad-contacts', contacts.message);
    const pairCount = body.pairCount === undefined ? 8 : body.pairCount;
    if (typeof pairCount !== 'number' || !Number.isInteger(pairCount) || pairCount < 8 || pairCount > 64) throw new ApiError(400, 'bad-pair-count', 'pairCount must be 8..64');
    for (let tries = 0; tries < 3; tries++) {
      const reg = register({ idL: random(16), idS, random, pairCount });
      const id = await store.insertWithContacts(reg.record, JSON.stringify(contacts.value), clock.now());
      if (id === null) continue; // idL collision (2^-128): draw again
      log.log('info', 'registered', { patient: id, pairs: pairCount });
      return reply.code(201).type(BINARY).header('x-bsn-patient-id', String(id)).send(Buffer.from(encodeLpuCredential(reg.credential)));
    }
    throw new ApiError(503, 'busy', 'could not allocate an identity');
  });

  http.post(ROUTES.ma1, { bodyLimit: 256 }, async (req, reply) => {
    const ma1 = requireBinary(req);
    const lai = parseLai(String(req.headers[SERVING_LAI_HEADER] ?? ''));
    if (!lai) throw new ApiError(400, 'bad-observed-lai', `header ${SERVING_LAI_HEADER} must be MCC-MNC-LAC (e.g. 262-01-0x1a2b)`);
    const cellRaw = req.headers[SERVING_CELL_HEADER];
    const cell = typeof cellRaw === 'string' && /^(0x)?[0-9a-fA-F]{1,8}$/.test(cellRaw) ? cellRaw : null;
    const v = await verifyMa1(store, ma1, lai, random, { refillTo: REFILL_TO });
    if (!v.ok) {
      const c = v.error.code;
      log.log('info', 'ma1-rejected', { code: c });
      // Unknown trSeq, unknown sid and a failed check look alike from outside: no oracle.
      if (c === 'unknown-trseq' || c === 'unknown-sid' || c === 'auth-failed') throw new ApiError(401, 'auth-failed', 'MA1 does not verify');
      if (c === 'replay') throw new ApiError(409, 'replay', 'this MA1 was already accepted');
      if (c === 'conflict') throw new ApiError(409, 'conflict', 'a concurrent request changed the record; retry with a new MA1');
      if (c === 'location-mismatch') throw new ApiError(403, 'location-mismatch', 'the location in MA1 differs from the serving network\'s');
      throw new ApiError(400, c, v.error.message);
    }
    const h = v.value;
    const lpuId = await seen.call({ idL: h.record.idL, lai: toHex(h.lai), cell, at: clock.now() });
    if (lpuId === null) throw new ApiError(409, 'conflict', 'record vanished');
    sweep();
    sessions.set(toHex(h.session.keys.sessionId), { session: h.session, lpuId, lastUsed: clock.now() });
    log.log('info', 'ma1-accepted', { patient: lpuId, form: h.session.form });
    return binaryReply(reply, h.ma2);
  });

  http.post(ROUTES.ma3, { bodyLimit: 64 }, async (req, reply) => {
    const ma3 = requireBinary(req);
    const d = decodeMa3(ma3);
    if (!d.ok) throw new ApiError(400, d.error.code, d.error.message);
    const live = sessions.get(toHex(d.value.sessionId));
    if (!live || clock.now() - live.lastUsed > ttl) throw new ApiError(401, 'unknown-session', 'no such session (expired or never established)');
    const c = await confirmMa3(store, live.session, ma3);
    if (!c.ok) {
      const status = c.error.code === 'auth-failed' ? 401 : c.error.code === 'conflict' || c.error.code === 'stale' ? 409 : 400;
      throw new ApiError(status, c.error.code, c.error.message);
    }
    live.lastUsed = clock.now();
    log.log('info', 'ma3-confirmed', { patient: live.lpuId, promoted: c.value.promoted });
    return reply.code(204).send();
  });

  http.post(ROUTES.data, { bodyLimit: 8 * 1024 }, async (req, reply) => {
    const frame = requireBinary(req);
    const d = decodeDataFrame(frame);
    if (!d.ok) throw new ApiError(400, d.error.code, d.error.message);
    const live = sessions.get(toHex(d.value.sessionId));
    if (!live || clock.now() - live.lastUsed > ttl) throw new ApiError(401, 'unknown-session', 'no such session (expired or never established)');
    const opened = live.session.channel.open(frame);
    if (!opened.ok) {
      const c = opened.error.code;
      log.log('info', 'frame-rejected', { patient: live.lpuId, code: c });
      if (c === 'duplicate' || c === 'too-old') throw new ApiError(409, 'replay', opened.error.message);
      if (c === 'auth-failed') throw new ApiError(401, 'auth-failed', 'frame failed authentication');
      throw new ApiError(400, c, opened.error.message);
    }
    live.lastUsed = clock.now();
    if (opened.value.plaintext[1] === TYPE_ECG_STRIP) {
      // An ECG strip for the cloud-link page (server/web/): stored, pushed, acknowledged with the current ackedSeq.
      const e = await ingestEcgStripPayload(db, live.lpuId, opened.value.plaintext, clock.now());
      if (!e.ok) throw new ApiError(422, `payload-${e.code}`, e.message);
      log.log('info', 'ecg-strip-stored', { patient: live.lpuId, acked: e.ackedSeq });
      liveEvents.publish(live.lpuId, 'readings');
      const sealedAck = live.session.channel.seal(encodeAck(e.ackedSeq));
      if (!sealedAck.ok) throw new ApiError(409, sealedAck.error.code, sealedAck.error.message);
      return binaryReply(reply, sealedAck.value);
    }
    const batch = decodeBatch(opened.value.plaintext);
    if (!batch.ok) throw new ApiError(422, `payload-${batch.error.code}`, batch.error.message);
    const stored = await storeReadings(db, live.lpuId, batch.value, clock.now());
    log.log('info', 'readings-stored', { patient: live.lpuId, received: batch.value.length, inserted: stored.inserted.length, acked: stored.ackedSeq });
    if (stored.inserted.length) liveEvents.publish(live.lpuId, 'readings');
    if (engine) for (const r of stored.inserted) await engine.onReading(live.lpuId, r, classify(tables, r));
    // After the alarms (a sealing failure must not hold one back); idempotent, so a retried batch is sealed then.
    if (records) {
      await records.sealBatch(live.lpuId, batch.value, clock.now());
      const pruned = await records.prunePlaintext(clock.now());
      if (pruned) log.log('info', 'plaintext-pruned', { rows: pruned });
    }
    const sealed = live.session.channel.seal(encodeAck(stored.ackedSeq));
    if (!sealed.ok) throw new ApiError(409, sealed.error.code, sealed.error.message);
    return binaryReply(reply, sealed.value);
  });

  http.post(ROUTES.ack, { bodyLimit: 1024 }, async (req) => {
    const body = requireJsonObject(req);
    const token = body.token;
    if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{22,86}$/.test(token)) throw new ApiError(400, 'bad-token', 'token must be the value from the link');
    if (!engine) throw new ApiError(503, 'no-engine', 'this server process runs no escalation engine');
    const r = await engine.acknowledge(token);
    if (!r) throw new ApiError(404, 'unknown-token', 'no such acknowledgement link');
    return { acknowledged: true, role: r.role };
  });

  // The cloud-link page, its token-scoped API and live updates (server/web/).
  await registerWebRoutes(http, { db, clock, engine, operatorToken: o.operatorToken, random, live: liveEvents });
  if (records) await registerRecordRoutes(http, { db, clock, records, operatorToken: o.operatorToken });

  await engine?.resume();

  return {
    http, engine, db, live: liveEvents, records,
    async listen(port = 0, host = '127.0.0.1') {
      await http.listen({ port, host });
      const a = http.server.address();
      return typeof a === 'object' && a ? a.port : port;
    },
    async close() {
      await engine?.stop();
      await http.close();
    },
  };
}

async function serverIdentity(db: Database, random: RandomSource): Promise<Uint8Array> {
  // Generated once per database; concurrent first starts agree through the primary key.
  await db.query('INSERT INTO server_identity (id, id_s) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [random(32)]);
  return bytes((await db.query('SELECT id_s FROM server_identity WHERE id = 1'))[0]!.id_s);
}
