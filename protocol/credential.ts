// The two long-lived records of the protocol and their storage encodings:
//  - LpuCredential: what the LPU keeps in non-volatile memory (idL, kls, trSeq, shadow pairs);
//  - ServerRecord: the server's row for one LPU (current and pending key pair, shadow pairs,
//    replay cache, and a version for compare-and-swap).
// Both encodings are binary, versioned, length-checked and end with an 8-byte SHA-256 checksum,
// so a torn EEPROM write or a corrupted row is reported as a typed error, never used.
import { concat, copy, H, readU32be, readU64be, take, u32be, u64be } from './bytes.ts';
import { constantTimeEqual } from './ct.ts';
import { err, ok, type Result } from './result.ts';
import { ID_BYTES, KEY_BYTES } from './wire.ts';

export const CHECKSUM_BYTES = 8;
export const MAX_SHADOW_PAIRS = 64;
export const REPLAY_FINGERPRINT_BYTES = 16;
/** Replay cache bound per record (see README: what a cache overflow can and cannot do). */
export const MAX_REPLAY_ENTRIES = 32;
export const RECORD_FORMAT_VERSION = 1;

export interface ShadowPair {
  readonly sid: Uint8Array;
  readonly kem: Uint8Array;
}

export interface LpuCredential {
  readonly idL: Uint8Array;
  readonly kls: Uint8Array;
  readonly trSeq: number;
  /** Unused (sid_j, kem_j) pairs; the emergency form always uses pairs[0]. */
  readonly pairs: readonly ShadowPair[];
}

export interface KeyPair {
  readonly trSeq: number;
  readonly kls: Uint8Array;
}

export interface ServerShadowPair extends ShadowPair {
  /** A verified emergency MA1 used this pair; it is deleted when the pending pair is confirmed. */
  readonly spent: boolean;
  /**
   * Drawn as a refill with the pending pair and sent in its MA2s; the LPU holds it once it holds
   * the pending pair, so confirming the pending pair clears the flag (README section 9).
   */
  readonly offered?: boolean;
}

export interface ServerRecord {
  readonly idL: Uint8Array;
  /** Compare-and-swap version: every committed change increments it by one. */
  readonly version: number;
  /** The pair the LPU is known to hold (confirmed). */
  readonly current: KeyPair;
  /** The next pair, issued in MA2, not yet confirmed; the LPU holds either this or current. */
  readonly pending: KeyPair | null;
  readonly pairs: readonly ServerShadowPair[];
  /** Fingerprints of the Nl of MA1s accepted since current became current (FIFO, bounded). */
  readonly replay: readonly Uint8Array[];
}

export type RecordErrorCode = 'truncated' | 'bad-magic' | 'bad-version' | 'bad-length' | 'bad-checksum' | 'bad-field';

const LPU_MAGIC = Uint8Array.of(0x42, 0x43, 0x4c, 0x43); // "BCLC"
const SERVER_MAGIC = Uint8Array.of(0x42, 0x43, 0x53, 0x52); // "BCSR"

const checksum = (body: Uint8Array): Uint8Array => H(body).slice(0, CHECKSUM_BYTES);

function frameCheck(b: Uint8Array, magic: Uint8Array, minBody: number, what: string): Result<Uint8Array, RecordErrorCode> {
  if (!(b instanceof Uint8Array) || b.length < magic.length + 1 + minBody + CHECKSUM_BYTES) return err('truncated', `${what} shorter than its fixed part`);
  for (let i = 0; i < magic.length; i++) if (b[i] !== magic[i]) return err('bad-magic', `${what} has the wrong magic`);
  if (b[magic.length] !== RECORD_FORMAT_VERSION) return err('bad-version', `${what} format version ${b[magic.length]} is not ${RECORD_FORMAT_VERSION}`);
  const body = b.subarray(0, b.length - CHECKSUM_BYTES);
  if (!constantTimeEqual(checksum(body), b.subarray(b.length - CHECKSUM_BYTES))) return err('bad-checksum', `${what} checksum mismatch`);
  return ok(body);
}

// ---- LPU credential ----
// "BCLC" | format 1 | idL 16 | kls 32 | trSeq u32 | pair count u8 | (sid 32 | kem 32) * count | checksum 8

const LPU_FIXED = ID_BYTES + KEY_BYTES + 4 + 1;

export function encodeLpuCredential(c: LpuCredential): Uint8Array {
  const body = concat(LPU_MAGIC, Uint8Array.of(RECORD_FORMAT_VERSION), c.idL, c.kls, u32be(c.trSeq), Uint8Array.of(c.pairs.length), ...c.pairs.flatMap((p) => [p.sid, p.kem]));
  return concat(body, checksum(body));
}

export function decodeLpuCredential(b: Uint8Array): Result<LpuCredential, RecordErrorCode> {
  const f = frameCheck(b, LPU_MAGIC, LPU_FIXED, 'LPU credential');
  if (!f.ok) return f;
  const body = f.value;
  let o = 5;
  const idL = take(body, o, (o += ID_BYTES));
  const kls = take(body, o, (o += KEY_BYTES));
  const trSeq = readU32be(body, o);
  o += 4;
  const n = body[o++]!;
  if (n > MAX_SHADOW_PAIRS) return err('bad-field', `LPU credential lists ${n} shadow pairs, at most ${MAX_SHADOW_PAIRS}`);
  if (body.length !== o + n * 2 * KEY_BYTES) return err('bad-length', `LPU credential length does not match its ${n} shadow pairs`);
  const pairs: ShadowPair[] = [];
  for (let i = 0; i < n; i++) pairs.push({ sid: take(body, o, (o += KEY_BYTES)), kem: take(body, o, (o += KEY_BYTES)) });
  return ok({ idL, kls, trSeq, pairs });
}

// ---- server record ----
// "BCSR" | format 1 | idL 16 | version u64 | current trSeq u32 | current kls 32
// | pending flag u8 (0 none, 1 present) | pending trSeq u32 | pending kls 32 (all zero when none)
// | pair count u8 | (sid 32 | kem 32 | flags u8, bit 0 = spent, bit 1 = offered) * count
// | replay count u8 | fingerprint 16 * count | checksum 8

const SERVER_FIXED = ID_BYTES + 8 + 4 + KEY_BYTES + 1 + 4 + KEY_BYTES + 1 + 1;

export function encodeServerRecord(r: ServerRecord): Uint8Array {
  const pend = r.pending ?? { trSeq: 0, kls: new Uint8Array(KEY_BYTES) };
  const body = concat(
    SERVER_MAGIC,
    Uint8Array.of(RECORD_FORMAT_VERSION),
    r.idL,
    u64be(BigInt(r.version)),
    u32be(r.current.trSeq),
    r.current.kls,
    Uint8Array.of(r.pending ? 1 : 0),
    u32be(pend.trSeq),
    pend.kls,
    Uint8Array.of(r.pairs.length),
    ...r.pairs.flatMap((p) => [p.sid, p.kem, Uint8Array.of((p.spent ? 1 : 0) | (p.offered ? 2 : 0))]),
    Uint8Array.of(r.replay.length),
    ...r.replay,
  );
  return concat(body, checksum(body));
}

export function decodeServerRecord(b: Uint8Array): Result<ServerRecord, RecordErrorCode> {
  const f = frameCheck(b, SERVER_MAGIC, SERVER_FIXED, 'server record');
  if (!f.ok) return f;
  const body = f.value;
  let o = 5;
  const idL = take(body, o, (o += ID_BYTES));
  const v = readU64be(body, o);
  o += 8;
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return err('bad-field', 'server record version beyond 2^53-1');
  const current: KeyPair = { trSeq: readU32be(body, o), kls: take(body, o + 4, o + 4 + KEY_BYTES) };
  o += 4 + KEY_BYTES;
  const flag = body[o++]!;
  if (flag > 1) return err('bad-field', `server record pending flag ${flag} is not 0 or 1`);
  const pendTrSeq = readU32be(body, o);
  const pendKls = take(body, o + 4, o + 4 + KEY_BYTES);
  o += 4 + KEY_BYTES;
  if (flag === 0 && (pendTrSeq !== 0 || pendKls.some((x) => x !== 0))) return err('bad-field', 'server record has no pending pair but non-zero pending bytes');
  const n = body[o++]!;
  if (n > MAX_SHADOW_PAIRS) return err('bad-field', `server record lists ${n} shadow pairs, at most ${MAX_SHADOW_PAIRS}`);
  const pairBytes = n * (2 * KEY_BYTES + 1);
  if (body.length < o + pairBytes + 1) return err('bad-length', `server record too short for its ${n} shadow pairs`);
  const pairs: ServerShadowPair[] = [];
  for (let i = 0; i < n; i++) {
    const sid = take(body, o, (o += KEY_BYTES));
    const kem = take(body, o, (o += KEY_BYTES));
    const fl = body[o++]!;
    if (fl > 3) return err('bad-field', `shadow pair flags 0x${fl.toString(16)} has unknown bits`);
    pairs.push({ sid, kem, spent: (fl & 1) === 1, ...(fl & 2 ? { offered: true } : {}) });
  }
  const m = body[o++]!;
  if (m > MAX_REPLAY_ENTRIES) return err('bad-field', `server record lists ${m} replay entries, at most ${MAX_REPLAY_ENTRIES}`);
  if (body.length !== o + m * REPLAY_FINGERPRINT_BYTES) return err('bad-length', `server record length does not match its ${m} replay entries`);
  const replay: Uint8Array[] = [];
  for (let i = 0; i < m; i++) replay.push(take(body, o, (o += REPLAY_FINGERPRINT_BYTES)));
  return ok({ idL, version: Number(v), current, pending: flag ? { trSeq: pendTrSeq, kls: pendKls } : null, pairs, replay });
}

/** A deep copy, so records handed out by a store never alias its state. */
export function cloneServerRecord(r: ServerRecord): ServerRecord {
  return {
    idL: copy(r.idL),
    version: r.version,
    current: { trSeq: r.current.trSeq, kls: copy(r.current.kls) },
    pending: r.pending ? { trSeq: r.pending.trSeq, kls: copy(r.pending.kls) } : null,
    pairs: r.pairs.map((p) => ({ sid: copy(p.sid), kem: copy(p.kem), spent: p.spent, ...(p.offered ? { offered: true } : {}) })),
    replay: r.replay.map(copy),
  };
}
