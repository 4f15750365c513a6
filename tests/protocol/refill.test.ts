// Emergency-pair refill in MA2 (README section 9): an epoch whose pending pair comes with fresh
// pairs sends the LPU's whole new list sealed after every MA2 of that epoch; the LPU stores it with
// the new key pair, and confirming the pair confirms the list. Forged, stripped, spliced or
// replayed refills are rejected and change nothing on either side.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeServerRecord, encodeLpuCredential, type LpuCredential } from '../../protocol/credential.ts';
import { acceptMa2, createMa1, LpuClient } from '../../protocol/lpu.ts';
import { confirmMa3, verifyMa1 } from '../../protocol/server.ts';
import { decodeDataFrame, decodeMa2, MA2_EMERGENCY_BYTES, MA2_NORMAL_BYTES, MessageType } from '../../protocol/wire.ts';
import { CELL_A, fullSession, hex, seededRandom, setup, snapshot } from './helpers.ts';

const REFILL = { refillTo: 8 };
const FRAME_BYTES = (n: number) => 22 + 3 + 64 * n + 16;

async function stored(s: Awaited<ReturnType<typeof setup>>) {
  const r = decodeServerRecord(s.store.recordBytes(s.idL)!);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const sids = (pairs: readonly { sid: Uint8Array }[]) => pairs.map((p) => hex(p.sid));
const credHex = (c: LpuCredential) => hex(encodeLpuCredential(c));

test('an emergency session refills in its MA2; the lists agree; the ninth emergency in a row uses a refilled pair', async () => {
  const s = await setup(200);
  const lpu = new LpuClient(s.credential, { random: seededRandom(201) });
  const firstFresh: string[] = [];
  const used: string[] = [];
  for (let round = 0; round < 9; round++) {
    const before = sids(lpu.credential.pairs);
    used.push(before[0]!);
    const b = lpu.begin(CELL_A, 'emergency');
    if (!b.ok) return assert.unreachable();
    const v = await verifyMa1(s.store, b.value.ma1, CELL_A, s.random, REFILL);
    if (!v.ok) return assert.unreachable(v.error.code);
    assert.is(v.value.ma2[3], MessageType.ma2EmergencyRefill);
    assert.is(v.value.ma2.length, MA2_EMERGENCY_BYTES + FRAME_BYTES(8));
    // Before confirmation the server lists the spent pair and the offered one.
    const mid = await stored(s);
    assert.is(mid.pairs.filter((p) => p.spent).length, 1);
    assert.is(mid.pairs.filter((p) => p.offered).length, 1);
    const a = lpu.accept(v.value.ma2);
    if (!a.ok) return assert.unreachable(a.error.code);
    assert.ok(a.value.refilled);
    assert.is(lpu.credential.pairs.length, 8, 'back to eight pairs');
    assert.equal(sids(lpu.credential.pairs).slice(0, 7), before.slice(1), 'the used pair is gone, the others keep their order');
    if (round === 0) firstFresh.push(sids(lpu.credential.pairs)[7]!);
    assert.ok((await confirmMa3(s.store, v.value.session, a.value.ma3)).ok);
    const rec = await stored(s);
    assert.equal(sids(rec.pairs), sids(lpu.credential.pairs), 'server and LPU hold the same list');
    assert.not.ok(rec.pairs.some((p) => p.spent || p.offered), 'confirmation settles the list');
    // The refill frame was the first downlink frame; the session continues after it.
    const down = v.value.session.channel.seal(new Uint8Array([1, 2, 3]));
    assert.ok(down.ok && a.value.channel.open(down.value).ok);
  }
  // The ninth emergency used the pair that the first refill delivered (the server accepted it).
  assert.is(used[8], firstFresh[0]);
  assert.not.ok(sids(lpu.credential.pairs).includes(firstFresh[0]!));
  assert.is(new Set(used).size, 9, 'no pair used twice');
  // A normal session with a full list carries no refill.
  const n = await fullSession(s.store, lpu, s.random);
  assert.is(n.server.ma2.length, MA2_NORMAL_BYTES);
  assert.not.ok(n.lpu.refilled);
});

test('one refill per epoch: retries after lost MA2s (emergency and normal) carry the same list', async () => {
  const s = await setup(210);
  const lpu = new LpuClient(s.credential, { random: seededRandom(211) });
  const lists: string[][] = [];
  for (let i = 0; i < 3; i++) {
    const b = lpu.begin(CELL_A, 'emergency');
    if (!b.ok) return assert.unreachable();
    const v = await verifyMa1(s.store, b.value.ma1, CELL_A, s.random, REFILL);
    if (!v.ok) return assert.unreachable(v.error.code);
    // The MA2 is lost; what it carried is the record's unspent list.
    assert.is(v.value.ma2[3], MessageType.ma2EmergencyRefill);
    lists.push(sids((await stored(s)).pairs.filter((p) => !p.spent)));
  }
  assert.equal(lists[1], lists[0]);
  assert.equal(lists[2], lists[0]);
  assert.is((await stored(s)).pairs.length, 9, 'eight old (one spent), one offered: nothing drawn twice');
  // The LPU missed them all and reverts to the normal form: same epoch, same refill.
  const b = lpu.begin(CELL_A, 'normal');
  if (!b.ok) return assert.unreachable();
  const v = await verifyMa1(s.store, b.value.ma1, CELL_A, s.random, REFILL);
  if (!v.ok) return assert.unreachable(v.error.code);
  assert.is(v.value.ma2[3], MessageType.ma2NormalRefill);
  const a = lpu.accept(v.value.ma2);
  if (!a.ok) return assert.unreachable(a.error.code);
  assert.equal(sids(lpu.credential.pairs), lists[0]);
  assert.ok((await confirmMa3(s.store, v.value.session, a.value.ma3)).ok);
  assert.equal(sids((await stored(s)).pairs), lists[0]);
});

test('forged refills: every bit flip, a stripped or spliced refill is rejected; the attempt stays open and nothing changes', async () => {
  const s = await setup(220);
  const other = await setup(221);
  const make = async (st: typeof s, seed: number) => {
    const m = createMa1(st.credential, CELL_A, seededRandom(seed), 'emergency');
    if (!m.ok) throw new Error('ma1');
    const v = await verifyMa1(st.store, m.value.ma1, CELL_A, st.random, REFILL);
    if (!v.ok) throw new Error(v.error.code);
    return { attempt: m.value.attempt, ma2: v.value.ma2 };
  };
  const mine = await make(s, 222);
  const theirs = await make(other, 223);
  const snap = snapshot(s.store, s.idL);
  const attemptBefore = credHex(mine.attempt.credential);
  const base = MA2_EMERGENCY_BYTES;
  let rejected = 0;
  for (let bit = 0; bit < mine.ma2.length * 8; bit++) {
    const f = mine.ma2.slice();
    f[bit >> 3]! ^= 1 << (bit & 7);
    const a = acceptMa2(mine.attempt, f);
    assert.ok(!a.ok, `bit ${bit} flipped was accepted`);
    rejected++;
  }
  // Stripped: the refill removed and the type set to the plain emergency MA2 (V2 covers the type).
  const stripped = mine.ma2.slice(0, base);
  stripped[3] = MessageType.ma2Emergency;
  const st = acceptMa2(mine.attempt, stripped);
  assert.ok(!st.ok && st.error.code === 'auth-failed');
  // Spliced: the refill frame of another LPU's MA2 after this MA2.
  const spliced = new Uint8Array([...mine.ma2.slice(0, base), ...theirs.ma2.slice(base)]);
  const sp = acceptMa2(mine.attempt, spliced);
  assert.ok(!sp.ok && sp.error.code === 'bad-refill');
  // Truncated refill.
  const tr = acceptMa2(mine.attempt, mine.ma2.slice(0, mine.ma2.length - 1));
  assert.ok(!tr.ok && tr.error.code === 'truncated');
  // The appended frame must be a server-to-LPU frame: an uplink frame type there is a wire error.
  const wrongDir = mine.ma2.slice();
  wrongDir[base + 3] = MessageType.dataLpuToServer;
  const wd = decodeMa2(wrongDir);
  assert.ok(!wd.ok && wd.error.code === 'bad-length');
  assert.ok(!acceptMa2(mine.attempt, wrongDir).ok);
  // Extra bytes after the frame.
  const longer = decodeMa2(new Uint8Array([...mine.ma2, 0]));
  assert.ok(!longer.ok && longer.error.code === 'bad-length');
  assert.is(credHex(mine.attempt.credential), attemptBefore);
  assert.is(snapshot(s.store, s.idL), snap, 'the server record is untouched by what the LPU rejects');
  // The genuine MA2 still works for the same attempt.
  const ok = acceptMa2(mine.attempt, mine.ma2);
  assert.ok(ok.ok && ok.value.refilled && ok.value.credential.pairs.length === 8);
  console.log(`${rejected} single-bit flips of a ${mine.ma2.length}-byte MA2 with refill: all rejected`);
});

test('replayed refills: an old MA2 for a new attempt, the refill frame again in its session, the MA1 again: rejected, nothing changes', async () => {
  const s = await setup(230);
  const lpu = new LpuClient(s.credential, { random: seededRandom(231) });
  const b1 = lpu.begin(CELL_A, 'emergency');
  if (!b1.ok) return assert.unreachable();
  const v1 = await verifyMa1(s.store, b1.value.ma1, CELL_A, s.random, REFILL);
  if (!v1.ok) return assert.unreachable();
  // MA2 #1 is held back; the LPU retries, then gets the old MA2 replayed to it.
  const b2 = lpu.begin(CELL_A, 'emergency');
  if (!b2.ok) return assert.unreachable();
  const v2 = await verifyMa1(s.store, b2.value.ma1, CELL_A, s.random, REFILL);
  if (!v2.ok) return assert.unreachable();
  const credBefore = credHex(lpu.credential);
  const old = lpu.accept(v1.value.ma2);
  assert.ok(!old.ok && old.error.code === 'auth-failed', 'an MA2 of an abandoned attempt');
  assert.is(credHex(lpu.credential), credBefore);
  const a = lpu.accept(v2.value.ma2);
  if (!a.ok) return assert.unreachable(a.error.code);
  assert.ok(a.value.refilled);
  const afterRefill = credHex(lpu.credential);
  // The refill frame replayed inside its session: the channel already saw counter 0.
  const m = decodeMa2(v2.value.ma2);
  if (!m.ok || !m.value.refill) return assert.unreachable();
  const again = a.value.channel.open(m.value.refill);
  assert.ok(!again.ok && again.error.code === 'duplicate');
  // The whole MA2 replayed after acceptance: no attempt is open.
  const late = lpu.accept(v2.value.ma2);
  assert.ok(!late.ok && late.error.code === 'no-attempt');
  assert.is(credHex(lpu.credential), afterRefill);
  // Server side: the emergency MA1 replayed is refused and the record stays byte-identical.
  assert.ok((await confirmMa3(s.store, v2.value.session, a.value.ma3)).ok);
  const snap = snapshot(s.store, s.idL);
  const r = await verifyMa1(s.store, b2.value.ma1, CELL_A, s.random, REFILL);
  assert.ok(!r.ok && r.error.code === 'unknown-sid', 'the used pair is deleted at confirmation');
  assert.is(snapshot(s.store, s.idL), snap);
});

test('nonce uniqueness: an emergency MA1 replayed after its replay-cache entry was evicted seals its refill under a new counter', async () => {
  const s = await setup(250);
  const e0 = createMa1(s.credential, CELL_A, seededRandom(251), 'emergency');
  if (!e0.ok) return assert.unreachable();
  const first = await verifyMa1(s.store, e0.value.ma1, CELL_A, s.random, REFILL);
  if (!first.ok) return assert.unreachable();
  // The same epoch: another pair is spent (the list changes), then 32 more accepted MA1s (their
  // MA2s "lost") push e0 out of the replay cache.
  const e1 = createMa1({ ...s.credential, pairs: s.credential.pairs.slice(1) }, CELL_A, seededRandom(252), 'emergency');
  if (!e1.ok) return assert.unreachable();
  assert.ok((await verifyMa1(s.store, e1.value.ma1, CELL_A, s.random, REFILL)).ok);
  for (let i = 0; i < 32; i++) {
    const m = createMa1(s.credential, CELL_A, seededRandom(300 + i));
    if (!m.ok) return assert.unreachable();
    assert.ok((await verifyMa1(s.store, m.value.ma1, CELL_A, s.random, REFILL)).ok);
  }
  const again = await verifyMa1(s.store, e0.value.ma1, CELL_A, s.random, REFILL);
  if (!again.ok) return assert.unreachable(again.error.code);
  const f1 = decodeMa2(first.value.ma2);
  const f2 = decodeMa2(again.value.ma2);
  if (!f1.ok || !f2.ok || !f1.value.refill || !f2.value.refill) return assert.unreachable();
  const d1 = decodeDataFrame(f1.value.refill);
  const d2 = decodeDataFrame(f2.value.refill);
  if (!d1.ok || !d2.ok) return assert.unreachable();
  // Same attempt, so the same session keys (same session id) ...
  assert.is(hex(d1.value.sessionId), hex(d2.value.sessionId));
  assert.is(hex(again.value.session.keys.serverToLpu), hex(first.value.session.keys.serverToLpu));
  // ... and different lists (pair 1 was spent in between) ...
  assert.is.not(f1.value.refill.length, f2.value.refill.length);
  // ... so the counters (the OCB nonces) must differ.
  assert.is.not(d2.value.counter, d1.value.counter);
  // The LPU that made e0 opens whichever it gets.
  assert.ok(acceptMa2(e0.value.attempt, again.value.ma2).ok);
  assert.ok(acceptMa2(e0.value.attempt, first.value.ma2).ok);
});

test('without refillTo the MA2s keep their plain forms (0x03, 0x04)', async () => {
  const s = await setup(240);
  const b = s.lpu.begin(CELL_A, 'emergency');
  if (!b.ok) return assert.unreachable();
  const v = await verifyMa1(s.store, b.value.ma1, CELL_A, s.random);
  assert.ok(v.ok && v.value.ma2.length === MA2_EMERGENCY_BYTES);
  const a = v.ok ? s.lpu.accept(v.value.ma2) : null;
  assert.ok(a?.ok && !a.value.refilled && s.lpu.credential.pairs.length === 7);
});

test.run();
