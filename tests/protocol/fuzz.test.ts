// Seeded fuzzing: at least 100,000 random and mutated inputs to every decoder (MA1, MA2, MA3,
// data frame, LPU credential, server record, LAI, shadow pair payload), then mutated messages
// through the full processing paths (server verification, LPU MA2 check, MA3, data frame open).
// Nothing may throw, every failure must carry a code and a message, and each call must return
// quickly (no hang). Seed: FUZZ_SEED (default 20261122); count per decoder: FUZZ_N (default 100000).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../sim/rng.ts';
import { decodeLpuCredential, decodeServerRecord, encodeLpuCredential } from '../../protocol/credential.ts';
import { decodeLai, encodeLai } from '../../protocol/lai.ts';
import { acceptMa2, createMa1 } from '../../protocol/lpu.ts';
import type { Result } from '../../protocol/result.ts';
import { confirmMa3, verifyMa1 } from '../../protocol/server.ts';
import { decodeShadowPairsPayload, encodeShadowPairsPayload } from '../../protocol/shadow-pairs.ts';
import { decodeDataFrame, decodeMa1, decodeMa2, decodeMa3, peekType } from '../../protocol/wire.ts';
import { CELL_A, fullSession, hex, seededRandom, setup } from './helpers.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const N = Number(process.env.FUZZ_N ?? 100_000);
// A bound that only a pathological input (super-linear work) could reach, even on a loaded CI machine.
const MAX_CALL_MS = 2000;

function mutate(rng: Rng, seeds: readonly Uint8Array[]): Uint8Array {
  const pick = rng.nextU32() % 8;
  if (pick === 0) {
    // Pure noise, mostly short, sometimes long.
    const len = rng.nextU32() % 4 === 0 ? rng.nextU32() % 2048 : rng.nextU32() % 160;
    const b = new Uint8Array(len);
    for (let i = 0; i < len; i++) b[i] = rng.nextU32() & 0xff;
    return b;
  }
  const src = seeds[rng.nextU32() % seeds.length]!;
  let b = new Uint8Array(src);
  const ops = 1 + (rng.nextU32() % 4);
  for (let k = 0; k < ops; k++) {
    const op = rng.nextU32() % 7;
    if (op === 0 && b.length) b[rng.nextU32() % b.length]! ^= 1 << (rng.nextU32() % 8);
    else if (op === 1 && b.length) b[rng.nextU32() % b.length] = rng.nextU32() & 0xff;
    else if (op === 2) b = b.slice(0, rng.nextU32() % (b.length + 1));
    else if (op === 3) b = Uint8Array.of(...b, ...Array.from({ length: 1 + (rng.nextU32() % 40) }, () => rng.nextU32() & 0xff));
    else if (op === 4 && b.length > 4) b[rng.nextU32() % 4] = rng.nextU32() & 0xff; // header
    else if (op === 5 && b.length) b[rng.nextU32() % b.length] = [0, 0xff, 0x7f, 0x80][rng.nextU32() % 4]!; // boundary values
    else if (op === 6) {
      const other = seeds[rng.nextU32() % seeds.length]!;
      const cut = rng.nextU32() % (Math.min(b.length, other.length) + 1);
      b = Uint8Array.of(...b.slice(0, cut), ...other.slice(cut)); // splice two valid inputs
    }
  }
  return b;
}

function checkResult(r: Result<unknown>, what: string): void {
  if (typeof r !== 'object' || r === null || typeof r.ok !== 'boolean') throw new Error(`${what}: not a result`);
  if (!r.ok && (typeof r.error.code !== 'string' || typeof r.error.message !== 'string' || !r.error.code)) throw new Error(`${what}: error without code/message`);
}

async function corpus() {
  const s = await setup(SEED % 1000);
  const r = await fullSession(s.store, s.lpu, s.random);
  const e = createMa1(s.lpu.credential, CELL_A, seededRandom(2), 'emergency');
  if (!e.ok) throw new Error('emergency MA1');
  // With a refill: the corpus holds an MA2 of type 0x07 and a record with offered pairs.
  const ev = await verifyMa1(s.store, e.value.ma1, CELL_A, s.random, { refillTo: 8 });
  if (!ev.ok) throw new Error('emergency verify');
  const frames = [r.lpu.channel.seal(new Uint8Array(0)), r.lpu.channel.seal(new Uint8Array(40).fill(7)), r.server.session.channel.seal(new Uint8Array(3))]
    .map((f) => (f.ok ? f.value : new Uint8Array(0)));
  return {
    s,
    r,
    ma1: [r.ma1, e.value.ma1],
    ma2: [r.server.ma2, ev.value.ma2],
    ma3: [r.lpu.ma3],
    data: frames,
    credential: [encodeLpuCredential(s.credential), encodeLpuCredential(s.lpu.credential)],
    record: [s.store.recordBytes(s.idL)!],
    lai: [encodeLai(CELL_A), encodeLai({ mcc: 1, mnc: 999, mncDigits: 3, lac: 0xfffd })],
    pairs: [encodeShadowPairsPayload(s.credential.pairs.slice(0, 3)), encodeShadowPairsPayload([])],
  };
}

const c = await corpus();

const decoders: Array<[string, readonly Uint8Array[], (b: Uint8Array) => Result<unknown>]> = [
  ['MA1', c.ma1, decodeMa1],
  ['MA2', c.ma2, decodeMa2],
  ['MA3', c.ma3, decodeMa3],
  ['data frame', c.data, decodeDataFrame],
  ['LPU credential', c.credential, decodeLpuCredential],
  ['server record', c.record, decodeServerRecord],
  ['LAI', c.lai, decodeLai],
  ['shadow pair payload', c.pairs, decodeShadowPairsPayload],
  ['header', [...c.ma1, ...c.data], peekType],
];

for (const [name, seeds, decode] of decoders) {
  test(`fuzz ${name} decoder: ${N} inputs, no throw, typed errors, bounded time`, () => {
    const rng = new Rng(SEED).fork(name);
    for (const sd of seeds) assert.ok(decode(sd).ok, 'the seeds themselves decode');
    let okCount = 0;
    let worst = 0;
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const input = mutate(rng, seeds);
      const t = performance.now();
      let r: Result<unknown>;
      try {
        r = decode(input);
      } catch (e) {
        return assert.unreachable(`${name} threw on input ${i} (${hex(input)}): ${String(e)}`);
      }
      worst = Math.max(worst, performance.now() - t);
      checkResult(r, name);
      if (r.ok) okCount++;
    }
    assert.ok(worst < MAX_CALL_MS, `slowest call ${worst.toFixed(1)} ms`);
    assert.ok(okCount < N, 'most mutated inputs must be rejected');
    assert.ok(performance.now() - t0 < 180_000);
  });
}

const M = Math.max(1000, Math.floor(N / 5));

test(`fuzz the processing paths: ${M} mutated MA1, MA2, MA3 and data frames each`, async () => {
  const rng = new Rng(SEED).fork('processing');
  const { s, r } = c;
  const snap = hex(s.store.recordBytes(s.idL)!);
  const attempt = createMa1(s.lpu.credential, CELL_A, seededRandom(3));
  if (!attempt.ok) return assert.unreachable();
  const unchanged = (input: Uint8Array, seeds: readonly Uint8Array[]) => seeds.some((x) => hex(x) === hex(input));
  for (let i = 0; i < M; i++) {
    const m1 = mutate(rng, c.ma1);
    if (!unchanged(m1, c.ma1)) {
      const v = await verifyMa1(s.store, m1, CELL_A, s.random);
      checkResult(v, 'verifyMa1');
      if (v.ok) return assert.unreachable(`mutated MA1 accepted: ${hex(m1)}`);
    }
    const m2 = mutate(rng, c.ma2);
    const a = acceptMa2(attempt.value.attempt, m2);
    checkResult(a, 'acceptMa2');
    assert.not.ok(a.ok);
    const m3 = mutate(rng, c.ma3);
    if (!unchanged(m3, c.ma3)) {
      const k = await confirmMa3(s.store, r.server.session, m3);
      checkResult(k, 'confirmMa3');
      assert.not.ok(k.ok);
    }
    const df = mutate(rng, c.data);
    if (!unchanged(df, c.data)) {
      const o1 = r.server.session.channel.open(df);
      const o2 = r.lpu.channel.open(df);
      checkResult(o1, 'open');
      checkResult(o2, 'open');
      assert.not.ok(o1.ok || o2.ok);
    }
  }
  assert.is(hex(s.store.recordBytes(s.idL)!), snap, 'no mutated message changed the stored record');
});

test.run();
