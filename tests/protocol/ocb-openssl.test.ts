// Our AES-OCB against OpenSSL's (node:crypto aes-128/192/256-ocb) on random cases, both ways:
// byte-identical sealed output, our output opened by OpenSSL, OpenSSL's output opened by ours.
// OpenSSL takes nonces of 1..15 bytes and tags of 1..16 bytes, so it covers our whole parameter
// space (tags 8..16). Each case draws from its own seed (OCB_SEED + case index), printed on failure:
//   OCB_SEED=123 OCB_CASES=5000 npm test -- ocb-openssl
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CipherOCBTypes } from 'node:crypto';
import { createOcb } from '../../protocol/ocb.ts';
import type { OcbTagLength } from '../../protocol/ocb.ts';
import { Rng } from '../../sim/rng.ts';

const BASE_SEED = Number(process.env.OCB_SEED ?? 0x0cb7253);
const CASES = Number(process.env.OCB_CASES ?? 1500);

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function algorithm(keyLength: number): CipherOCBTypes {
  return keyLength === 16 ? 'aes-128-ocb' : keyLength === 24 ? 'aes-192-ocb' : 'aes-256-ocb';
}

function opensslSeal(key: Uint8Array, nonce: Uint8Array, p: Uint8Array, a: Uint8Array, t: number): Uint8Array {
  const c = createCipheriv(algorithm(key.length), key, nonce, { authTagLength: t });
  if (a.length > 0) c.setAAD(a, { plaintextLength: p.length });
  const body = Buffer.concat([c.update(p), c.final()]);
  return new Uint8Array(Buffer.concat([body, c.getAuthTag()]));
}

/** null when OpenSSL rejects the tag. */
function opensslOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, a: Uint8Array, t: number): Uint8Array | null {
  const d = createDecipheriv(algorithm(key.length), key, nonce, { authTagLength: t });
  d.setAuthTag(sealed.subarray(sealed.length - t));
  if (a.length > 0) d.setAAD(a, { plaintextLength: sealed.length - t });
  try {
    return new Uint8Array(Buffer.concat([d.update(sealed.subarray(0, sealed.length - t)), d.final()]));
  } catch {
    return null;
  }
}

interface Case { seed: number; key: Uint8Array; nonce: Uint8Array; p: Uint8Array; a: Uint8Array; t: OcbTagLength }

function drawCase(seed: number): Case {
  const r = new Rng(seed);
  const key = r.bytes([16, 24, 32][r.int(0, 2)]!);
  const nonce = r.bytes(r.chance(0.5) ? 12 : r.int(1, 15));
  const t = (r.chance(0.4) ? 16 : r.int(8, 16)) as OcbTagLength;
  // Lengths biased toward block boundaries, where OCB's partial-block path switches.
  const len = (max: number) => (r.chance(0.3) ? 16 * r.int(0, max >> 4) + r.int(-1, 1) : r.int(0, max));
  const p = r.bytes(Math.max(0, Math.min(1024, len(1024))));
  const a = r.bytes(r.chance(0.2) ? 0 : Math.max(0, len(300)));
  return { seed, key, nonce, p, a, t };
}

function describe(c: Case): string {
  return `seed=${c.seed} key=${c.key.length * 8} nonce=${c.nonce.length} tag=${c.t} |P|=${c.p.length} |A|=${c.a.length}`;
}

test(`${CASES} random cases agree with OpenSSL both ways (base seed ${BASE_SEED})`, () => {
  const tags = new Set<number>();
  const nonces = new Set<number>();
  const keys = new Set<number>();
  let partial = 0;
  for (let i = 0; i < CASES; i++) {
    const c = drawCase(BASE_SEED + i);
    const ocb = createOcb(c.key, c.t);
    const ours = ocb.seal(c.nonce, c.p, c.a);
    const theirs = opensslSeal(c.key, c.nonce, c.p, c.a, c.t);
    if (toHex(ours) !== toHex(theirs)) assert.unreachable(`seal differs from OpenSSL: ${describe(c)}`);
    const byThem = opensslOpen(c.key, c.nonce, ours, c.a, c.t);
    if (byThem === null || toHex(byThem) !== toHex(c.p)) assert.unreachable(`OpenSSL cannot open ours: ${describe(c)}`);
    const byUs = ocb.open(c.nonce, theirs, c.a);
    if (!byUs.ok || toHex(byUs.plaintext) !== toHex(c.p)) assert.unreachable(`we cannot open OpenSSL's: ${describe(c)}`);
    tags.add(c.t);
    nonces.add(c.nonce.length);
    keys.add(c.key.length);
    if (c.p.length % 16 !== 0) partial++;
  }
  // The draw really covered the parameter space.
  assert.is(tags.size, 9);
  assert.is(nonces.size, 15);
  assert.is(keys.size, 3);
  assert.ok(partial > CASES / 4);
});

test('long messages (deep L_i table entries) agree with OpenSSL', () => {
  const r = new Rng(BASE_SEED ^ 0x5a5a);
  for (const n of [4096 * 16 + 5, 1 << 20, (1 << 20) + 16 * 3 + 15]) {
    const key = r.bytes(32);
    const nonce = r.bytes(12);
    const p = r.bytes(n);
    const a = r.bytes(70_001);
    const ocb = createOcb(key);
    const ours = ocb.seal(nonce, p, a);
    assert.is(toHex(ours.subarray(n)), toHex(opensslSeal(key, nonce, p, a, 16).subarray(n)), `tag, |P|=${n}`);
    assert.ok(toHex(ours) === toHex(opensslSeal(key, nonce, p, a, 16)), `ciphertext, |P|=${n}`);
    const back = ocb.open(nonce, ours, a);
    assert.ok(back.ok && toHex(back.plaintext) === toHex(p));
  }
});

test('OpenSSL output with a flipped bit is rejected by us, and ours by OpenSSL', () => {
  for (let i = 0; i < 200; i++) {
    const c = drawCase(BASE_SEED + 1_000_000 + i);
    const r = new Rng(c.seed ^ 0xf11b);
    const ocb = createOcb(c.key, c.t);
    const sealed = opensslSeal(c.key, c.nonce, c.p, c.a, c.t);
    const bit = r.int(0, sealed.length * 8 - 1);
    sealed[bit >> 3]! ^= 1 << (bit & 7);
    const res = ocb.open(c.nonce, sealed, c.a);
    assert.equal(res, { ok: false, error: 'auth-failed' }, `flipped bit ${bit}: ${describe(c)}`);
    assert.is(opensslOpen(c.key, c.nonce, sealed, c.a, c.t), null);
  }
});

test.run();
