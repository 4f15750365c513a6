// LPU role. createMa1() turns the stored credential and the serving cell's LAI into MA1 plus the
// secret attempt state (kept in RAM only); acceptMa2() checks V2 and yields the next credential,
// the session keys and the MA3 key confirmation. LpuClient wraps both with the retry policy.
import { copy, readU32be } from './bytes.ts';
import { constantTimeEqual } from './ct.ts';
import type { LpuCredential, ShadowPair } from './credential.ts';
import { DataChannel } from './data-channel.ts';
import { aliasId, maskLai, maskNewKls, maskNonce, maskTrSeq, nextKls, sessionKeys, v1, v2, type SessionKeys } from './formulas.ts';
import { tryEncodeLai, type LocationAreaId } from './lai.ts';
import { draw, type RandomSource } from './random.ts';
import { err, ok, type Result } from './result.ts';
import { decodeShadowPairsPayload, type ShadowPayloadErrorCode } from './shadow-pairs.ts';
import { decodeMa2, encodeMa1, encodeMa3, header, KEY_BYTES, ma2Type, MessageType, type Ma1, type WireErrorCode } from './wire.ts';

export type Form = 'normal' | 'emergency';

/** Secret state of one outstanding MA1; never stored, never sent. */
export interface LpuAttempt {
  readonly form: Form;
  readonly credential: LpuCredential;
  readonly nl: Uint8Array;
  /** kls for the normal form, kem_j of pairs[0] for the emergency form. */
  readonly kls: Uint8Array;
}

export type Ma1ErrorCode = 'no-shadow-pairs' | 'bad-lai';

/** Builds MA1 with a fresh Nl; the emergency form uses the first unused shadow pair. */
export function createMa1(credential: LpuCredential, lai: LocationAreaId, random: RandomSource, form: Form = 'normal'): Result<{ ma1: Uint8Array; attempt: LpuAttempt }, Ma1ErrorCode> {
  // The LAI comes from the modem (AT+CREG), so an invalid one is an error result, not a throw.
  const laiBytes = tryEncodeLai(lai);
  if (!laiBytes) return err('bad-lai', 'the serving cell LAI is not valid');
  const nl = draw(random, KEY_BYTES);
  let pair: ShadowPair | undefined;
  if (form === 'emergency') {
    pair = credential.pairs[0];
    if (!pair) return err('no-shadow-pairs', 'no unused shadow pair left for the emergency form');
  }
  const kls = pair ? pair.kem : credential.kls;
  const aidL = pair ? copy(pair.sid) : aliasId(credential.idL, kls, nl, credential.trSeq);
  const nx = maskNonce(kls, nl);
  const el = maskLai(laiBytes, kls, nl);
  let m: Ma1;
  if (form === 'normal') {
    const trSeq = credential.trSeq;
    m = { form, aidL, nx, trSeq, el, v1: v1(nl, laiBytes, kls, header(MessageType.ma1Normal), aidL, nx, trSeq, el) };
  } else {
    m = { form, aidL, nx, el, v1: v1(nl, laiBytes, kls, header(MessageType.ma1Emergency), aidL, nx, null, el) };
  }
  return ok({ ma1: encodeMa1(m), attempt: { form, credential, nl, kls } });
}

export type Ma2ErrorCode = WireErrorCode | 'form-mismatch' | 'auth-failed' | 'bad-refill';

export interface LpuHandshake {
  /** The credential to persist (before sending MA3 or using the session). */
  readonly credential: LpuCredential;
  readonly keys: SessionKeys;
  readonly channel: DataChannel;
  /** Key confirmation to send to the server. */
  readonly ma3: Uint8Array;
  /** The MA2 carried fresh shadow pairs: `credential.pairs` is the server's new list. */
  readonly refilled: boolean;
}

/** Checks MA2 against the attempt; on success derives trSeq_new, kls_new and the session. */
export function acceptMa2(attempt: LpuAttempt, ma2Bytes: Uint8Array): Result<LpuHandshake, Ma2ErrorCode> {
  const d = decodeMa2(ma2Bytes);
  if (!d.ok) return d;
  const m = d.value;
  if (m.form !== attempt.form) return err('form-mismatch', `${m.form} MA2 answers a ${attempt.form} MA1`);
  const { idL } = attempt.credential;
  const { kls, nl } = attempt;
  const x = m.form === 'emergency' ? m.x : null;
  const hdr = header(ma2Type(m.form, m.refill !== undefined));
  if (!constantTimeEqual(v2(m.tr, kls, idL, nl, hdr, x), m.v2)) return err('auth-failed', 'V2 does not verify');
  const trSeqNew = readU32be(maskTrSeq(kls, idL, nl, m.tr), 0);
  let klsNew: Uint8Array;
  let pairs = attempt.credential.pairs;
  if (m.form === 'emergency') {
    klsNew = maskNewKls(m.x, idL, kls, nl);
    // The pair is used up: it is deleted here and on the server when the new pair is confirmed.
    pairs = pairs.slice(1);
  } else {
    klsNew = nextKls(kls, idL, trSeqNew);
  }
  const keys = sessionKeys(klsNew, nl);
  const channel = new DataChannel('lpu', keys);
  if (m.refill) {
    // The refill is part of MA2: if it does not open and decode, nothing of this MA2 is used
    // (the attempt stays open), so the LPU never confirms a pair without the list sent with it.
    const o = channel.open(m.refill);
    if (!o.ok) return err('bad-refill', `refill frame: ${o.error.code}`);
    const d = decodeShadowPairsPayload(o.value.plaintext);
    if (!d.ok) return err('bad-refill', `refill payload: ${d.error.code}`);
    if (attempt.form === 'emergency' && d.value.some((p) => constantTimeEqual(p.sid, attempt.credential.pairs[0]!.sid))) return err('bad-refill', 'the refill lists the pair just used');
    pairs = d.value;
  }
  return ok({
    credential: { idL: copy(idL), kls: klsNew, trSeq: trSeqNew, pairs: pairs.map((p) => ({ sid: copy(p.sid), kem: copy(p.kem) })) },
    keys,
    channel,
    ma3: encodeMa3({ sessionId: keys.sessionId, tag: keys.confirmTag }),
    refilled: m.refill !== undefined,
  });
}

/** Adopts the shadow pair list the server sent sealed in a session (replaces the LPU's list). */
export function adoptShadowPairs(credential: LpuCredential, payload: Uint8Array): Result<LpuCredential, ShadowPayloadErrorCode> {
  const d = decodeShadowPairsPayload(payload);
  if (!d.ok) return d;
  return ok({ idL: copy(credential.idL), kls: copy(credential.kls), trSeq: credential.trSeq, pairs: d.value });
}

export interface LpuClientOptions {
  readonly random: RandomSource;
  /**
   * Consecutive unanswered attempts after which the client switches to the emergency form
   * (default 8). An unauthenticated "unknown" from the network never triggers it by itself.
   */
  readonly emergencyAfterFailures?: number;
}

export type ClientAcceptErrorCode = Ma2ErrorCode | 'no-attempt';

/**
 * The LPU's handshake state machine: one outstanding attempt at a time (a new begin() abandons
 * the previous one, whose MA2 is then refused), a fresh Nl for every attempt, the normal form
 * until emergencyAfterFailures attempts in a row went unanswered, then the emergency form with the
 * same (first) shadow pair until an MA2 is accepted. A bad MA2 leaves the attempt open.
 */
export class LpuClient {
  private cred: LpuCredential;
  private attempt: LpuAttempt | null = null;
  private failures = 0;
  private readonly random: RandomSource;
  private readonly threshold: number;

  constructor(credential: LpuCredential, options: LpuClientOptions) {
    this.cred = credential;
    this.random = options.random;
    this.threshold = options.emergencyAfterFailures ?? 8;
  }

  get credential(): LpuCredential {
    return this.cred;
  }

  /** Attempts in a row that got no valid MA2. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** The form begin() will use: an outstanding attempt counts as unanswered once begin() is called again. */
  get nextForm(): Form {
    const failures = this.failures + (this.attempt ? 1 : 0);
    return failures >= this.threshold && this.cred.pairs.length > 0 ? 'emergency' : 'normal';
  }

  begin(lai: LocationAreaId, form: Form = this.nextForm): Result<{ ma1: Uint8Array; form: Form }, Ma1ErrorCode> {
    if (this.attempt) this.failures++;
    this.attempt = null;
    const r = createMa1(this.cred, lai, this.random, form);
    if (!r.ok) return r;
    this.attempt = r.value.attempt;
    return ok({ ma1: r.value.ma1, form });
  }

  /** Applies a shadow pair payload received in a session; returns the credential to persist. */
  adoptShadowPairs(payload: Uint8Array): Result<LpuCredential, ShadowPayloadErrorCode> {
    const r = adoptShadowPairs(this.cred, payload);
    if (r.ok) this.cred = r.value;
    return r;
  }

  accept(ma2: Uint8Array): Result<LpuHandshake, ClientAcceptErrorCode> {
    if (!this.attempt) return err('no-attempt', 'no MA1 is outstanding');
    const attempt = this.attempt;
    const r = acceptMa2(attempt, ma2);
    if (!r.ok) return r;
    // A refill in MA2 is the new list. Otherwise keep the list as it is now (a sealed refill may
    // have been adopted since begin()), minus the pair this attempt used up.
    const used = attempt.form === 'emergency' ? attempt.credential.pairs[0]!.sid : null;
    const pairs = r.value.refilled ? r.value.credential.pairs : this.cred.pairs.filter((p) => !used || !constantTimeEqual(p.sid, used));
    this.attempt = null;
    this.failures = 0;
    this.cred = { ...r.value.credential, pairs };
    return ok({ ...r.value, credential: this.cred });
  }
}
