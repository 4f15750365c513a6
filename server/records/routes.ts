// Routes of the encrypted record store: the read-only FHIR endpoint (server/fhir/routes.ts) and
// the operator's key management.
//
//   POST /v1/records/rotate   operator: {patientId, kind, reencrypt?} -> {kind, version, resealed, retired}
//       adds a new data-key version for one kind of one patient (new records use it at once);
//       with reencrypt: true the kind's older records are re-sealed under it and the old versions
//       deleted. A policy edit takes effect for a kind at its next rotation.
//   GET  /v1/records/keys?patientId=N   operator: the wrapped data keys (policy, version, CP-ABE
//       ciphertext in base64url) for handing to readers, who open them with their attribute keys.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerClock } from '../clock.ts';
import type { Database } from '../db.ts';
import { registerFhirRoutes } from '../fhir/routes.ts';
import { isRecordKind, RECORD_KINDS } from '../policy/record-policies.ts';
import type { RecordStore } from './store.ts';

export interface RecordRouteDeps {
  readonly db: Database;
  readonly clock: ServerClock;
  readonly records: RecordStore;
  readonly operatorToken: string;
}

const sha = (s: string) => createHash('sha256').update(s).digest();

export async function registerRecordRoutes(app: FastifyInstance, deps: RecordRouteDeps): Promise<void> {
  const { db, clock, records } = deps;
  await registerFhirRoutes(app, { db, clock, records });

  const refuse = (reply: FastifyReply, status: number, error: string, message: string) => reply.code(status).header('cache-control', 'no-store').send({ error, message });
  const isOperator = (req: FastifyRequest) => {
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    return m !== null && timingSafeEqual(sha(m[1]!), sha(deps.operatorToken));
  };
  const patientOf = async (v: unknown): Promise<number | null> => {
    const id = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) return null;
    return (await db.query('SELECT 1 FROM lpus WHERE id = $1', [id])).length ? id : null;
  };

  app.post('/v1/records/rotate', { bodyLimit: 1024 }, async (req, reply) => {
    if (!isOperator(req)) return refuse(reply, 401, 'unauthorized', 'needs the operator bearer token');
    const b = req.body as Record<string, unknown> | null;
    if (typeof b !== 'object' || b === null || Array.isArray(b) || 'unsupported' in b) return refuse(reply, 400, 'bad-json', 'send {patientId, kind, reencrypt?} as application/json');
    const kind = b.kind;
    if (typeof kind !== 'string' || !isRecordKind(kind)) return refuse(reply, 400, 'bad-kind', `kind must be one of ${RECORD_KINDS.join(', ')}`);
    if (b.reencrypt !== undefined && typeof b.reencrypt !== 'boolean') return refuse(reply, 400, 'bad-reencrypt', 'reencrypt must be true or false');
    const lpuId = await patientOf(b.patientId);
    if (lpuId === null) return refuse(reply, 404, 'unknown-patient', 'no such patient');
    const id = await records.rotate(lpuId, kind, clock.now());
    const moved = b.reencrypt === true ? await records.reencrypt(lpuId, kind, clock.now()) : { resealed: 0, retired: [] };
    return reply.code(200).header('cache-control', 'no-store').send({ kind, version: id.version, ...moved });
  });

  app.get('/v1/records/keys', async (req, reply) => {
    if (!isOperator(req)) return refuse(reply, 401, 'unauthorized', 'needs the operator bearer token');
    const lpuId = await patientOf((req.query as Record<string, unknown>).patientId);
    if (lpuId === null) return refuse(reply, 404, 'unknown-patient', 'no such patient');
    const subject = await records.findSubject(lpuId);
    const keys = await records.wrappedKeys(lpuId);
    return reply.header('cache-control', 'no-store').send({
      patient: subject?.patientId ?? null,
      keys: keys.map((k) => ({ kind: k.id.kind, version: k.id.version, policy: k.policyText, createdAt: k.createdAt, abeWrapped: Buffer.from(k.abeWrapped).toString('base64url') })),
    });
  });
}
