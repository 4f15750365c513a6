// AES-OCB against the published RFC 7253 Appendix A results: the sixteen AES-128/TAGLEN-128
// samples, the TAGLEN-96 sample, and the iterated test for TAGLEN 128/96/64 with AES-128/192/256.
// Also the parameter checks, truncated input, instance reuse and unaligned views.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createOcb, OcbParameterError } from '../../protocol/ocb.ts';
import type { OcbTagLength } from '../../protocol/ocb.ts';
import { constantTimeEqual } from '../../protocol/ct.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
/** The RFC's A and P: prefixes of 00 01 02 ... */
const seq = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i);

// RFC 7253 Appendix A, K = 000102...0F, TAGLEN 128: [nonce, len(A), len(P), C || tag]
const SAMPLES: ReadonlyArray<readonly [string, number, number, string]> = [
  ['BBAA99887766554433221100', 0, 0, '785407BFFFC8AD9EDCC5520AC9111EE6'],
  ['BBAA99887766554433221101', 8, 8, '6820B3657B6F615A5725BDA0D3B4EB3A257C9AF1F8F03009'],
  ['BBAA99887766554433221102', 8, 0, '81017F8203F081277152FADE694A0A00'],
  ['BBAA99887766554433221103', 0, 8, '45DD69F8F5AAE72414054CD1F35D82760B2CD00D2F99BFA9'],
  ['BBAA99887766554433221104', 16, 16, '571D535B60B277188BE5147170A9A22C3AD7A4FF3835B8C5701C1CCEC8FC3358'],
  ['BBAA99887766554433221105', 16, 0, '8CF761B6902EF764462AD86498CA6B97'],
  ['BBAA99887766554433221106', 0, 16, '5CE88EC2E0692706A915C00AEB8B2396F40E1C743F52436BDF06D8FA1ECA343D'],
  ['BBAA99887766554433221107', 24, 24, '1CA2207308C87C010756104D8840CE1952F09673A448A122C92C62241051F57356D7F3C90BB0E07F'],
  ['BBAA99887766554433221108', 24, 0, '6DC225A071FC1B9F7C69F93B0F1E10DE'],
  ['BBAA99887766554433221109', 0, 24, '221BD0DE7FA6FE993ECCD769460A0AF2D6CDED0C395B1C3CE725F32494B9F914D85C0B1EB38357FF'],
  ['BBAA9988776655443322110A', 32, 32, 'BD6F6C496201C69296C11EFD138A467ABD3C707924B964DEAFFC40319AF5A48540FBBA186C5553C68AD9F592A79A4240'],
  ['BBAA9988776655443322110B', 32, 0, 'FE80690BEE8A485D11F32965BC9D2A32'],
  ['BBAA9988776655443322110C', 0, 32, '2942BFC773BDA23CABC6ACFD9BFD5835BD300F0973792EF46040C53F1432BCDFB5E1DDE3BC18A5F840B52E653444D5DF'],
  ['BBAA9988776655443322110D', 40, 40, 'D5CA91748410C1751FF8A2F618255B68A0A12E093FF454606E59F9C1D0DDC54B65E8628E568BAD7AED07BA06A4A69483A7035490C5769E60'],
  ['BBAA9988776655443322110E', 40, 0, 'C5CD9D1850C141E358649994EE701B68'],
  ['BBAA9988776655443322110F', 0, 40, '4412923493C57D5DE0D700F753CCE0D1D2D95060122E9F15A5DDBFC5787E50B5CC55EE507BCB084E479AD363AC366B95A98CA5F3000B1479'],
];

test('RFC 7253 AES-128 TAGLEN-128 samples: seal reproduces C, open returns P', () => {
  const ocb = createOcb(hex('000102030405060708090A0B0C0D0E0F'));
  assert.is(ocb.tagLength, 16);
  for (const [n, la, lp, c] of SAMPLES) {
    const sealed = ocb.seal(hex(n), seq(lp), seq(la));
    assert.is(toHex(sealed), c, `nonce ${n}`);
    const opened = ocb.open(hex(n), hex(c), seq(la));
    assert.ok(opened.ok, `open ${n}`);
    if (opened.ok) assert.equal(opened.plaintext, seq(lp));
  }
});

test('RFC 7253 AES-128 TAGLEN-96 sample (different key)', () => {
  const ocb = createOcb(hex('0F0E0D0C0B0A09080706050403020100'), 12);
  const n = hex('BBAA9988776655443322110D');
  const c = '1792A4E31E0755FB03E31B22116E6C2DDF9EFD6E33D536F1A0124B0A55BAE884ED93481529C76B6AD0C515F4D1CDD4FDAC4F02AA';
  assert.is(toHex(ocb.seal(n, seq(40), seq(40))), c);
  const opened = ocb.open(n, hex(c), seq(40));
  assert.ok(opened.ok);
  if (opened.ok) assert.equal(opened.plaintext, seq(40));
});

/** num2str(x, 96): a 12-byte big-endian counter. */
function nonce96(x: number): Uint8Array {
  const n = new Uint8Array(12);
  for (let i = 11, v = x; i >= 0 && v > 0; i--, v = Math.floor(v / 256)) n[i] = v & 0xff;
  return n;
}

/** RFC 7253 Appendix A, the iterated test: returns the final output and len(C). */
function iterated(keyBytes: number, tagBytes: OcbTagLength): { output: Uint8Array; cLength: number } {
  const key = new Uint8Array(keyBytes);
  key[keyBytes - 1] = tagBytes * 8; // K = zeros(KEYLEN-8) || num2str(TAGLEN, 8)
  const ocb = createOcb(key, tagBytes);
  const empty = new Uint8Array(0);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 128; i++) {
    const s = new Uint8Array(i); // zeros(8i) bits = i bytes
    parts.push(ocb.seal(nonce96(3 * i + 1), s, s)); // OCB-ENCRYPT(K, N, A=S, P=S)
    parts.push(ocb.seal(nonce96(3 * i + 2), s, empty)); // A = <empty>, P = S
    parts.push(ocb.seal(nonce96(3 * i + 3), empty, s)); // A = S, P = <empty>
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const c = new Uint8Array(total);
  let off = 0;
  for (const p of parts) { c.set(p, off); off += p.length; }
  return { output: ocb.seal(nonce96(385), empty, c), cLength: total };
}

const ITERATED: ReadonlyArray<readonly [number, OcbTagLength, string, number]> = [
  [16, 16, '67E944D23256C5E0B6C61FA22FDF1EA2', 22400],
  [24, 16, 'F673F2C3E7174AAE7BAE986CA9F29E17', 22400],
  [32, 16, 'D90EB8E9C977C88B79DD793D7FFA161C', 22400],
  [16, 12, '77A3D8E73589158D25D01209', 20864],
  [24, 12, '05D56EAD2752C86BE6932C5E', 20864],
  [32, 12, '5458359AC23B0CBA9E6330DD', 20864],
  [16, 8, '192C9B7BD90BA06A', 19328],
  [24, 8, '0066BC6E0EF34E24', 19328],
  [32, 8, '7D4EA5D445501CBE', 19328],
];

for (const [keyBytes, tagBytes, expected, cLength] of ITERATED) {
  test(`RFC 7253 iterated test AEAD_AES_${keyBytes * 8}_OCB_TAGLEN${tagBytes * 8}`, () => {
    const r = iterated(keyBytes, tagBytes);
    assert.is(r.cLength, cLength);
    assert.is(toHex(r.output), expected);
  });
}

test('bad key sizes, nonce and tag lengths throw OcbParameterError', () => {
  for (const k of [0, 1, 8, 15, 17, 20, 23, 25, 31, 33, 64]) {
    assert.throws(() => createOcb(new Uint8Array(k)), (e: unknown) => e instanceof OcbParameterError, `key ${k}`);
  }
  for (const t of [0, 7, 17, 12.5, NaN]) {
    assert.throws(() => createOcb(new Uint8Array(16), t as OcbTagLength), (e: unknown) => e instanceof OcbParameterError, `tag ${t}`);
  }
  const ocb = createOcb(new Uint8Array(32));
  for (const n of [0, 16, 32]) {
    assert.throws(() => ocb.seal(new Uint8Array(n), new Uint8Array(4)), (e: unknown) => e instanceof OcbParameterError, `seal nonce ${n}`);
    assert.throws(() => ocb.open(new Uint8Array(n), new Uint8Array(20)), (e: unknown) => e instanceof OcbParameterError, `open nonce ${n}`);
  }
  const notBytes = [1, 2, 3] as unknown as Uint8Array;
  assert.throws(() => createOcb(notBytes), (e: unknown) => e instanceof OcbParameterError);
  assert.throws(() => ocb.seal(new Uint8Array(12), notBytes), (e: unknown) => e instanceof OcbParameterError);
  assert.throws(() => ocb.seal(new Uint8Array(12), new Uint8Array(1), notBytes), (e: unknown) => e instanceof OcbParameterError);
  // Every length in range is accepted.
  for (let t = 8; t <= 16; t++) for (let n = 1; n <= 15; n++) {
    const o = createOcb(new Uint8Array(24), t as OcbTagLength);
    const s = o.seal(new Uint8Array(n), new Uint8Array(3));
    assert.is(s.length, 3 + t);
    assert.ok(o.open(new Uint8Array(n), s).ok);
  }
});

test('sealed input shorter than the tag is too-short; exactly a tag is an empty message', () => {
  for (const t of [8, 12, 16] as const) {
    const ocb = createOcb(new Uint8Array(16).fill(7), t);
    const nonce = new Uint8Array(12).fill(1);
    const sealed = ocb.seal(nonce, new Uint8Array(0));
    assert.is(sealed.length, t);
    for (let len = 0; len < t; len++) {
      assert.equal(ocb.open(nonce, sealed.subarray(0, len)), { ok: false, error: 'too-short' });
    }
    const opened = ocb.open(nonce, sealed);
    assert.ok(opened.ok);
    if (opened.ok) assert.is(opened.plaintext.length, 0);
    // A truncated non-empty message is not too-short but fails authentication.
    const longer = ocb.seal(nonce, new Uint8Array(20));
    assert.equal(ocb.open(nonce, longer.subarray(0, longer.length - 1)), { ok: false, error: 'auth-failed' });
  }
});

test('results do not depend on buffer alignment, instance history or the Ktop cache', () => {
  const key = hex('000102030405060708090A0B0C0D0E0F');
  const ref = (n: string, la: number, lp: number) => createOcb(key).seal(hex(n), seq(lp), seq(la));
  const ocb = createOcb(key);
  // Unaligned views of plaintext, AD and nonce (byteOffset 1, 3).
  const big = new Uint8Array(200);
  big.set(seq(40), 1);
  const big2 = new Uint8Array(200);
  big2.set(seq(40), 3);
  const nb = new Uint8Array(20);
  nb.set(hex('BBAA9988776655443322110D'), 5);
  const sealed = ocb.seal(nb.subarray(5, 17), big.subarray(1, 41), big2.subarray(3, 43));
  assert.is(toHex(sealed), SAMPLES[13]![3]);
  // Opening an unaligned view of the sealed bytes.
  const sb = new Uint8Array(sealed.length + 1);
  sb.set(sealed, 1);
  const opened = ocb.open(nb.subarray(5, 17), sb.subarray(1), big2.subarray(3, 43));
  assert.ok(opened.ok);
  if (opened.ok) assert.equal(opened.plaintext, seq(40));
  // Nonces sharing and not sharing the top 122 bits, in an order that exercises the cache.
  for (const i of [0, 15, 1, 14, 2, 0, 13, 3, 0]) {
    const [n, la, lp, c] = SAMPLES[i]!;
    assert.is(toHex(ocb.seal(hex(n), seq(lp), seq(la))), c);
    assert.is(toHex(ocb.seal(hex(n), seq(lp), seq(la))), toHex(ref(n, la, lp)));
  }
  assert.is(toHex(ocb.seal(hex('BBAA99887766554433221140'), seq(5), seq(3))), toHex(ref('BBAA99887766554433221140', 3, 5)));
  assert.is(toHex(ocb.seal(hex('BBAA99887766554433221100'), seq(0), seq(0))), SAMPLES[0]![3]);
});

test('seal and open leave their inputs untouched', () => {
  const ocb = createOcb(new Uint8Array(16).fill(3));
  const nonce = new Uint8Array(12).fill(9);
  const p = seq(77);
  const a = seq(33);
  const sealed = ocb.seal(nonce, p, a);
  assert.equal(p, seq(77));
  assert.equal(a, seq(33));
  const copy = sealed.slice();
  ocb.open(nonce, sealed, a);
  assert.equal(sealed, copy);
  sealed[0]! ^= 1;
  const copy2 = sealed.slice();
  assert.equal(ocb.open(nonce, sealed, a), { ok: false, error: 'auth-failed' });
  assert.equal(sealed, copy2);
  // Node Buffers (whose slice() is a view) are Uint8Arrays too and must not be written either.
  const buf = Buffer.from(ocb.seal(nonce, p, a));
  const bufCopy = Buffer.from(buf);
  const r = ocb.open(nonce, buf, a);
  assert.ok(r.ok);
  if (r.ok) assert.equal(r.plaintext, p);
  assert.ok(buf.equals(bufCopy));
  buf[buf.length - 1]! ^= 1;
  const bufCopy2 = Buffer.from(buf);
  assert.equal(ocb.open(nonce, buf, a), { ok: false, error: 'auth-failed' });
  assert.ok(buf.equals(bufCopy2));
});

test('constantTimeEqual', () => {
  assert.ok(constantTimeEqual(new Uint8Array(0), new Uint8Array(0)));
  assert.ok(constantTimeEqual(seq(16), seq(16)));
  assert.not.ok(constantTimeEqual(seq(16), seq(15)));
  for (let i = 0; i < 16; i++) for (let bit = 0; bit < 8; bit++) {
    const b = seq(16);
    b[i]! ^= 1 << bit;
    assert.not.ok(constantTimeEqual(seq(16), b));
  }
});

test.run();
