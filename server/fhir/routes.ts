// The read-only FHIR R4 endpoint over the encrypted record store:
//
//   GET /fhir/Observation?[subject=Patient/ID][&code=...][&date=...][&_count=N]
//       Authorization: Bearer <cloud-link token>      -> 200 Bundle (searchset) | OperationOutcome
//   any other method on /fhir/*                        -> 405 OperationOutcome
//
// Credential: the per-recipient cloud-link tokens (issued links and the acknowledgement links
// mailed by the escalation engine, server/web/links.ts), sent as a bearer header rather than in
// the path so they stay out of URLs. A token names one patient and a role, which the server turns
// into the reader's attributes:
//   family    -> role:family, family-of:<patient>
//   physician -> role:physician, unit:<the patient's care unit>
//   emergency -> role:emergency, plus on-call while the patient has an active escalation
// and the access decision is the attribute policy of each kind of record (record-policies.ts),
// the same policies that wrap the data keys. Only the kinds the reader may see are decrypted.
// Every request is written to web_access_log (route 'fhir:Observation') with its outcome.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerClock } from '../clock.ts';
import type { Database } from '../db.ts';
import { logAccess, resolveToken, type LinkAccess } from '../web/links.ts';
import type { RecordStore, RecordSubject } from '../records/store.ts';
import { RECORD_KINDS, RECORD_POLICIES, type RecordKind } from '../policy/record-policies.ts';
import { fhirObservations, outcome, parseObservationQuery, readableKinds, type FhirResponse } from './search.ts';

export const FHIR_ROUTES = { observation: '/fhir/Observation' } as const;
const LOG_ROUTE = 'fhir:Observation';

export interface FhirDeps {
  readonly db: Database;
  readonly clock: ServerClock;
  readonly records: RecordStore;
  /** Base URL in fullUrl and links (default: from the request's Host). */
  readonly baseUrl?: string;
  readonly policies?: Readonly<Record<RecordKind, string>>;
}

/** The attributes a link token stands for (see the header). */
export function attributesForLink(role: LinkAccess['role'], subject: RecordSubject, onCall: boolean): string[] {
  switch (role) {
    case 'family': return ['role:family', `family-of:${subject.patientId}`];
    case 'physician': return ['role:physician', `unit:${subject.careUnit}`];
    case 'emergency': return onCall ? ['role:emergency', 'on-call'] : ['role:emergency'];
  }
}

export async function registerFhirRoutes(app: FastifyInstance, deps: FhirDeps): Promise<void> {
  const { db, clock, records } = deps;
  const table = deps.policies ?? RECORD_POLICIES;

  const send = (reply: FastifyReply, r: FhirResponse) =>
    reply.code(r.status).header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').type('application/fhir+json; charset=utf-8').send(JSON.stringify(r.body));

  app.get(FHIR_ROUTES.observation, async (req: FastifyRequest, reply: FastifyReply) => {
    const now = clock.now();
    const m = /^Bearer ([A-Za-z0-9_-]+)$/.exec(String(req.headers.authorization ?? ''));
    const resolved = m ? await resolveToken(db, m[1]!, now) : null;
    if (!resolved || !resolved.ok) {
      await logAccess(db, { at: now, access: resolved && !resolved.ok ? resolved.refused ?? null : null, route: LOG_ROUTE, outcome: resolved && !resolved.ok ? resolved.code : 'no-token' });
      const status = resolved && !resolved.ok ? resolved.status : 401;
      const why = !resolved ? 'send a cloud-link token as Authorization: Bearer' : resolved.ok ? '' : resolved.code === 'expired' ? 'this link has expired' : resolved.code === 'revoked' ? 'this link was revoked' : 'no such link';
      return send(reply, outcome(status, status === 401 ? 'login' : 'forbidden', why));
    }
    const access = resolved.access;
    const done = async (r: FhirResponse, result: string) => {
      await logAccess(db, { at: now, access, route: LOG_ROUTE, outcome: result });
      return send(reply, r);
    };
    const params = new URLSearchParams(req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '');
    const q = parseObservationQuery(params);
    if (!q.ok) return done(outcome(400, 'invalid', q.error.message), `bad-request:${q.error.code}`);
    const subject = await records.subject(access.lpuId, now);
    // A token is for one patient: naming another one is refused (and logged), not looked up.
    if (q.value.subject !== undefined && q.value.subject !== subject.patientId && q.value.subject !== `Patient/${subject.patientId}`) {
      return done(outcome(403, 'forbidden', 'this link does not give access to that patient'), 'forbidden:other-patient');
    }
    const onCall = (await db.query(`SELECT 1 FROM escalations WHERE lpu_id = $1 AND status = 'active' LIMIT 1`, [access.lpuId])).length > 0;
    const reader = { attributes: attributesForLink(access.role, subject, onCall) };
    const kinds = readableKinds(reader, subject, table);
    // The history cut (readers without `history`) needs every record of the visible kinds, not
    // only the date range's, so the range goes to the database only for history readers.
    const range = kinds.has('history') ? { ...(q.value.from !== undefined ? { from: q.value.from } : {}), ...(q.value.to !== undefined ? { to: q.value.to } : {}) } : {};
    const open = await records.open(access.lpuId, { kinds: RECORD_KINDS.filter((k) => kinds.has(k)), ...range });
    const base = deps.baseUrl ?? `${req.protocol}://${req.headers.host ?? 'localhost'}/fhir`;
    const r = fhirObservations(reader, { ...subject, readings: open.readings }, q.value, base);
    const tail = open.failed ? `;unreadable:${open.failed}` : '';
    return done(r, (r.status === 200 ? 'ok' : r.status === 403 ? 'forbidden' : 'bad-request') + tail);
  });

  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/fhir/*',
    handler: async (_req, reply) => send(reply, outcome(405, 'not-supported', 'this FHIR endpoint is read-only')),
  });
}
