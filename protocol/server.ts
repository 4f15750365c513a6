// Server role. verifyMa1() finds the record (by trSeq or by sid_j), checks everything, computes
// the whole next record and MA2, and only then commits with compare-and-swap: a forged, replayed
// or mislocated MA1, or one that loses a race, changes nothing. confirmMa3() promotes the pending
// pair once the LPU proves it holds it. With `refillTo`, a new pending pair comes with fresh
// emergency pairs that travel sealed in its MA2s (README section 9); refreshShadowPairs() is the
// older top-up inside a session.
import { copy, u32be } from './bytes.ts';
import { constantTimeEqual } from './ct.ts';
import { MAX_REPLAY_ENTRIES, MAX_SHADOW_PAIRS, type KeyPair, type ServerRecord, type ServerShadowPair } from './credential.ts';
import { DataChannel } from './data-channel.ts';
import { aliasId, maskLai, maskNewKls, maskNonce, maskTrSeq, nextKls, replayFingerprint, sessionKeys, v1, v2, type SessionKeys } from './formulas.ts';
import { tryEncodeLai, type LocationAreaId } from './lai.ts';
import type { Form } from './lpu.ts';
import { type RandomSource } from './random.ts';
import { drawShadowPairs, drawTrSeq } from './registration.ts';
import { err, ok, ProtocolParameterError, type Result } from './result.ts';
import { encodeShadowPairsPayload } from './shadow-pairs.ts';
import type { ServerStore } from './store.ts';
import { decodeMa1, decodeMa3, encodeMa2, header, ma2Type, MessageType, type Ma2, type WireErrorCode } from './wire.ts';

/** At most this many (record, slot) candidates are tried for one trSeq (bounds the work per MA1). */
export const MAX_TRSEQ_CANDIDATES = 16;

export type VerifyErrorCode =
  | WireErrorCode
  | 'unknown-trseq'
  | 'unknown-sid'
  | 'auth-failed'
  | 'replay'
  | 'location-mismatch'
  | 'bad-observed-lai'
  | 'conflict';

export interface VerifyOptions {
  /**
   * Refill the emergency pairs: when a new pending pair is drawn and fewer than this many unspent
   * pairs are left, fresh ones are drawn with it and sent sealed in every MA2 of its epoch.
   * Absent: no refill (MA2 types 0x03/0x04 only).
   */
  readonly refillTo?: number;
}

/** What the server keeps in RAM for an authenticated session (never persisted). */
export interface ServerSession {
  readonly idL: Uint8Array;
  readonly form: Form;
  readonly keys: SessionKeys;
  readonly channel: DataChannel;
  /** The pair issued in MA2; confirmMa3() promotes it if it is still pending. */
  readonly issued: KeyPair;
}

export interface ServerHandshake {
  readonly ma2: Uint8Array;
  /** The committed record. */
  readonly record: ServerRecord;
  readonly session: ServerSession;
  /** The LAI the LPU reported (equal to the observed one). */
  readonly lai: Uint8Array;
}

interface Match {
  readonly record: ServerRecord;
  /** Which key the MA1 was made with. */
  readonly slot: 'current' | 'pending' | 'emergency';
  readonly kls: Uint8Array;
  readonly nl: Uint8Array;
  readonly lai: Uint8Array;
  readonly sid: Uint8Array | null;
}

function newPending(current: KeyPair, idL: Uint8Array, random: RandomSource): KeyPair {
  // trSeq_new differs from the current one so the two slots of a record never collide.
  let t = drawTrSeq(random);
  while (t === current.trSeq) t = drawTrSeq(random);
  return { trSeq: t, kls: nextKls(current.kls, idL, t) };
}

/**
 * Verifies MA1 against the store, observedLai being the location area the serving base station
 * reports (secure localisation). On success the record update is committed and MA2 returned.
 */
export async function verifyMa1(store: ServerStore, ma1Bytes: Uint8Array, observedLai: LocationAreaId, random: RandomSource, options: VerifyOptions = {}): Promise<Result<ServerHandshake, VerifyErrorCode>> {
  const refillTo = options.refillTo;
  if (refillTo !== undefined && (!Number.isInteger(refillTo) || refillTo < 1 || refillTo > MAX_SHADOW_PAIRS)) throw new ProtocolParameterError(`refillTo must be 1..${MAX_SHADOW_PAIRS}`);
  const observed = tryEncodeLai(observedLai);
  if (!observed) return err('bad-observed-lai', 'the LAI reported for the serving base station is not a valid LAI');
  const d = decodeMa1(ma1Bytes);
  if (!d.ok) return d;
  const m = d.value;
  let match: Match | null = null;

  if (m.form === 'normal') {
    const hdr = header(MessageType.ma1Normal);
    const records = await store.getByTrSeq(m.trSeq);
    if (records.length === 0) return err('unknown-trseq', 'no record has this trSeq');
    const candidates: Array<{ record: ServerRecord; slot: 'current' | 'pending'; pair: KeyPair }> = [];
    for (const record of records) {
      for (const slot of ['current', 'pending'] as const) {
        const pair = record[slot];
        if (pair && pair.trSeq === m.trSeq) candidates.push({ record, slot, pair });
      }
    }
    for (const { record, slot, pair } of candidates.slice(0, MAX_TRSEQ_CANDIDATES)) {
      const nl = maskNonce(pair.kls, m.nx);
      const lai = maskLai(m.el, pair.kls, nl);
      const aidOk = constantTimeEqual(aliasId(record.idL, pair.kls, nl, m.trSeq), m.aidL);
      const v1Ok = constantTimeEqual(v1(nl, lai, pair.kls, hdr, m.aidL, m.nx, m.trSeq, m.el), m.v1);
      if (aidOk && v1Ok) {
        match = { record, slot, kls: pair.kls, nl, lai, sid: null };
        break;
      }
    }
    if (!match) return err('auth-failed', 'aidL or V1 does not verify');
  } else {
    const hdr = header(MessageType.ma1Emergency);
    const record = await store.getBySid(m.aidL);
    const pair = record?.pairs.find((p) => constantTimeEqual(p.sid, m.aidL));
    if (!record || !pair) return err('unknown-sid', 'no record holds this shadow identity');
    const nl = maskNonce(pair.kem, m.nx);
    const lai = maskLai(m.el, pair.kem, nl);
    if (!constantTimeEqual(v1(nl, lai, pair.kem, hdr, m.aidL, m.nx, null, m.el), m.v1)) return err('auth-failed', 'V1 does not verify');
    match = { record, slot: 'emergency', kls: pair.kem, nl, lai, sid: pair.sid };
  }

  const { record, slot, kls, nl, lai } = match;
  const fp = replayFingerprint(nl);
  if (record.replay.some((e) => constantTimeEqual(e, fp))) return err('replay', 'this MA1 was already accepted');
  if (!constantTimeEqual(lai, observed)) return err('location-mismatch', 'the LAI in MA1 differs from the serving base station\'s');

  // Everything verified: compute the next record.
  let current = record.current;
  let pending = record.pending;
  let pairs: readonly ServerShadowPair[] = record.pairs;
  let replay: readonly Uint8Array[] = record.replay;
  if (slot === 'pending') {
    // Proof that the LPU holds the pending pair: promote it (implicit key confirmation).
    current = pending!;
    pending = null;
    pairs = held(pairs);
    replay = [];
  }
  if (slot === 'emergency') pairs = pairs.map((p) => (constantTimeEqual(p.sid, match.sid!) ? { ...p, spent: true } : p));
  // The next pair depends only on the current one, not on which MA1 asked: retries, held-back
  // MA1s and emergency MA1s all get the same pending pair, so none of them can desynchronise.
  if (!pending) {
    pending = newPending(current, record.idL, random);
    // The refill is drawn once per epoch, with the pending pair, for the same reason.
    const unspent = pairs.filter((p) => !p.spent).length;
    if (refillTo !== undefined && unspent < refillTo) {
      const fresh = drawShadowPairs(record.idL, current.kls, Math.min(refillTo - unspent, MAX_SHADOW_PAIRS - pairs.length), random);
      pairs = [...pairs, ...fresh.map((p) => ({ ...p, spent: false, offered: true }))];
    }
  }
  replay = [...replay, fp].slice(-MAX_REPLAY_ENTRIES);
  const next: ServerRecord = { idL: record.idL, version: record.version + 1, current, pending, pairs, replay };

  // An epoch with offered pairs sends the LPU's whole new list (every unspent pair) in every MA2.
  const refill = next.pairs.some((p) => p.offered) ? next.pairs.filter((p) => !p.spent) : null;
  const trNew = u32be(pending.trSeq);
  const tr = maskTrSeq(kls, record.idL, nl, trNew);
  const form = slot === 'emergency' ? 'emergency' : 'normal';
  const hdr = header(ma2Type(form, refill !== null));
  const x = slot === 'emergency' ? maskNewKls(pending.kls, record.idL, kls, nl) : null;
  const keys = sessionKeys(pending.kls, nl);

  const cas = await store.compareAndSwap(next, record.version);
  if (cas !== 'ok') return err('conflict', 'the record changed during verification; nothing was committed');
  // Sealed only after the commit, so an MA1 that lost a race never seals anything under keys the
  // winner also uses. The server seals the refill unasked, so a replay of this MA1 accepted later
  // in the epoch (after its replay-cache entry was evicted) would seal again under the same keys:
  // the downlink counter starts at the committed record version, unique per accepted MA1.
  const channel = new DataChannel('server', keys, refill ? BigInt(next.version) : 0n);
  let refillFrame: Uint8Array | undefined;
  if (refill) {
    const s = channel.seal(encodeShadowPairsPayload(refill));
    if (!s.ok) throw new ProtocolParameterError(`sealing the refill failed: ${s.error.code}`);
    refillFrame = s.value;
  }
  const extra = refillFrame ? { refill: refillFrame } : {};
  const ma2: Ma2 = x
    ? { form: 'emergency', tr, x, v2: v2(tr, kls, record.idL, nl, hdr, x), ...extra }
    : { form: 'normal', tr, v2: v2(tr, kls, record.idL, nl, hdr, null), ...extra };
  return ok({
    ma2: encodeMa2(ma2),
    record: next,
    session: { idL: copy(record.idL), form, keys, channel, issued: { trSeq: pending.trSeq, kls: copy(pending.kls) } },
    lai: copy(lai),
  });
}

export type ConfirmErrorCode = WireErrorCode | 'wrong-session' | 'auth-failed' | 'unknown-record' | 'stale' | 'conflict';

export interface Confirmation {
  /** false when the pair had already been promoted (by an MA1 made with it, or a repeated MA3). */
  readonly promoted: boolean;
  readonly record: ServerRecord;
}

/** Checks MA3 for this session; if the issued pair is still pending, it becomes current. */
export async function confirmMa3(store: ServerStore, session: ServerSession, ma3Bytes: Uint8Array): Promise<Result<Confirmation, ConfirmErrorCode>> {
  const d = decodeMa3(ma3Bytes);
  if (!d.ok) return d;
  if (!constantTimeEqual(d.value.sessionId, session.keys.sessionId)) return err('wrong-session', 'MA3 names another session');
  if (!constantTimeEqual(d.value.tag, session.keys.confirmTag)) return err('auth-failed', 'confirmation tag does not verify');
  const record = await store.getById(session.idL);
  if (!record) return err('unknown-record', 'the record of this session is gone');
  const issued = session.issued;
  const is = (p: KeyPair | null) => p !== null && p.trSeq === issued.trSeq && constantTimeEqual(p.kls, issued.kls);
  if (is(record.current)) return ok({ promoted: false, record });
  if (!is(record.pending)) return err('stale', 'the pair issued in this session is neither pending nor current');
  const next: ServerRecord = {
    ...record,
    version: record.version + 1,
    current: record.pending!,
    pending: null,
    pairs: held(record.pairs),
    replay: [],
  };
  const cas = await store.compareAndSwap(next, record.version);
  if (cas !== 'ok') return err('conflict', 'the record changed during confirmation; nothing was committed');
  return ok({ promoted: true, record: next });
}

/**
 * The pair list once the LPU is known to hold the pending pair: spent pairs go, and offered ones
 * are held (every MA2 of the epoch carried them, and the LPU stores them with the pending pair).
 */
function held(pairs: readonly ServerShadowPair[]): ServerShadowPair[] {
  return pairs.filter((p) => !p.spent).map((p) => ({ sid: p.sid, kem: p.kem, spent: false }));
}

// ---- shadow pair refill, delivered inside a sealed data frame ----

export type RefreshErrorCode = 'unknown-record' | 'conflict';

/**
 * Tops the record up to `target` unspent pairs (committed with CAS) and returns the payload to
 * seal for the LPU: the full list of unspent pairs, which the LPU adopts as its list (idempotent,
 * so a lost or repeated delivery does no harm).
 */
export async function refreshShadowPairs(store: ServerStore, idL: Uint8Array, random: RandomSource, target = 8): Promise<Result<{ record: ServerRecord; payload: Uint8Array }, RefreshErrorCode>> {
  if (!Number.isInteger(target) || target < 1 || target > MAX_SHADOW_PAIRS) throw new ProtocolParameterError(`target must be 1..${MAX_SHADOW_PAIRS}`);
  const record = await store.getById(idL);
  if (!record) return err('unknown-record', 'no record for this LPU');
  const unspent = record.pairs.filter((p) => !p.spent);
  const want = Math.max(0, target - unspent.length);
  const room = MAX_SHADOW_PAIRS - record.pairs.length;
  const fresh = drawShadowPairs(record.idL, record.current.kls, Math.min(want, room), random);
  let record2 = record;
  if (fresh.length > 0) {
    record2 = { ...record, version: record.version + 1, pairs: [...record.pairs, ...fresh.map((p) => ({ ...p, spent: false }))] };
    const cas = await store.compareAndSwap(record2, record.version);
    if (cas !== 'ok') return err('conflict', 'the record changed; nothing was committed');
  }
  return ok({ record: record2, payload: encodeShadowPairsPayload(record2.pairs.filter((p) => !p.spent)) });
}
