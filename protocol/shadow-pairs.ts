// Payload that carries fresh shadow pairs from the server to the LPU inside a sealed data frame
// (the application framing must route payloads starting with 0xC1 here).
import { concat, take } from './bytes.ts';
import { MAX_SHADOW_PAIRS, type ShadowPair } from './credential.ts';
import { err, ok, ProtocolParameterError, type Result } from './result.ts';
import { KEY_BYTES } from './wire.ts';

// payload: 0xC1 | format 1 | count u8 | (sid 32 | kem 32) * count

export const SHADOW_PAIRS_PAYLOAD_TYPE = 0xc1;

export function encodeShadowPairsPayload(pairs: readonly ShadowPair[]): Uint8Array {
  if (pairs.length > MAX_SHADOW_PAIRS) throw new ProtocolParameterError(`at most ${MAX_SHADOW_PAIRS} shadow pairs`);
  return concat(Uint8Array.of(SHADOW_PAIRS_PAYLOAD_TYPE, 1, pairs.length), ...pairs.flatMap((p) => [p.sid, p.kem]));
}

export type ShadowPayloadErrorCode = 'truncated' | 'bad-type' | 'bad-version' | 'bad-length' | 'bad-field';

export function decodeShadowPairsPayload(b: Uint8Array): Result<ShadowPair[], ShadowPayloadErrorCode> {
  if (!(b instanceof Uint8Array) || b.length < 3) return err('truncated', 'shadow pair payload shorter than 3 bytes');
  if (b[0] !== SHADOW_PAIRS_PAYLOAD_TYPE) return err('bad-type', 'not a shadow pair payload');
  if (b[1] !== 1) return err('bad-version', `shadow pair payload format ${b[1]} is not 1`);
  const n = b[2]!;
  if (n > MAX_SHADOW_PAIRS) return err('bad-field', `${n} shadow pairs, at most ${MAX_SHADOW_PAIRS}`);
  if (b.length !== 3 + n * 2 * KEY_BYTES) return err(b.length < 3 + n * 2 * KEY_BYTES ? 'truncated' : 'bad-length', `payload length does not match ${n} pairs`);
  const out: ShadowPair[] = [];
  for (let i = 0, o = 3; i < n; i++, o += 2 * KEY_BYTES) out.push({ sid: take(b, o, o + KEY_BYTES), kem: take(b, o + KEY_BYTES, o + 2 * KEY_BYTES) });
  return ok(out);
}

