// Shared fixtures for the server tests: databases (PGlite in memory, PostgreSQL in a fresh random
// schema when BSN_TEST_DATABASE_URL is set), a server on loopback, an LPU speaking HTTP.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { LpuClient, decodeLpuCredential, type LocationAreaId, type LpuCredential, type LpuHandshake } from '../../protocol/index.ts';
import { openDatabase, type Database } from '../../server/db.ts';
import { createBsnServer, ROUTES, SERVING_LAI_HEADER, type BsnServer, type BsnServerOptions } from '../../server/app.ts';
import { jsonLogger } from '../../server/log.ts';
import { composeNotifier, ScriptedTelephony } from '../../server/notifier.ts';
import type { ServerClock, TimerHandle } from '../../server/clock.ts';
import { encodeReadings, decodeAck, type Reading } from '../../protocol/readings.ts';
import { seededRandom } from '../protocol/helpers.ts';

const PGLITE_VERSION = String((JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string }).version);

export const PG_URL = process.env.BSN_TEST_DATABASE_URL ?? '';
// A fresh PGlite cluster costs an initdb run; test processes (and their child servers) share one
// dumped template, keyed by the PGlite version.
process.env.BSN_PGLITE_TEMPLATE ??= join(tmpdir(), `bsn-care-pglite-template-${PGLITE_VERSION}.tar`);
export const OPERATOR_TOKEN = 'op-token-' + randomBytes(16).toString('hex');
export const CELL: LocationAreaId = { mcc: 262, mnc: 1, mncDigits: 2, lac: 0x1a2b };
export const CELL_TEXT = '262-01-0x1a2b';
export const CONTACTS = {
  family: { name: 'Anna', phone: '+491511000001', email: 'family@example.test' },
  physician: { name: 'Dr. Berg', phone: '+491511000002', email: 'physician@example.test' },
  emergency: { name: 'Rescue', phone: '+49112' },
  technical: { name: 'Tech', phone: '+491511000009', email: 'tech@example.test' },
};

export const randomSchema = (): string => `t_${randomBytes(6).toString('hex')}`;

export interface Backend {
  readonly name: string;
  open(): Promise<Database & { drop(): Promise<void> }>;
}

export async function dropSchema(schema: string): Promise<void> {
  const c = new pg.Client(PG_URL);
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
}

/** PGlite always; PostgreSQL when BSN_TEST_DATABASE_URL is set (otherwise prints SKIP). */
export function backends(): Backend[] {
  const list: Backend[] = [{ name: 'pglite', open: async () => { const db = await openDatabase({}); return Object.assign(db, { drop: () => db.close() }); } }];
  if (PG_URL) {
    list.push({
      name: 'postgres',
      open: async () => {
        const schema = randomSchema();
        const db = await openDatabase({ url: PG_URL, schema });
        return Object.assign(db, { drop: async () => { await db.close(); await dropSchema(schema); } });
      },
    });
  } else console.log('SKIP PostgreSQL variants: BSN_TEST_DATABASE_URL is not set');
  return list;
}

/** A manual clock for the engine: time moves only when the test advances it. */
export class ManualClock implements ServerClock {
  private t = 1_700_000_000_000;
  private timers: Array<{ at: number; task: () => void; live: boolean }> = [];
  now(): number { return this.t; }
  after(delayMs: number, task: () => void): TimerHandle {
    const e = { at: this.t + Math.max(0, delayMs), task, live: true };
    this.timers.push(e);
    return { cancel: () => { e.live = false; } };
  }
  /** Advances to now + ms, running due timers in time order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((e) => e.live && e.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.t = Math.max(this.t, due.at);
      due.task();
    }
    this.t = end;
    this.timers = this.timers.filter((e) => e.live);
  }
}

export interface Harness {
  readonly server: BsnServer;
  readonly base: string;
  readonly telephony: ScriptedTelephony;
  readonly logLines: string[];
  readonly clock: ManualClock;
  close(): Promise<void>;
}

export async function startServer(db: Database, opts: Partial<BsnServerOptions> & { script?: ConstructorParameters<typeof ScriptedTelephony>[0] } = {}): Promise<Harness> {
  const telephony = new ScriptedTelephony(opts.script ?? {});
  const logLines: string[] = [];
  const clock = new ManualClock();
  const server = await createBsnServer({
    db, clock, notifier: composeNotifier(telephony, null), operatorToken: OPERATOR_TOKEN,
    random: seededRandom(77), log: jsonLogger((l) => logLines.push(l), () => clock.now()),
    escalation: { retryIntervalMs: 60_000, emergencyAfterRounds: 1 }, linkBase: 'https://care.example.test/ack',
    ...opts,
  });
  const port = await server.listen(0);
  return { server, base: `http://127.0.0.1:${port}`, telephony, logLines, clock, close: () => server.close() };
}

export async function post(base: string, route: string, body: Uint8Array | string | null, headers: Record<string, string> = {}): Promise<{ status: number; body: Uint8Array; json: Record<string, unknown> | null }> {
  const r = await fetch(base + route, { method: 'POST', headers, ...(body === null ? {} : { body: typeof body === 'string' ? body : Buffer.from(body) }) });
  const b = new Uint8Array(await r.arrayBuffer());
  let json: Record<string, unknown> | null = null;
  if ((r.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(Buffer.from(b).toString('utf8')) as Record<string, unknown>;
  return { status: r.status, body: b, json };
}

export const bin = { 'content-type': 'application/octet-stream' };

export async function registerLpu(base: string, contacts: unknown = CONTACTS) {
  const r = await post(base, ROUTES.register, JSON.stringify({ contacts }), { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` });
  if (r.status !== 201) throw new Error(`register: ${r.status} ${JSON.stringify(r.json)}`);
  const c = decodeLpuCredential(r.body);
  if (!c.ok) throw new Error('bad credential');
  return { credential: c.value, bytes: r.body };
}

/** An LPU talking to the server over HTTP: handshake, then sealed batches. */
export class HttpLpu {
  readonly client: LpuClient;
  session: LpuHandshake | null = null;
  constructor(readonly base: string, credential: LpuCredential, seed = 5) {
    this.client = new LpuClient(credential, { random: seededRandom(seed) });
  }
  async handshake(lai = CELL_TEXT): Promise<void> {
    const b = this.client.begin(CELL);
    if (!b.ok) throw new Error(b.error.code);
    const r2 = await post(this.base, ROUTES.ma1, b.value.ma1, { ...bin, [SERVING_LAI_HEADER]: lai });
    if (r2.status !== 200) throw new Error(`ma1: ${r2.status} ${JSON.stringify(r2.json)}`);
    const a = this.client.accept(r2.body);
    if (!a.ok) throw new Error(`accept: ${a.error.code}`);
    const r3 = await post(this.base, ROUTES.ma3, a.value.ma3, bin);
    if (r3.status !== 204) throw new Error(`ma3: ${r3.status} ${JSON.stringify(r3.json)}`);
    this.session = a.value;
  }
  /** Seals a batch; returns the frame (to send, or to replay). */
  seal(readings: Reading[]): Uint8Array {
    const s = this.session!.channel.seal(encodeReadings(readings));
    if (!s.ok) throw new Error(s.error.code);
    return s.value;
  }
  async sendFrame(frame: Uint8Array) {
    const r = await post(this.base, ROUTES.data, frame, bin);
    let ackedSeq: number | null = null;
    if (r.status === 200) {
      const o = this.session!.channel.open(r.body);
      if (!o.ok) throw new Error(`downlink: ${o.error.code}`);
      const a = decodeAck(o.value.plaintext);
      if (!a.ok) throw new Error('bad ack');
      ackedSeq = a.value.ackedSeq;
    }
    return { status: r.status, json: r.json, ackedSeq };
  }
  send(readings: Reading[]) {
    return this.sendFrame(this.seal(readings));
  }
}

export const bp = (seq: number, systolicMmHg: number, diastolicMmHg = 80, measuredAt = 1_700_000_000_000 + seq * 1000): Reading => ({ kind: 'blood-pressure', seq, measuredAt, systolicMmHg, diastolicMmHg });

/** Runs the engine for `minutes` of clock time in 30 s steps. */
export async function runEngine(h: Harness, minutes: number): Promise<void> {
  await h.server.engine!.idle();
  for (let i = 0; i < minutes * 2; i++) {
    h.clock.advance(30_000);
    await h.server.engine!.idle();
  }
}
