import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CredentialStoreError, loadCredential, readCredential, saveCredential, writeCredential, type CredentialStores } from '../../firmware/uplink/credential-store.ts';
import { SeqCounter, SEQ_RING_ENTRIES } from '../../firmware/uplink/seq-counter.ts';
import { encodeLpuCredential, type LpuCredential } from '../../protocol/credential.ts';
import { createMa1, acceptMa2, LpuClient } from '../../protocol/lpu.ts';
import { confirmMa3, verifyMa1 } from '../../protocol/server.ts';
import { toHex } from '../../protocol/bytes.ts';
import { CELL_A, setup, seededRandom } from '../protocol/helpers.ts';
import { CuttableStore, memory, PowerCut } from './helpers.ts';

const same = (a: LpuCredential, b: LpuCredential) => toHex(encodeLpuCredential(a)) === toHex(encodeLpuCredential(b));
const fresh = (): CredentialStores => ({ eeprom: memory(1024), flash: memory(64 * 1024) });

test('provisioned record reads back; a damaged record is a typed error and changes nothing', async () => {
  const { credential } = await setup(1);
  const nv = fresh();
  assert.is(loadCredential(nv), null);
  writeCredential(nv, encodeLpuCredential(credential));
  assert.ok(same(loadCredential(nv)!.credential, credential));
  assert.is(toHex(readCredential(nv)!), toHex(encodeLpuCredential(credential)));
  const bad = encodeLpuCredential(credential);
  bad[30] ^= 1;
  try {
    writeCredential(nv, bad);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, CredentialStoreError);
    assert.is((e as CredentialStoreError).code, 'bad-credential');
  }
  assert.ok(same(loadCredential(nv)!.credential, credential));
});

test('slots alternate; an emergency pair use rewrites only a key slot; a refill writes the other pair block', async () => {
  const { credential } = await setup(2);
  const nv = fresh();
  writeCredential(nv, encodeLpuCredential(credential));
  const s1 = loadCredential(nv)!;
  const next = { ...credential, trSeq: 77, kls: new Uint8Array(32).fill(9) };
  saveCredential(nv, next);
  const s2 = loadCredential(nv)!;
  assert.is(s2.generation, s1.generation + 1);
  assert.is.not(s2.slot, s1.slot);
  const flashBefore = toHex(nv.flash.read(0, 0x4000));
  const emergency = { ...next, pairs: next.pairs.slice(1) };
  saveCredential(nv, emergency);
  assert.is(toHex(nv.flash.read(0, 0x4000)), flashBefore, 'no flash write for a dropped pair');
  assert.ok(same(loadCredential(nv)!.credential, emergency));
  const refill = { ...emergency, pairs: [...emergency.pairs, { sid: new Uint8Array(32).fill(1), kem: new Uint8Array(32).fill(2) }] };
  saveCredential(nv, refill);
  assert.ok(same(loadCredential(nv)!.credential, refill));
  assert.is.not(toHex(nv.flash.read(0, 0x4000)), flashBefore);
});

/** Saves `next` with the power lost after `cut` bytes; returns what the LPU finds at boot. */
function saveWithCut(eeprom: Uint8Array, flash: Uint8Array, next: LpuCredential, cut: number): { loaded: LpuCredential | null; completed: boolean } {
  const e = memory(1024);
  e.write(0, eeprom);
  const f = memory(flash.length);
  f.write(0, flash);
  const ce = new CuttableStore(e);
  const cf = new CuttableStore(f);
  // one budget over both chips, in write order
  let left = cut;
  const spend = (s: CuttableStore) => (o: number, b: Uint8Array) => {
    s.budget = left;
    try {
      CuttableStore.prototype.write.call(s, o, b);
    } finally {
      left = s.budget;
    }
  };
  const nv: CredentialStores = { eeprom: { size: e.size, read: (o, l) => e.read(o, l), write: spend(ce) }, flash: { size: f.size, read: (o, l) => f.read(o, l), write: spend(cf) } };
  let completed = true;
  try {
    saveCredential(nv, next);
  } catch (err) {
    if (!(err instanceof PowerCut)) throw err;
    completed = false;
  }
  return { loaded: loadCredential({ eeprom: e, flash: f })?.credential ?? null, completed };
}

test('power cut at every byte of a save (key update, emergency drop, refill): the old or the new credential, never none', async () => {
  const { credential } = await setup(3);
  const nv = fresh();
  writeCredential(nv, encodeLpuCredential(credential));
  const cases: Array<[string, LpuCredential]> = [
    ['key update', { ...credential, trSeq: 5, kls: new Uint8Array(32).fill(7) }],
    ['emergency drop', { ...credential, trSeq: 6, kls: new Uint8Array(32).fill(8), pairs: credential.pairs.slice(1) }],
    ['refill', { ...credential, pairs: [...credential.pairs.slice(2), { sid: new Uint8Array(32).fill(3), kem: new Uint8Array(32).fill(4) }] }],
  ];
  let checked = 0;
  for (const [name, next] of cases) {
    const e0 = nv.eeprom.read(0, 1024);
    const f0 = nv.flash.read(0, nv.flash.size);
    for (let cut = 0; ; cut++) {
      const r = saveWithCut(e0, f0, next, cut);
      assert.ok(r.loaded, `${name}: nothing readable after a cut at byte ${cut}`);
      if (r.completed) {
        assert.ok(same(r.loaded!, next), `${name}: completed save reads back`);
        break;
      }
      assert.ok(same(r.loaded!, credential) || same(r.loaded!, next), `${name}: cut at ${cut} gives a mix`);
      checked++;
    }
  }
  assert.ok(checked > 700, `cut points checked: ${checked}`);
});

test('handshake with a power cut at every byte of the credential write: the LPU and the server stay in step', async () => {
  const { credential } = await setup(4);
  const nv = fresh();
  writeCredential(nv, encodeLpuCredential(credential));
  const e0 = nv.eeprom.read(0, 1024);
  const f0 = nv.flash.read(0, nv.flash.size);
  let cuts = 0;
  for (let cut = 0; ; cut++) {
    // the same registration every time (seeded): the server record as registered
    const { store, random } = await setup(4);
    const m1 = createMa1(credential, CELL_A, seededRandom(100 + cut));
    assert.ok(m1.ok);
    const v = await verifyMa1(store, m1.value.ma1, CELL_A, random);
    assert.ok(v.ok);
    const a = acceptMa2(m1.value.attempt, v.value.ma2);
    assert.ok(a.ok);
    const r = saveWithCut(e0, f0, a.value.credential, cut);
    // MA3 is sent only after the save completed
    if (r.completed) assert.ok((await confirmMa3(store, v.value.session, a.value.ma3)).ok);
    // after the reboot the LPU authenticates with whatever it found
    const lpu = new LpuClient(r.loaded!, { random: seededRandom(900 + cut) });
    const b = lpu.begin(CELL_A);
    assert.ok(b.ok);
    const v2 = await verifyMa1(store, b.value.ma1, CELL_A, random);
    assert.ok(v2.ok, `cut ${cut}: server refuses the LPU's credential (${v2.ok ? '' : v2.error.code})`);
    assert.ok(lpu.accept(v2.value.ma2).ok);
    cuts++;
    if (r.completed) break;
  }
  assert.ok(cuts > 80, `cuts ${cuts}`);
});

test('sequence counter ring: wear spread over the ring, a torn entry keeps the previous value', () => {
  const e = memory(1024);
  const c = new SeqCounter(e);
  assert.is(c.assigned, 0);
  for (let v = 1; v <= 100; v++) c.record(v * 10);
  assert.is(new SeqCounter(e).assigned, 1000);
  assert.ok(e.maxWritesPerByte <= Math.ceil(100 / SEQ_RING_ENTRIES) + 1, `max writes per byte ${e.maxWritesPerByte}`);
  const cut = new CuttableStore(e);
  const c2 = new SeqCounter(cut);
  for (let b = 0; b < 8; b++) {
    cut.budget = b;
    try {
      c2.record(2000 + b);
    } catch (err) {
      assert.instance(err, PowerCut);
    }
    assert.is(new SeqCounter(e).assigned, 1000, `torn after ${b} bytes`);
  }
  c.record(5); // never backwards
  assert.ok(new SeqCounter(e).assigned >= 1000);
});

test.run();
