// A seeded adversary on the network between one LPU and the server, for thousands of steps: it
// drops MA1, MA2 or MA3, replays captured MA1s and MA3s, delivers held-back MA1s late and injects
// forged MA2s. Invariants: the LPU always holds the server's current or pending pair, no
// emergency pair is ever spent, every completed session has matching keys at both ends, and once
// the adversary stops one clean session brings both ends to the same confirmed pair.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../sim/rng.ts';
import { decodeServerRecord } from '../../protocol/credential.ts';
import { LpuClient } from '../../protocol/lpu.ts';
import { confirmMa3, verifyMa1, type ServerSession } from '../../protocol/server.ts';
import { header, MA2_NORMAL_BYTES, MessageType } from '../../protocol/wire.ts';
import { CELL_A, fullSession, hex, seededRandom, setup } from './helpers.ts';

const STEPS = 3000;

test(`${STEPS} steps of drops, replays, late delivery and forgeries never desynchronise`, async () => {
  const s = await setup(701);
  const lpu = new LpuClient(s.credential, { random: seededRandom(702), emergencyAfterFailures: 1_000_000 });
  const adv = new Rng(703);
  const capturedMa1: Uint8Array[] = [];
  const capturedMa3: Array<{ session: ServerSession; ma3: Uint8Array }> = [];
  const held: Uint8Array[] = [];
  let completed = 0;
  const chance = (p: number) => adv.float() < p;
  for (let step = 0; step < STEPS; step++) {
    const b = lpu.begin(CELL_A);
    if (!b.ok) return assert.unreachable(b.error.code);
    // Attacker actions against the server, before or instead of the real MA1.
    if (capturedMa1.length && chance(0.2)) {
      const old = capturedMa1[adv.nextU32() % capturedMa1.length]!;
      await verifyMa1(s.store, old, CELL_A, s.random); // replay (usually rejected; never harmful)
    }
    if (held.length && chance(0.2)) await verifyMa1(s.store, held.shift()!, CELL_A, s.random);
    if (capturedMa3.length && chance(0.1)) {
      const m = capturedMa3[adv.nextU32() % capturedMa3.length]!;
      await confirmMa3(s.store, m.session, m.ma3);
    }
    capturedMa1.push(b.value.ma1);
    if (capturedMa1.length > 64) capturedMa1.shift();
    if (chance(0.15)) {
      held.push(b.value.ma1); // MA1 withheld now, delivered later
      continue;
    }
    if (chance(0.1)) continue; // MA1 lost
    const v = await verifyMa1(s.store, b.value.ma1, CELL_A, s.random);
    if (!v.ok) return assert.unreachable(`step ${step}: fresh MA1 rejected: ${v.error.code}`);
    if (chance(0.1)) {
      const forged = new Uint8Array(MA2_NORMAL_BYTES);
      forged.set(header(MessageType.ma2Normal));
      forged.set(s.random(36), 4);
      assert.not.ok(lpu.accept(forged).ok);
    }
    if (chance(0.3)) continue; // MA2 lost
    const a = lpu.accept(v.value.ma2);
    if (!a.ok) return assert.unreachable(`step ${step}: MA2 rejected: ${a.error.code}`);
    completed++;
    assert.is(hex(a.value.keys.lpuToServer), hex(v.value.session.keys.lpuToServer));
    capturedMa3.push({ session: v.value.session, ma3: a.value.ma3 });
    if (capturedMa3.length > 16) capturedMa3.shift();
    if (!chance(0.3)) await confirmMa3(s.store, v.value.session, a.value.ma3); // else MA3 lost
    // Invariant: the LPU's pair is the server's current or pending one.
    const rec = decodeServerRecord(s.store.recordBytes(s.idL)!);
    if (!rec.ok) return assert.unreachable();
    const mine = (p: { trSeq: number; kls: Uint8Array } | null) => p !== null && p.trSeq === lpu.credential.trSeq && hex(p.kls) === hex(lpu.credential.kls);
    assert.ok(mine(rec.value.current) || mine(rec.value.pending), `step ${step}: LPU pair unknown to the server`);
    assert.is(rec.value.pairs.length, 8);
  }
  assert.ok(completed > STEPS / 3, `completed ${completed}`);
  // The adversary leaves: one clean session, normal form, both ends on the same confirmed pair.
  const r = await fullSession(s.store, lpu, s.random);
  assert.is(r.form, 'normal');
  const rec = decodeServerRecord(s.store.recordBytes(s.idL)!);
  if (!rec.ok) return assert.unreachable();
  assert.is(rec.value.current.trSeq, lpu.credential.trSeq);
  assert.is(hex(rec.value.current.kls), hex(lpu.credential.kls));
  assert.is(lpu.credential.pairs.length, 8);
  assert.ok(rec.value.pairs.every((p) => !p.spent));
});

test.run();
