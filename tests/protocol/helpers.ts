// Shared fixtures for the protocol tests: seeded randomness, a registered LPU in a memory store,
// and one-call handshakes.
import { Rng } from '../../sim/rng.ts';
import type { RandomSource } from '../../protocol/random.ts';
import { register } from '../../protocol/registration.ts';
import { MemoryServerStore } from '../../protocol/store.ts';
import type { LocationAreaId } from '../../protocol/lai.ts';

export function seededRandom(seed: number): RandomSource {
  const rng = new Rng(seed);
  return (n) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = rng.nextU32() & 0xff;
    return b;
  };
}

export const CELL_A: LocationAreaId = { mcc: 262, mnc: 1, mncDigits: 2, lac: 0x1a2b };
export const CELL_B: LocationAreaId = { mcc: 262, mnc: 1, mncDigits: 2, lac: 0x1a2c };

export async function setup(seed = 1, pairCount = 8) {
  const random = seededRandom(seed);
  const store = new MemoryServerStore();
  const idL = random(16);
  const idS = random(32);
  const reg = register({ idL, idS, random, pairCount });
  if (!(await store.insert(reg.record))) throw new Error('insert failed');
  return { random, store, idL, idS, ...reg };
}
