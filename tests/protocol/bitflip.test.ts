// Exhaustive single-bit flips: every bit of every field (header included) of MA1, MA2 and MA3 in
// both forms is rejected by the receiving side, the server record is unchanged, and the
// unmodified message is still accepted afterwards (so the rejections are due to the flip).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptMa2, createMa1 } from '../../protocol/lpu.ts';
import { confirmMa3, verifyMa1 } from '../../protocol/server.ts';
import { CELL_A, seededRandom, setup, snapshot } from './helpers.ts';

function* flips(msg: Uint8Array): Generator<[number, Uint8Array]> {
  for (let bit = 0; bit < msg.length * 8; bit++) {
    const m = new Uint8Array(msg);
    m[bit >> 3]! ^= 0x80 >> (bit & 7);
    yield [bit, m];
  }
}

for (const form of ['normal', 'emergency'] as const) {
  test(`${form} MA1: each of its bits flipped is rejected by the server, record unchanged`, async () => {
    const s = await setup(form === 'normal' ? 101 : 102);
    const made = createMa1(s.credential, CELL_A, seededRandom(7), form);
    if (!made.ok) return assert.unreachable();
    const snap = snapshot(s.store, s.idL);
    let rejected = 0;
    for (const [bit, m] of flips(made.value.ma1)) {
      const v = await verifyMa1(s.store, m, CELL_A, s.random);
      if (v.ok) assert.unreachable(`bit ${bit} flipped was accepted`);
      rejected++;
    }
    assert.is(rejected, made.value.ma1.length * 8);
    assert.is(snapshot(s.store, s.idL), snap);
    assert.ok((await verifyMa1(s.store, made.value.ma1, CELL_A, s.random)).ok);
  });

  test(`${form} MA2 and MA3: each bit flipped is rejected by the LPU / the server`, async () => {
    const s = await setup(form === 'normal' ? 103 : 104);
    const made = createMa1(s.credential, CELL_A, seededRandom(8), form);
    if (!made.ok) return assert.unreachable();
    const v = await verifyMa1(s.store, made.value.ma1, CELL_A, s.random);
    if (!v.ok) return assert.unreachable();
    let n = 0;
    for (const [bit, m] of flips(v.value.ma2)) {
      if (acceptMa2(made.value.attempt, m).ok) assert.unreachable(`MA2 bit ${bit} flipped was accepted`);
      n++;
    }
    assert.is(n, v.value.ma2.length * 8);
    const a = acceptMa2(made.value.attempt, v.value.ma2);
    if (!a.ok) return assert.unreachable();
    const snap = snapshot(s.store, s.idL);
    for (const [bit, m] of flips(a.value.ma3)) {
      if ((await confirmMa3(s.store, v.value.session, m)).ok) assert.unreachable(`MA3 bit ${bit} flipped was accepted`);
    }
    assert.is(snapshot(s.store, s.idL), snap);
    const c = await confirmMa3(s.store, v.value.session, a.value.ma3);
    assert.ok(c.ok && c.value.promoted);
  });
}

test.run();
