// Cloud-link access: per-recipient tokens for the live page, with expiry, revocation and an access
// log. Two kinds of token open the page: links the operator issues (web_links) and the
// acknowledgement tokens the escalation engine mails in SMS/email (ack_tokens, expiring
// ACK_LINK_TTL_MS after they were sent). Only SHA-256 hashes are stored; the role stored with the
// token decides what the page may show.
import { hashToken } from '../engine.ts';
import { int, intOrNull, type Database } from '../db.ts';
import { migrate, type Migration } from '../migrations.ts';
import { decodeEcgStrip } from '../../protocol/readings.ts';

export type LinkRole = 'family' | 'physician' | 'emergency';
export const LINK_ROLES: readonly LinkRole[] = ['family', 'physician', 'emergency'];

/** SMS/email acknowledgement links open the page for this long after they were sent. */
export const ACK_LINK_TTL_MS = 24 * 3_600_000;

// Versions 100+ belong to the web module, so they never collide with the server's own list.
export const WEB_MIGRATIONS: readonly Migration[] = [
  {
    version: 101,
    name: 'cloud link: issued links, revocations, access log, ECG strips',
    sql: `
CREATE TABLE web_links (
  id bigserial PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  lpu_id bigint NOT NULL REFERENCES lpus (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('family', 'physician', 'emergency')),
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  revoked_at bigint
);
-- Revocation of either kind of token (issued links and mailed acknowledgement links), by hash.
CREATE TABLE link_revocations (
  token_hash bytea PRIMARY KEY,
  revoked_at bigint NOT NULL
);
-- Every request made with a link token: who (link kind, role, patient), what, and the outcome.
CREATE TABLE web_access_log (
  id bigserial PRIMARY KEY,
  at bigint NOT NULL,
  token_kind text,
  link_id bigint,
  lpu_id bigint,
  role text,
  route text NOT NULL,
  outcome text NOT NULL
);
CREATE INDEX web_access_log_lpu ON web_access_log (lpu_id, at);
-- ECG strips (10 s segments) for the page; samples are microvolts as a JSON array.
CREATE TABLE ecg_strips (
  id bigserial PRIMARY KEY,
  lpu_id bigint NOT NULL REFERENCES lpus (id) ON DELETE CASCADE,
  measured_at bigint NOT NULL,
  rate_hz int NOT NULL,
  samples_uv text NOT NULL,
  received_at bigint NOT NULL
);
CREATE INDEX ecg_strips_lpu ON ecg_strips (lpu_id, measured_at);
-- The page asks for the latest reading per kind, the last arrival, and 24 h per kind.
CREATE INDEX readings_lpu_kind_time ON readings (lpu_id, kind, measured_at);
CREATE INDEX readings_lpu_received ON readings (lpu_id, received_at)
`,
  },
];

export const migrateWeb = (db: Database): Promise<number[]> => migrate(db, WEB_MIGRATIONS);

export interface LinkAccess {
  readonly kind: 'link' | 'ack';
  /** web_links.id for issued links; null for acknowledgement tokens. */
  readonly linkId: number | null;
  readonly lpuId: number;
  readonly role: LinkRole;
  readonly expiresAt: number;
  readonly tokenHash: Uint8Array;
}

export type ResolveResult =
  | { readonly ok: true; readonly access: LinkAccess }
  // For an expired or revoked token, whose it was (for the access log), never for use.
  | { readonly ok: false; readonly status: 401 | 403; readonly code: 'unknown-token' | 'expired' | 'revoked'; readonly refused?: LinkAccess };

/** Tokens are base64url, 128 bits at least (22 characters) and 512 at most. */
export const TOKEN_RE = /^[A-Za-z0-9_-]{22,86}$/;

export async function resolveToken(db: Database, token: string, now: number): Promise<ResolveResult> {
  if (!TOKEN_RE.test(token)) return { ok: false, status: 401, code: 'unknown-token' };
  const h = hashToken(token);
  let access: LinkAccess | null = null;
  let revoked = false;
  const link = (await db.query('SELECT id, lpu_id, role, expires_at, revoked_at FROM web_links WHERE token_hash = $1', [h]))[0];
  if (link) {
    access = { kind: 'link', linkId: int(link.id), lpuId: int(link.lpu_id), role: String(link.role) as LinkRole, expiresAt: int(link.expires_at), tokenHash: h };
    revoked = intOrNull(link.revoked_at) !== null;
  } else {
    const ack = (await db.query('SELECT a.role, a.created_at, e.lpu_id FROM ack_tokens a JOIN escalations e ON e.id = a.escalation_id WHERE a.token_hash = $1', [h]))[0];
    const role = ack ? String(ack.role) : '';
    // A technical contact's link acknowledges a fault but shows no medical page.
    if (ack && (LINK_ROLES as readonly string[]).includes(role)) {
      access = { kind: 'ack', linkId: null, lpuId: int(ack.lpu_id), role: role as LinkRole, expiresAt: int(ack.created_at) + ACK_LINK_TTL_MS, tokenHash: h };
    }
  }
  if (!access) return { ok: false, status: 401, code: 'unknown-token' };
  if (!revoked) revoked = (await db.query('SELECT 1 FROM link_revocations WHERE token_hash = $1', [h])).length > 0;
  if (revoked) return { ok: false, status: 403, code: 'revoked', refused: access };
  if (now >= access.expiresAt) return { ok: false, status: 403, code: 'expired', refused: access };
  return { ok: true, access };
}

export async function issueLink(db: Database, o: { lpuId: number; role: LinkRole; token: string; now: number; ttlMs: number }): Promise<{ id: number; expiresAt: number }> {
  const expiresAt = o.now + o.ttlMs;
  const r = await db.query('INSERT INTO web_links (token_hash, lpu_id, role, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id', [hashToken(o.token), o.lpuId, o.role, o.now, expiresAt]);
  return { id: int(r[0]!.id), expiresAt };
}

/** Revokes an issued link by id; returns false when there is no such link. */
export async function revokeLink(db: Database, id: number, now: number): Promise<boolean> {
  const r = await db.query('UPDATE web_links SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING token_hash', [id, now]);
  return r.length > 0;
}

/** Revokes any token (issued or mailed) by its value. */
export async function revokeToken(db: Database, token: string, now: number): Promise<void> {
  await db.query('INSERT INTO link_revocations (token_hash, revoked_at) VALUES ($1, $2) ON CONFLICT (token_hash) DO NOTHING', [hashToken(token), now]);
}

export async function logAccess(db: Database, o: { at: number; access: LinkAccess | null; route: string; outcome: string }): Promise<void> {
  const a = o.access;
  await db.query(
    'INSERT INTO web_access_log (at, token_kind, link_id, lpu_id, role, route, outcome) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [o.at, a?.kind ?? null, a?.linkId ?? null, a?.lpuId ?? null, a?.role ?? null, o.route, o.outcome],
  );
}

export interface EcgStrip {
  readonly measuredAt: number;
  readonly rateHz: number;
  /** Lead II, microvolts; null where the device had no valid sample (electrode off). */
  readonly samplesUv: ReadonlyArray<number | null>;
}

export async function storeEcgStrip(db: Database, lpuId: number, strip: EcgStrip, now: number): Promise<void> {
  await db.query('INSERT INTO ecg_strips (lpu_id, measured_at, rate_hz, samples_uv, received_at) VALUES ($1, $2, $3, $4, $5)',
    [lpuId, strip.measuredAt, strip.rateHz, JSON.stringify(strip.samplesUv.map((v) => (v === null ? null : Math.round(v)))), now]);
}

export async function latestEcgStrip(db: Database, lpuId: number): Promise<(EcgStrip & { receivedAt: number }) | null> {
  const r = (await db.query('SELECT measured_at, rate_hz, samples_uv, received_at FROM ecg_strips WHERE lpu_id = $1 ORDER BY measured_at DESC, id DESC LIMIT 1', [lpuId]))[0];
  if (!r) return null;
  return { measuredAt: int(r.measured_at), rateHz: int(r.rate_hz), samplesUv: JSON.parse(String(r.samples_uv)) as Array<number | null>, receivedAt: int(r.received_at) };
}

/** Stores an ECG-strip payload from a data frame; returns the LPU's current ackedSeq for the reply. */
export async function ingestEcgStripPayload(db: Database, lpuId: number, plaintext: Uint8Array, now: number): Promise<{ ok: true; ackedSeq: number } | { ok: false; code: string; message: string }> {
  const d = decodeEcgStrip(plaintext);
  if (!d.ok) return { ok: false, code: d.error.code, message: d.error.message };
  await storeEcgStrip(db, lpuId, { measuredAt: d.value.startAt, rateHz: d.value.rateHz, samplesUv: d.value.samplesUv }, now);
  const r = (await db.query('SELECT acked_seq FROM lpus WHERE id = $1', [lpuId]))[0];
  return { ok: true, ackedSeq: r ? int(r.acked_seq) : 0 };
}
