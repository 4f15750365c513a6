// Randomness is injected so tests and the simulator are deterministic; production uses the
// platform CSPRNG (Web Crypto, present in browsers and in Node >= 19 as globalThis.crypto).
import { ProtocolParameterError } from './result.ts';

/** Returns n fresh random bytes. Must be a CSPRNG outside tests and simulations. */
export type RandomSource = (n: number) => Uint8Array;

export const defaultRandom: RandomSource = (n) => {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (!c?.getRandomValues) throw new ProtocolParameterError('no globalThis.crypto.getRandomValues: inject a RandomSource');
  const out = new Uint8Array(n);
  // getRandomValues fills at most 65536 bytes per call.
  for (let o = 0; o < n; o += 65536) c.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
};

/** Draws n bytes and checks the source returned what was asked for. */
export function draw(random: RandomSource, n: number): Uint8Array {
  const b = random(n);
  if (!(b instanceof Uint8Array) || b.length !== n) throw new ProtocolParameterError(`RandomSource returned ${b?.length} bytes, wanted ${n}`);
  return b;
}
