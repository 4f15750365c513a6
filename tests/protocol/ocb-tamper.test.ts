// Every single-bit change of ciphertext, tag, associated data or nonce must be rejected, and a
// rejection must release no plaintext. Exhaustive over every bit for messages that take each path
// of OCB: empty plaintext, partial final block only, exact blocks, blocks plus a partial block,
// with and without associated data (empty, partial, whole blocks), for several tag lengths.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createOcb } from '../../protocol/ocb.ts';
import type { Ocb, OcbTagLength } from '../../protocol/ocb.ts';
import { Rng } from '../../sim/rng.ts';

const rng = new Rng(7253);

function flip(b: Uint8Array, bit: number): Uint8Array {
  const c = b.slice();
  c[bit >> 3]! ^= 1 << (bit & 7);
  return c;
}

function expectRejected(ocb: Ocb, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array, what: string): void {
  const r = ocb.open(nonce, sealed, ad);
  assert.equal(r, { ok: false, error: 'auth-failed' }, what);
  assert.not.ok('plaintext' in r, `${what}: plaintext released`);
}

const SHAPES: ReadonlyArray<readonly [number, number, OcbTagLength, number]> = [
  // [plaintext bytes, associated-data bytes, tag bytes, nonce bytes]
  [0, 0, 16, 12],
  [0, 13, 16, 12],
  [5, 0, 16, 12],
  [16, 16, 16, 15],
  [37, 21, 16, 12],
  [64, 0, 12, 1],
  [31, 48, 8, 7],
  [100, 33, 13, 12],
];

for (const [np, na, t, nn] of SHAPES) {
  test(`every bit flip rejected: |P|=${np} |A|=${na} tag=${t} nonce=${nn}`, () => {
    const key = rng.bytes(16);
    const ocb = createOcb(key, t);
    const nonce = rng.bytes(nn);
    const p = rng.bytes(np);
    const a = rng.bytes(na);
    const sealed = ocb.seal(nonce, p, a);
    assert.is(sealed.length, np + t);
    const good = ocb.open(nonce, sealed, a);
    assert.ok(good.ok);
    let checked = 0;
    for (let bit = 0; bit < sealed.length * 8; bit++, checked++) {
      expectRejected(ocb, nonce, flip(sealed, bit), a, `${bit < np * 8 ? 'ciphertext' : 'tag'} bit ${bit}`);
    }
    for (let bit = 0; bit < a.length * 8; bit++, checked++) expectRejected(ocb, nonce, sealed, flip(a, bit), `AD bit ${bit}`);
    for (let bit = 0; bit < nonce.length * 8; bit++, checked++) expectRejected(ocb, flip(nonce, bit), sealed, a, `nonce bit ${bit}`);
    assert.is(checked, 8 * (np + t + na + nn));
    // The untouched message still opens afterwards (no state was corrupted by the failures).
    const again = ocb.open(nonce, sealed, a);
    assert.ok(again.ok);
    if (again.ok) assert.equal(again.plaintext, p);
  });
}

test('other changes are rejected: wrong key, AD moved into or out of the message, dropped or appended bytes', () => {
  const key = rng.bytes(32);
  const ocb = createOcb(key);
  const nonce = rng.bytes(12);
  const p = rng.bytes(40);
  const a = rng.bytes(10);
  const sealed = ocb.seal(nonce, p, a);
  const other = key.slice();
  other[31]! ^= 0x80;
  expectRejected(createOcb(other), nonce, sealed, a, 'other key');
  expectRejected(createOcb(key, 8), nonce, sealed, a, 'other tag length');
  expectRejected(ocb, nonce, sealed, new Uint8Array(0), 'AD dropped');
  expectRejected(ocb, nonce, sealed, a.subarray(0, 9), 'AD truncated');
  expectRejected(ocb, nonce, sealed, Uint8Array.of(...a, 0), 'AD extended with a zero');
  expectRejected(ocb, nonce, sealed, Uint8Array.of(...a, 0x80), 'AD extended with the padding byte');
  expectRejected(ocb, Uint8Array.of(0, ...nonce), sealed, a, 'nonce with a leading zero byte');
  expectRejected(ocb, nonce.subarray(1), sealed, a, 'nonce shortened');
  expectRejected(ocb, nonce, Uint8Array.of(...sealed, 0), a, 'byte appended');
  expectRejected(ocb, nonce, Uint8Array.of(...sealed.subarray(0, 39), ...sealed.subarray(40)), a, 'ciphertext byte dropped');
  expectRejected(ocb, nonce, sealed.subarray(1), a, 'first byte dropped');
  // Swapping two full ciphertext blocks is caught (offsets are position-dependent).
  const swapped = sealed.slice();
  swapped.set(sealed.subarray(16, 32), 0);
  swapped.set(sealed.subarray(0, 16), 16);
  expectRejected(ocb, nonce, swapped, a, 'blocks swapped');
});

test.run();
