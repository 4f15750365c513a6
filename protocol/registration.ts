// Registration (server role, over the provisioning channel, which is assumed confidential and
// authentic): the server derives kls from idL, a fresh R and its secret identity idS, issues at
// least 8 shadow pairs and a random trSeq, and produces both long-lived records.
import { copy, readU32be, requireLength } from './bytes.ts';
import { MAX_SHADOW_PAIRS, type LpuCredential, type ServerRecord, type ShadowPair } from './credential.ts';
import { registrationKls, shadowId } from './formulas.ts';
import { draw, type RandomSource } from './random.ts';
import { ProtocolParameterError } from './result.ts';
import { ID_BYTES, KEY_BYTES } from './wire.ts';

export const MIN_SHADOW_PAIRS = 8;

export interface RegistrationInput {
  /** The LPU's 16-byte identity, submitted over the provisioning channel. */
  readonly idL: Uint8Array;
  /** The server's 32-byte secret identity. */
  readonly idS: Uint8Array;
  readonly random: RandomSource;
  /** Number of (sid_j, kem_j) pairs, 8 to 64; default 8. */
  readonly pairCount?: number;
}

export interface Registration {
  readonly credential: LpuCredential;
  readonly record: ServerRecord;
}

/** Draws n fresh shadow pairs bound to idL and the given kls: sid_j = H(idL || r_j || kls), kem_j random. */
export function drawShadowPairs(idL: Uint8Array, kls: Uint8Array, n: number, random: RandomSource): ShadowPair[] {
  const pairs: ShadowPair[] = [];
  for (let j = 0; j < n; j++) {
    const rj = draw(random, KEY_BYTES);
    pairs.push({ sid: shadowId(idL, rj, kls), kem: draw(random, KEY_BYTES) });
  }
  return pairs;
}

/** A uniformly random u32. */
export const drawTrSeq = (random: RandomSource): number => readU32be(draw(random, 4), 0);

export function register(input: RegistrationInput): Registration {
  const { idL, idS, random } = input;
  const n = input.pairCount ?? MIN_SHADOW_PAIRS;
  requireLength(idL, ID_BYTES, 'idL');
  requireLength(idS, KEY_BYTES, 'idS');
  if (!Number.isInteger(n) || n < MIN_SHADOW_PAIRS || n > MAX_SHADOW_PAIRS) {
    throw new ProtocolParameterError(`pairCount must be ${MIN_SHADOW_PAIRS}..${MAX_SHADOW_PAIRS}, got ${n}`);
  }
  const R = draw(random, KEY_BYTES);
  const kls = registrationKls(idL, R, idS);
  const pairs = drawShadowPairs(idL, kls, n, random);
  const trSeq = drawTrSeq(random);
  return {
    credential: { idL: copy(idL), kls: copy(kls), trSeq, pairs: pairs.map((p) => ({ sid: copy(p.sid), kem: copy(p.kem) })) },
    record: {
      idL: copy(idL),
      version: 0,
      current: { trSeq, kls: copy(kls) },
      pending: null,
      pairs: pairs.map((p) => ({ sid: copy(p.sid), kem: copy(p.kem), spent: false })),
      replay: [],
    },
  };
}
