// Shared fixtures for the protocol tests: seeded randomness, a registered LPU in a memory store,
// one-call sessions and byte snapshots of stored records.
import { Rng } from '../../sim/rng.ts';
import { toHex } from '../../protocol/bytes.ts';
import type { LocationAreaId } from '../../protocol/lai.ts';
import { LpuClient } from '../../protocol/lpu.ts';
import type { RandomSource } from '../../protocol/random.ts';
import { register } from '../../protocol/registration.ts';
import { confirmMa3, verifyMa1 } from '../../protocol/server.ts';
import { MemoryServerStore } from '../../protocol/store.ts';

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
  const lpu = new LpuClient(reg.credential, { random: seededRandom(seed + 1000) });
  return { random, store, idL, idS, lpu, ...reg };
}

/** One complete session (MA1, MA2, MA3) that must succeed; returns both ends. */
export async function fullSession(store: MemoryServerStore, lpu: LpuClient, random: RandomSource, cell: LocationAreaId = CELL_A) {
  const b = lpu.begin(cell);
  if (!b.ok) throw new Error(`begin: ${b.error.code}`);
  const v = await verifyMa1(store, b.value.ma1, cell, random);
  if (!v.ok) throw new Error(`verify: ${v.error.code}`);
  const a = lpu.accept(v.value.ma2);
  if (!a.ok) throw new Error(`accept: ${a.error.code}`);
  const c = await confirmMa3(store, v.value.session, a.value.ma3);
  if (!c.ok) throw new Error(`confirm: ${c.error.code}`);
  return { form: b.value.form, ma1: b.value.ma1, server: v.value, lpu: a.value, confirmation: c.value };
}

/** Hex of the stored record bytes, for byte-identical comparisons. */
export function snapshot(store: MemoryServerStore, idL: Uint8Array): string {
  const b = store.recordBytes(idL);
  if (!b) throw new Error('no record');
  return toHex(b);
}

export const hex = toHex;
