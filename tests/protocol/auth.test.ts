// The authentication protocol end to end, both roles against the memory store: happy paths,
// replay, lost messages, emergency pairs, secure localisation, unlinkability of MA1 fields.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeMa1, MA1_EMERGENCY_BYTES, MA1_NORMAL_BYTES, MA2_EMERGENCY_BYTES, MA2_NORMAL_BYTES, MA3_BYTES, header, MessageType } from '../../protocol/wire.ts';
import { LpuClient, createMa1 } from '../../protocol/lpu.ts';
import { confirmMa3, refreshShadowPairs, verifyMa1 } from '../../protocol/server.ts';
import { register } from '../../protocol/registration.ts';
import { decodeServerRecord } from '../../protocol/credential.ts';
import { DataChannel } from '../../protocol/data-channel.ts';
import { CELL_A, CELL_B, fullSession, hex, seededRandom, setup, snapshot } from './helpers.ts';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

async function stored(s: Awaited<ReturnType<typeof setup>>) {
  const r = decodeServerRecord(s.store.recordBytes(s.idL)!);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function channelsAgree(lpuCh: DataChannel, srvCh: DataChannel, tag: string) {
  const up = lpuCh.seal(text(`up ${tag}`));
  assert.ok(up.ok);
  const o1 = up.ok ? srvCh.open(up.value) : null;
  assert.ok(o1?.ok && str(o1.value.plaintext) === `up ${tag}`);
  const down = srvCh.seal(text(`down ${tag}`));
  assert.ok(down.ok);
  const o2 = down.ok ? lpuCh.open(down.value) : null;
  assert.ok(o2?.ok && str(o2.value.plaintext) === `down ${tag}`);
}

test('normal form: five sessions in a row, both ends on the same pair and session keys', async () => {
  const s = await setup(11);
  let prev = { trSeq: s.credential.trSeq, kls: hex(s.credential.kls) };
  for (let i = 0; i < 5; i++) {
    const r = await fullSession(s.store, s.lpu, s.random);
    assert.is(r.form, 'normal');
    assert.is(r.ma1.length, MA1_NORMAL_BYTES);
    assert.is(r.server.ma2.length, MA2_NORMAL_BYTES);
    assert.is(r.lpu.ma3.length, MA3_BYTES);
    assert.ok(r.confirmation.promoted);
    const rec = await stored(s);
    assert.is(rec.pending, null);
    assert.is(rec.current.trSeq, s.lpu.credential.trSeq);
    assert.is(hex(rec.current.kls), hex(s.lpu.credential.kls));
    assert.is.not(hex(rec.current.kls), prev.kls, 'kls rotates every session');
    assert.is(hex(r.server.session.keys.lpuToServer), hex(r.lpu.keys.lpuToServer));
    assert.is(hex(r.server.lai), hex(new Uint8Array([1, 6, 0, 1, 2, 0x1a, 0x2b, 0])));
    channelsAgree(r.lpu.channel, r.server.session.channel, String(i));
    prev = { trSeq: rec.current.trSeq, kls: hex(rec.current.kls) };
  }
  assert.is(s.lpu.credential.pairs.length, 8);
  assert.is((await stored(s)).pairs.length, 8);
});

test('emergency form after loss of synchronisation, then back to the normal form', async () => {
  const s = await setup(12);
  await fullSession(s.store, s.lpu, s.random);
  await fullSession(s.store, s.lpu, s.random);
  // An LPU restored from a backup two rotations old: neither its pair nor the next is known.
  const stale = new LpuClient(s.credential, { random: seededRandom(99), emergencyAfterFailures: 2 });
  const before = snapshot(s.store, s.idL);
  for (let i = 0; i < 2; i++) {
    const b = stale.begin(CELL_A);
    assert.ok(b.ok && b.value.form === 'normal');
    const v = b.ok ? await verifyMa1(s.store, b.value.ma1, CELL_A, s.random) : null;
    assert.ok(v && !v.ok && (v.error.code === 'unknown-trseq' || v.error.code === 'auth-failed'));
  }
  assert.is(snapshot(s.store, s.idL), before, 'failed attempts change nothing');
  assert.is(stale.nextForm, 'emergency', 'switches after emergencyAfterFailures unanswered attempts');
  const r = await fullSession(s.store, stale, s.random);
  assert.is(r.form, 'emergency');
  assert.is(r.ma1.length, MA1_EMERGENCY_BYTES);
  assert.is(r.server.ma2.length, MA2_EMERGENCY_BYTES);
  const m1 = decodeMa1(r.ma1);
  assert.ok(m1.ok && m1.value.form === 'emergency' && hex(m1.value.aidL) === hex(s.credential.pairs[0]!.sid), 'aidL = sid_0');
  assert.is(stale.credential.pairs.length, 7);
  const rec = await stored(s);
  assert.is(rec.pairs.length, 7);
  assert.not.ok(rec.pairs.some((p) => hex(p.sid) === hex(s.credential.pairs[0]!.sid)));
  assert.is(hex(rec.current.kls), hex(stale.credential.kls));
  assert.is(rec.current.trSeq, stale.credential.trSeq);
  channelsAgree(r.lpu.channel, r.server.session.channel, 'emergency');
  assert.is(stale.consecutiveFailures, 0);
  const n = await fullSession(s.store, stale, s.random);
  assert.is(n.form, 'normal');
});

test('a replayed MA1 is rejected and the stored record stays byte-identical', async () => {
  const s = await setup(13);
  await fullSession(s.store, s.lpu, s.random);
  // Replay while the issued pair is pending (the MA1 is made with the current pair).
  const b = s.lpu.begin(CELL_A);
  assert.ok(b.ok);
  if (!b.ok) return;
  const v = await verifyMa1(s.store, b.value.ma1, CELL_A, s.random);
  assert.ok(v.ok);
  const afterFirst = snapshot(s.store, s.idL);
  for (let i = 0; i < 3; i++) {
    const r = await verifyMa1(s.store, b.value.ma1, CELL_A, s.random);
    assert.ok(!r.ok && r.error.code === 'replay', `replay ${i}: ${!r.ok ? r.error.code : 'accepted'}`);
    assert.is(snapshot(s.store, s.idL), afterFirst);
  }
  // After confirmation the old pair is gone: a replay fails authentication, still no change.
  const a = v.ok ? s.lpu.accept(v.value.ma2) : null;
  assert.ok(a?.ok);
  if (!a?.ok || !v.ok) return;
  assert.ok((await confirmMa3(s.store, v.value.session, a.value.ma3)).ok);
  const afterConfirm = snapshot(s.store, s.idL);
  const r2 = await verifyMa1(s.store, b.value.ma1, CELL_A, s.random);
  assert.ok(!r2.ok && (r2.error.code === 'auth-failed' || r2.error.code === 'unknown-trseq'));
  assert.is(snapshot(s.store, s.idL), afterConfirm);
  // A replayed MA3 changes nothing either.
  const c2 = await confirmMa3(s.store, v.value.session, a.value.ma3);
  assert.ok(c2.ok && !c2.value.promoted);
  assert.is(snapshot(s.store, s.idL), afterConfirm);
});

test('a replayed emergency MA1 is rejected with the record byte-identical', async () => {
  const s = await setup(14);
  const b = s.lpu.begin(CELL_A, 'emergency');
  assert.ok(b.ok);
  if (!b.ok) return;
  assert.ok((await verifyMa1(s.store, b.value.ma1, CELL_A, s.random)).ok);
  const snap = snapshot(s.store, s.idL);
  const r = await verifyMa1(s.store, b.value.ma1, CELL_A, s.random);
  assert.ok(!r.ok && r.error.code === 'replay');
  assert.is(snapshot(s.store, s.idL), snap);
});

for (let drops = 1; drops <= 5; drops++) {
  test(`MA2 dropped ${drops} time(s) in a row: the LPU authenticates without an emergency pair`, async () => {
    const s = await setup(20 + drops);
    await fullSession(s.store, s.lpu, s.random);
    for (let i = 0; i < drops; i++) {
      const b = s.lpu.begin(CELL_A);
      assert.ok(b.ok && b.value.form === 'normal');
      const v = b.ok ? await verifyMa1(s.store, b.value.ma1, CELL_A, s.random) : null;
      assert.ok(v?.ok, 'the server accepts every retry'); // its MA2 is lost
    }
    const r = await fullSession(s.store, s.lpu, s.random);
    assert.is(r.form, 'normal');
    const rec = await stored(s);
    assert.is(s.lpu.credential.pairs.length, 8);
    assert.is(rec.pairs.length, 8);
    assert.not.ok(rec.pairs.some((p) => p.spent));
    assert.is(rec.current.trSeq, s.lpu.credential.trSeq);
    assert.is(hex(rec.current.kls), hex(s.lpu.credential.kls));
    channelsAgree(r.lpu.channel, r.server.session.channel, 'after drops');
  });
}

test('MA2 delivered but MA3 lost: the next MA1 (made with the pending pair) confirms it', async () => {
  const s = await setup(30);
  const b = s.lpu.begin(CELL_A);
  const v = b.ok ? await verifyMa1(s.store, b.value.ma1, CELL_A, s.random) : null;
  assert.ok(v?.ok);
  if (!v?.ok) return;
  assert.ok(s.lpu.accept(v.value.ma2).ok); // MA3 never arrives
  let rec = await stored(s);
  assert.is(rec.pending?.trSeq, s.lpu.credential.trSeq);
  const r = await fullSession(s.store, s.lpu, s.random);
  assert.ok(r.confirmation.promoted);
  rec = await stored(s);
  assert.is(rec.current.trSeq, s.lpu.credential.trSeq);
  assert.is(hex(rec.current.kls), hex(s.lpu.credential.kls));
  // Also when MA2 of that next session is lost: the LPU's pair is now current on the server.
  const b2 = s.lpu.begin(CELL_A);
  assert.ok(b2.ok && (await verifyMa1(s.store, b2.value.ma1, CELL_A, s.random)).ok);
  assert.is((await fullSession(s.store, s.lpu, s.random)).form, 'normal');
});

test('an MA2 answering an abandoned attempt is refused; a late or held-back MA1 cannot desynchronise', async () => {
  const s = await setup(31);
  const b1 = s.lpu.begin(CELL_A);
  const v1 = b1.ok ? await verifyMa1(s.store, b1.value.ma1, CELL_A, s.random) : null;
  assert.ok(v1?.ok);
  // The LPU gave up on attempt 1 (its MA2 was slow) and made attempt 2, which an attacker holds back.
  const b2 = s.lpu.begin(CELL_A);
  assert.ok(b2.ok);
  if (!v1?.ok || !b2.ok) return;
  const late = s.lpu.accept(v1.value.ma2);
  assert.ok(!late.ok && late.error.code === 'auth-failed', 'MA2 of an abandoned attempt does not verify');
  const r = await fullSession(s.store, s.lpu, s.random); // attempt 3 succeeds
  assert.ok(r.confirmation.promoted);
  // The held-back attempt 2 is made with a pair that is no longer valid.
  const snap = snapshot(s.store, s.idL);
  const v2 = await verifyMa1(s.store, b2.value.ma1, CELL_A, s.random);
  assert.not.ok(v2.ok);
  assert.is(snapshot(s.store, s.idL), snap);
  // Held back within an epoch: an MA1 made with the current pair, delivered after another
  // attempt succeeded (MA3 lost), gets the same pending pair, so the LPU stays in sync.
  const b4 = s.lpu.begin(CELL_A);
  const b5 = s.lpu.begin(CELL_A);
  if (!b4.ok || !b5.ok) return assert.unreachable();
  const v5 = await verifyMa1(s.store, b5.value.ma1, CELL_A, s.random);
  if (!v5.ok) return assert.unreachable();
  assert.ok(s.lpu.accept(v5.value.ma2).ok);
  const pendingBefore = (await stored(s)).pending;
  assert.ok((await verifyMa1(s.store, b4.value.ma1, CELL_A, s.random)).ok, 'an unseen MA1 of this epoch is accepted');
  assert.equal((await stored(s)).pending, pendingBefore, 'but the pending pair does not change');
  assert.is((await fullSession(s.store, s.lpu, s.random)).form, 'normal');
});

test('a forged MA2 does not spoil the outstanding attempt', async () => {
  const s = await setup(32);
  const b = s.lpu.begin(CELL_A);
  const v = b.ok ? await verifyMa1(s.store, b.value.ma1, CELL_A, s.random) : null;
  if (!v?.ok) return assert.unreachable();
  const forged = new Uint8Array(MA2_NORMAL_BYTES);
  forged.set(header(MessageType.ma2Normal));
  forged.set(seededRandom(5)(36), 4);
  const f = s.lpu.accept(forged);
  assert.ok(!f.ok && f.error.code === 'auth-failed');
  assert.ok(s.lpu.accept(v.value.ma2).ok);
});

test('an emergency pair works once and never twice; dropped emergency MA2s spend only one pair', async () => {
  const s = await setup(40);
  await fullSession(s.store, s.lpu, s.random);
  await fullSession(s.store, s.lpu, s.random);
  const stale = new LpuClient(s.credential, { random: seededRandom(41), emergencyAfterFailures: 0 });
  for (let i = 0; i < 3; i++) {
    const b = stale.begin(CELL_A);
    assert.ok(b.ok && b.value.form === 'emergency');
    const v = b.ok ? await verifyMa1(s.store, b.value.ma1, CELL_A, s.random) : null;
    assert.ok(v?.ok, 'a retry with the same, still unconfirmed pair is accepted'); // MA2 lost
    assert.is(stale.credential.pairs.length, 8);
  }
  const r = await fullSession(s.store, stale, s.random);
  assert.is(r.form, 'emergency');
  assert.is(stale.credential.pairs.length, 7);
  assert.is((await stored(s)).pairs.length, 7);
  // A clone still holding pair 0 (or an attacker who learnt it afterwards) cannot use it again.
  const snap = snapshot(s.store, s.idL);
  const again = createMa1(s.credential, CELL_A, seededRandom(42), 'emergency');
  if (!again.ok) return assert.unreachable();
  const v = await verifyMa1(s.store, again.value.ma1, CELL_A, s.random);
  assert.ok(!v.ok && v.error.code === 'unknown-sid');
  assert.is(snapshot(s.store, s.idL), snap);
  // The next emergency uses the next pair, and it too works once.
  const stale2 = new LpuClient({ ...s.credential, pairs: s.credential.pairs.slice(1) }, { random: seededRandom(43), emergencyAfterFailures: 0 });
  const r2 = await fullSession(s.store, stale2, s.random);
  assert.is(r2.form, 'emergency');
  assert.is((await stored(s)).pairs.length, 6);
});

test('secure localisation: an MA1 reporting another location area is rejected, state unchanged', async () => {
  const s = await setup(50);
  await fullSession(s.store, s.lpu, s.random);
  const snap = snapshot(s.store, s.idL);
  for (const form of ['normal', 'emergency'] as const) {
    const b = s.lpu.begin(CELL_A, form);
    if (!b.ok) return assert.unreachable();
    // The serving base station reports CELL_B (a false base station, or a lying LPU).
    const v = await verifyMa1(s.store, b.value.ma1, CELL_B, s.random);
    assert.ok(!v.ok && v.error.code === 'location-mismatch', form);
    assert.is(snapshot(s.store, s.idL), snap);
  }
  // Reported and observed agree: accepted.
  const r = await fullSession(s.store, s.lpu, s.random, CELL_B);
  assert.is(hex(r.server.lai), '0106000102' + '1a2c' + '00');
});

test('aidL, Nx and EL never repeat across 10,000 sessions', async () => {
  const s = await setup(60);
  const seen = { aidL: new Set<string>(), nx: new Set<string>(), el: new Set<string>() };
  for (let i = 0; i < 10_000; i++) {
    const r = await fullSession(s.store, s.lpu, s.random);
    const m = decodeMa1(r.ma1);
    if (!m.ok) return assert.unreachable();
    seen.aidL.add(hex(m.value.aidL));
    seen.nx.add(hex(m.value.nx));
    seen.el.add(hex(m.value.el));
  }
  assert.is(seen.aidL.size, 10_000);
  assert.is(seen.nx.size, 10_000);
  assert.is(seen.el.size, 10_000);
});

test('a forged MA1 with a valid trSeq and random fields is rejected and changes nothing', async () => {
  const s = await setup(70);
  const rnd = seededRandom(71);
  const snap = snapshot(s.store, s.idL);
  for (let i = 0; i < 200; i++) {
    const m = new Uint8Array(MA1_NORMAL_BYTES);
    m.set(header(MessageType.ma1Normal));
    m.set(rnd(MA1_NORMAL_BYTES - 4), 4);
    new DataView(m.buffer).setUint32(68, s.credential.trSeq);
    const v = await verifyMa1(s.store, m, CELL_A, s.random);
    assert.ok(!v.ok && v.error.code === 'auth-failed');
  }
  assert.is(snapshot(s.store, s.idL), snap);
});

test('two LPUs with the same trSeq are told apart by aidL', async () => {
  const s = await setup(80);
  const rnd = seededRandom(81);
  const reg2 = register({ idL: rnd(16), idS: s.idS, random: rnd });
  const forcedTrSeq = s.credential.trSeq;
  const cred2 = { ...reg2.credential, trSeq: forcedTrSeq };
  assert.ok(await s.store.insert({ ...reg2.record, current: { ...reg2.record.current, trSeq: forcedTrSeq } }));
  assert.is((await s.store.getByTrSeq(forcedTrSeq)).length, 2);
  const lpu2 = new LpuClient(cred2, { random: seededRandom(82) });
  const r2 = await fullSession(s.store, lpu2, s.random);
  assert.is(hex(r2.server.session.idL), hex(reg2.credential.idL));
  const r1 = await fullSession(s.store, s.lpu, s.random);
  assert.is(hex(r1.server.session.idL), hex(s.idL));
});

test('fresh shadow pairs are delivered sealed in a session and replace the LPU list', async () => {
  const s = await setup(90);
  await fullSession(s.store, s.lpu, s.random);
  await fullSession(s.store, s.lpu, s.random);
  const stale = new LpuClient(s.credential, { random: seededRandom(91), emergencyAfterFailures: 0 });
  const r = await fullSession(s.store, stale, s.random);
  assert.is(stale.credential.pairs.length, 7);
  const refill = await refreshShadowPairs(s.store, s.idL, s.random, 10);
  if (!refill.ok) return assert.unreachable();
  const frame = r.server.session.channel.seal(refill.value.payload);
  if (!frame.ok) return assert.unreachable();
  const opened = r.lpu.channel.open(frame.value);
  if (!opened.ok) return assert.unreachable();
  const adopted = stale.adoptShadowPairs(opened.value.plaintext);
  assert.ok(adopted.ok);
  assert.is(stale.credential.pairs.length, 10);
  const rec = await stored(s);
  assert.equal(stale.credential.pairs.map((p) => hex(p.sid)), rec.pairs.map((p) => hex(p.sid)));
  // A new pair works: desynchronise again and use it.
  const lost = new LpuClient({ ...stale.credential, kls: new Uint8Array(32), trSeq: 1 }, { random: seededRandom(92), emergencyAfterFailures: 0 });
  assert.is((await fullSession(s.store, lost, s.random)).form, 'emergency');
  const bad = stale.adoptShadowPairs(new Uint8Array([0xc1, 1, 2, 0]));
  assert.ok(!bad.ok && bad.error.code === 'truncated');
});

test('replay cache: bounded to 32 per epoch; an evicted replay changes nothing but the cache', async () => {
  const s = await setup(98);
  const lpu = new LpuClient(s.credential, { random: seededRandom(99), emergencyAfterFailures: 100 });
  const ma1s: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    const b = lpu.begin(CELL_A);
    if (!b.ok) return assert.unreachable();
    ma1s.push(b.value.ma1);
    assert.ok((await verifyMa1(s.store, b.value.ma1, CELL_A, s.random)).ok); // every MA2 lost
  }
  const rec = await stored(s);
  assert.is(rec.replay.length, 32);
  // The last 32 are refused as replays, byte-identical record.
  const snap = snapshot(s.store, s.idL);
  const recent = await verifyMa1(s.store, ma1s[39]!, CELL_A, s.random);
  assert.ok(!recent.ok && recent.error.code === 'replay');
  assert.is(snapshot(s.store, s.idL), snap);
  // The first, evicted, is accepted again, but the pending pair (what the LPU will receive) is the same.
  const old = await verifyMa1(s.store, ma1s[0]!, CELL_A, s.random);
  assert.ok(old.ok);
  const after = await stored(s);
  assert.equal(after.pending, rec.pending);
  assert.equal(after.current, rec.current);
  assert.is(after.replay.length, 32);
  // And the LPU still authenticates normally.
  assert.is((await fullSession(s.store, lpu, s.random)).form, 'normal');
});

test('with no shadow pair left the emergency form is a typed error and the client stays normal', async () => {
  const s = await setup(95);
  const empty = new LpuClient({ ...s.credential, pairs: [] }, { random: seededRandom(96), emergencyAfterFailures: 0 });
  assert.is(empty.nextForm, 'normal');
  const e = empty.begin(CELL_A, 'emergency');
  assert.ok(!e.ok && e.error.code === 'no-shadow-pairs');
  const n = empty.begin(CELL_A);
  assert.ok(n.ok && n.value.form === 'normal');
  const none = new LpuClient(s.credential, { random: seededRandom(97) });
  const r = none.accept(new Uint8Array(40));
  assert.ok(!r.ok && r.error.code === 'no-attempt');
});

test.run();
