// The cloud link: the live page for family, physician and emergency unit, its token-scoped JSON and
// SSE API, the acknowledgement from the page, and the operator's link issuing/revocation.
//
//   GET  /c/:token            the page (also /ack/:token, the engine's default link base)
//   GET  /c/:token/state      the role-scoped view (JSON)
//   GET  /c/:token/events     the same view pushed as Server-Sent Events on every change
//   POST /c/:token/ack        acknowledges every open alarm of the patient for the link's role
//   POST /v1/links            operator: {patientId, role, ttlHours?} -> {id, token, path, expiresAt}
//   POST /v1/links/:id/revoke operator: revokes an issued link
//   POST /v1/links/revoke     operator: {token} revokes any link token (also a mailed one)
//   GET  /v1/access-log?patientId=N&limit=M  operator: the newest access-log rows of a patient
//   GET  /web/*               the page's static files; uPlot from node_modules/uplot/dist
//
// Every request made with a token is written to web_access_log with its outcome.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { RandomSource } from '../../protocol/index.ts';
import type { ServerClock } from '../clock.ts';
import { int, type Database } from '../db.ts';
import type { EscalationEngine } from '../engine.ts';
import { hashToken } from '../engine.ts';
import { issueLink, LINK_ROLES, logAccess, migrateWeb, resolveToken, revokeLink, revokeToken, TOKEN_RE, type LinkAccess, type LinkRole } from './links.ts';
import type { LiveEvents } from './live.ts';
import { buildView } from './view.ts';

export interface WebDeps {
  readonly db: Database;
  readonly clock: ServerClock;
  readonly engine: EscalationEngine | null;
  readonly operatorToken: string;
  readonly random: RandomSource;
  readonly live: LiveEvents;
  /** How often an open SSE stream re-checks alarms and the token (wall-clock ms, default 500). */
  readonly pollMs?: number;
}

const STATIC_DIR = new URL('./static/', import.meta.url);
const UPLOT_DIR = new URL('../../node_modules/uplot/dist/', import.meta.url);
const STATIC: Record<string, { file: URL; type: string }> = {
  'app.js': { file: new URL('app.js', STATIC_DIR), type: 'text/javascript; charset=utf-8' },
  'app.css': { file: new URL('app.css', STATIC_DIR), type: 'text/css; charset=utf-8' },
  'uPlot.esm.js': { file: new URL('uPlot.esm.js', UPLOT_DIR), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: new URL('uPlot.min.css', UPLOT_DIR), type: 'text/css; charset=utf-8' },
};
const PAGE = new URL('index.html', STATIC_DIR);
const DENIED = new URL('denied.html', STATIC_DIR);

const SECURITY_HEADERS: Record<string, string> = {
  // The token is in the path: never send it on as a referrer, never cache the page or its data.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
};

class WebError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const sha = (s: string) => createHash('sha256').update(s).digest();

export async function registerWebRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { db, clock } = deps;
  await migrateWeb(db);
  const files = new Map<string, Buffer>();
  const file = async (u: URL) => {
    const k = u.href;
    let b = files.get(k);
    if (!b) {
      b = await readFile(u);
      files.set(k, b);
    }
    return b;
  };

  // Open SSE streams end before the server closes, or close() would wait for them.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const stop of [...streams]) stop();
  });

  const secure = (reply: FastifyReply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    return reply;
  };

  /** Resolves the token in the path and logs the access; throws WebError when refused. */
  const authorize = async (req: FastifyRequest, route: string): Promise<LinkAccess> => {
    const token = String((req.params as { token?: unknown }).token ?? '');
    const r = await resolveToken(db, token, clock.now());
    await logAccess(db, { at: clock.now(), access: r.ok ? r.access : r.refused ?? null, route, outcome: r.ok ? 'ok' : r.code });
    if (!r.ok) throw new WebError(r.status, r.code, r.code === 'expired' ? 'this link has expired' : r.code === 'revoked' ? 'this link was revoked' : 'no such link');
    return r.access;
  };

  const fail = (reply: FastifyReply, e: unknown) => {
    if (e instanceof WebError) return secure(reply).code(e.status).send({ error: e.code, message: e.message });
    throw e;
  };

  const operator = (req: FastifyRequest) => {
    const m = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    // Hashing first makes the comparison constant-time and length-independent.
    if (!m || !timingSafeEqual(sha(m[1]!), sha(deps.operatorToken))) throw new WebError(401, 'unauthorized', 'needs the operator bearer token');
  };

  for (const [name, f] of Object.entries(STATIC)) {
    app.get(`/web/${name}`, async (_req, reply) => secure(reply).type(f.type).header('cache-control', 'public, max-age=3600').send(await file(f.file)));
  }

  const page = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      await authorize(req, 'page');
      return secure(reply).type('text/html; charset=utf-8').send(await file(PAGE));
    } catch (e) {
      if (!(e instanceof WebError)) throw e;
      const html = (await file(DENIED)).toString('utf8').replace('{{reason}}', e.code === 'expired' ? 'This link has expired.' : e.code === 'revoked' ? 'This link was withdrawn.' : 'This link is not valid.');
      return secure(reply).code(e.status).type('text/html; charset=utf-8').send(html);
    }
  };
  app.get('/c/:token', page);
  app.get('/ack/:token', page);

  app.get('/c/:token/state', async (req, reply) => {
    try {
      const a = await authorize(req, 'state');
      return secure(reply).send(await buildView(db, a.lpuId, a.role, clock.now(), a.expiresAt));
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.get('/c/:token/events', async (req, reply) => {
    let a: LinkAccess;
    try {
      a = await authorize(req, 'events');
    } catch (e) {
      return fail(reply, e);
    }
    const token = String((req.params as { token: string }).token);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let closed = false;
    let sending = false;
    let again = false;
    let signature = '';
    const send = async (): Promise<void> => {
      // One snapshot at a time; a change during a send triggers exactly one more.
      if (sending) {
        again = true;
        return;
      }
      sending = true;
      try {
        do {
          again = false;
          const r = await resolveToken(db, token, clock.now());
          if (closed) return;
          if (!r.ok) {
            res.write(`event: denied\ndata: ${JSON.stringify({ error: r.code })}\n\n`);
            stop();
            return;
          }
          const view = await buildView(db, a.lpuId, a.role, clock.now(), a.expiresAt);
          if (closed) return;
          res.write(`event: view\ndata: ${JSON.stringify(view)}\n\n`);
        } while (again && !closed);
      } catch {
        stop();
      } finally {
        sending = false;
      }
    };
    // Alarm steps are written by the engine on its own schedule: watch their signature, and the
    // token (revocation, expiry), every pollMs.
    const poll = async () => {
      try {
        const s = (await db.query(
          `SELECT (SELECT coalesce(sum(version), 0) FROM escalations WHERE lpu_id = $1)::text || '/' ||
                  (SELECT count(*) FROM notifications n JOIN escalations e ON e.id = n.escalation_id WHERE e.lpu_id = $1 AND n.status = 'done')::text AS sig`,
          [a.lpuId],
        ))[0];
        const sig = String(s?.sig ?? '');
        const tokenOk = (await resolveToken(db, token, clock.now())).ok;
        if (sig !== signature || !tokenOk) {
          signature = sig;
          await send();
        }
      } catch {
        stop();
      }
    };
    const unsubscribe = deps.live.subscribe((lpuId) => {
      if (lpuId === a.lpuId) void send();
    });
    const timer = setInterval(() => void poll(), deps.pollMs ?? 500);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const stop = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(timer);
      clearInterval(keepAlive);
      streams.delete(stop);
      res.end();
    };
    res.on('close', stop);
    streams.add(stop);
    res.write('retry: 2000\n\n');
    await poll();
  });

  app.post('/c/:token/ack', { bodyLimit: 1024 }, async (req, reply) => {
    let a: LinkAccess;
    try {
      a = await authorize(req, 'ack');
    } catch (e) {
      return fail(reply, e);
    }
    if (!deps.engine) return secure(reply).code(503).send({ error: 'no-engine', message: 'this server process runs no escalation engine' });
    const open = await db.query(`SELECT id FROM escalations WHERE lpu_id = $1 AND status = 'active' ORDER BY id`, [a.lpuId]);
    const acknowledged: number[] = [];
    for (const r of open) {
      const escId = int(r.id);
      // The engine's own acknowledgement path (the same as a mailed link): a one-off token for
      // this escalation and role, acknowledged at once.
      const once = Buffer.from(deps.random(32)).toString('base64url');
      await db.query('INSERT INTO ack_tokens (token_hash, escalation_id, role, created_at) VALUES ($1, $2, $3, $4)', [hashToken(once), escId, a.role, clock.now()]);
      const done = await deps.engine.acknowledge(once);
      if (done) acknowledged.push(done.escalationId);
    }
    await logAccess(db, { at: clock.now(), access: a, route: 'ack', outcome: `acknowledged:${acknowledged.length}` });
    deps.live.publish(a.lpuId, 'escalation');
    return secure(reply).send({ acknowledged: acknowledged.length, role: a.role });
  });

  app.post('/v1/links', { bodyLimit: 1024 }, async (req, reply) => {
    try {
      operator(req);
      const b = req.body as Record<string, unknown> | null;
      if (typeof b !== 'object' || b === null || Array.isArray(b) || 'unsupported' in b) throw new WebError(400, 'bad-json', 'send {patientId, role, ttlHours?} as application/json');
      const role = b.role;
      if (typeof role !== 'string' || !(LINK_ROLES as readonly string[]).includes(role)) throw new WebError(400, 'bad-role', `role must be one of ${LINK_ROLES.join(', ')}`);
      const patientId = b.patientId;
      if (typeof patientId !== 'number' || !Number.isInteger(patientId) || patientId < 1) throw new WebError(400, 'bad-patient', 'patientId must be a positive integer');
      const ttlHours = b.ttlHours === undefined ? 24 : b.ttlHours;
      if (typeof ttlHours !== 'number' || !(ttlHours > 0 && ttlHours <= 24 * 30)) throw new WebError(400, 'bad-ttl', 'ttlHours must be in (0, 720]');
      if ((await db.query('SELECT 1 FROM lpus WHERE id = $1', [patientId])).length === 0) throw new WebError(404, 'unknown-patient', 'no such patient');
      const token = Buffer.from(deps.random(32)).toString('base64url'); // 256 bits
      const l = await issueLink(db, { lpuId: patientId, role: role as LinkRole, token, now: clock.now(), ttlMs: Math.round(ttlHours * 3_600_000) });
      return secure(reply).code(201).send({ id: l.id, token, path: `/c/${token}`, role, expiresAt: l.expiresAt });
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.post('/v1/links/:id/revoke', async (req, reply) => {
    try {
      operator(req);
      const id = Number((req.params as { id: string }).id);
      if (!Number.isSafeInteger(id) || !(await revokeLink(db, id, clock.now()))) throw new WebError(404, 'unknown-link', 'no such link');
      return secure(reply).send({ revoked: true });
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.get('/v1/access-log', async (req, reply) => {
    try {
      operator(req);
      const q = req.query as Record<string, string | undefined>;
      const patientId = Number(q.patientId);
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (!Number.isSafeInteger(patientId) || patientId < 1) throw new WebError(400, 'bad-patient', 'patientId must be a positive integer');
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new WebError(400, 'bad-limit', 'limit must be 1..1000');
      const rows = await db.query('SELECT at, token_kind, link_id, role, route, outcome FROM web_access_log WHERE lpu_id = $1 ORDER BY id DESC LIMIT $2', [patientId, limit]);
      return secure(reply).send({
        entries: rows.map((r) => ({ at: int(r.at), tokenKind: r.token_kind === null ? null : String(r.token_kind), linkId: r.link_id === null ? null : int(r.link_id), role: r.role === null ? null : String(r.role), route: String(r.route), outcome: String(r.outcome) })),
      });
    } catch (e) {
      return fail(reply, e);
    }
  });

  app.post('/v1/links/revoke', { bodyLimit: 1024 }, async (req, reply) => {
    try {
      operator(req);
      const b = req.body as Record<string, unknown> | null;
      const token = b && typeof b === 'object' ? b.token : undefined;
      if (typeof token !== 'string' || !TOKEN_RE.test(token)) throw new WebError(400, 'bad-token', 'token must be the value from the link');
      await revokeToken(db, token, clock.now());
      return secure(reply).send({ revoked: true });
    } catch (e) {
      return fail(reply, e);
    }
  });
}
