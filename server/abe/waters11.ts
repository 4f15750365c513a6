// Ciphertext-policy attribute-based encryption: Waters 2011 ("Ciphertext-Policy Attribute-Based
// Encryption: An Expressive, Efficient, and Provably Secure Realization", PKC 2011), the variant
// with attributes hashed to the group (random oracle, so the attribute universe is open), written
// for the asymmetric BLS12-381 pairing e: G1 × G2 → GT of @noble/curves. Used as a KEM: the
// encapsulated GT element e(g1,g2)^(αs) goes through HKDF-SHA256 to an AES-256-GCM key that
// wraps a short message (a record data key); the ciphertext header is the AEAD's associated data.
//
// Group placement (type-3 pairing): hashes H(x), the key parts K and K_x and the ciphertext parts
// C_i live in G1; L = g2^t, C' = g2^s and D_i = g2^(r_i) in G2, so every pairing in decryption
// pairs a G1 key/ciphertext part with a G2 part:
//   setup:   α, a ← Z_r;  MPK = (g1^a, e(g1,g2)^α);  MSK = g1^α
//   keygen:  t ← Z_r;  K = g1^α · (g1^a)^t,  L = g2^t,  K_x = H(x)^t for each attribute x
//   encrypt: LSSS (M, ρ) from the policy, u = (s, y2..) ← Z_r^c, λ = M·u, r_i ← Z_r;
//            C' = g2^s,  C_i = (g1^a)^(λ_i) · H(ρ(i))^(−r_i),  D_i = g2^(r_i),  key = e(g1,g2)^(αs)
//   decrypt: ω with Σ ω_i M_i = (1,0..);  e(K, C') · e(Σ −ω_i C_i, L) · Π e(−ω_i K_ρ(i), D_i)
//            = e(g1,g2)^(αs + ats − ats)  — one multi-pairing, one final exponentiation.
// Per-user randomness t ties K_x to K and L, which is what stops two readers combining keys.
import { bls12_381 } from '@noble/curves/bls12-381.js';
import type { WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js';
import type { Fp12 } from '@noble/curves/abstract/tower.js';
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { draw, defaultRandom, type RandomSource } from '../../protocol/random.ts';
import { formatPolicy, isAttributeName, parsePolicy, policyLeaves, type Policy, type PolicyErrorCode } from '../policy/policy.ts';
import { lsssMatrix, reconstruction, shares, ORDER } from './lsss.ts';

export type G1 = WeierstrassPoint<bigint>;
export type G2 = ReturnType<typeof bls12_381.G2.Point.fromBytes>;
export type GT = Fp12;

const { G1: G1c, G2: G2c, fields } = bls12_381;
const Fp12f = fields.Fp12;
const g1 = G1c.Point.BASE;
const g2 = G2c.Point.BASE;
const ZERO1 = G1c.Point.ZERO as G1;

export const SCHEME_ID = 'bsn-care/cp-abe/waters11-ro/bls12-381/v1';
const HASH_DST = 'BSN-CARE-CPABE-V1_BLS12381G1_XMD:SHA-256_SSWU_RO_';
const enc = new TextEncoder();

export interface MasterPublicKey {
  readonly g1a: G1;
  readonly eggAlpha: GT;
}
export interface MasterSecretKey {
  readonly g1Alpha: G1;
}
export interface SecretKey {
  readonly K: G1;
  readonly L: G2;
  /** attribute → H(x)^t, in the order given to keygen. */
  readonly Kx: ReadonlyMap<string, G1>;
}
export interface CiphertextRow {
  readonly C: G1;
  readonly D: G2;
}
export interface Ciphertext {
  readonly policy: Policy;
  readonly C1: G2;
  /** One row per policy leaf, in policyLeaves() order. */
  readonly rows: readonly CiphertextRow[];
  readonly nonce: Uint8Array;
  /** AES-256-GCM(message) with tag. */
  readonly wrapped: Uint8Array;
}

export type EncryptErrorCode = PolicyErrorCode | 'repeated-attribute';
export type DecryptErrorCode = 'not-satisfied' | 'auth-failed';
export type AbeResult<T, C extends string> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: { readonly code: C; readonly message: string } };

/** Programmer errors (bad attribute names given to keygen, empty message): thrown. */
export class AbeParameterError extends RangeError {
  override readonly name = 'AbeParameterError';
}

/** A uniform non-zero scalar mod r (64 random bytes reduced: bias below 2^-250). */
export function randomScalar(random: RandomSource): bigint {
  for (;;) {
    const b = draw(random, 64);
    let x = 0n;
    for (const v of b) x = (x << 8n) | BigInt(v);
    x %= ORDER;
    if (x !== 0n) return x;
  }
}

const hashCache = new Map<string, G1>();
/** H: attribute → G1 (RFC 9380 hash-to-curve, our own domain separation tag). */
export function hashAttribute(name: string): G1 {
  let p = hashCache.get(name);
  if (!p) {
    p = G1c.hashToCurve(enc.encode(name), { DST: HASH_DST }) as G1;
    if (hashCache.size > 4096) hashCache.clear();
    hashCache.set(name, p);
  }
  return p;
}

export function setup(random: RandomSource = defaultRandom): { mpk: MasterPublicKey; msk: MasterSecretKey } {
  const alpha = randomScalar(random);
  const a = randomScalar(random);
  const egg = bls12_381.pairing(g1, g2);
  // g1^a is multiplied in every keygen and in every ciphertext row: keep a window table for it.
  return { mpk: { g1a: g1.multiply(a).precompute(8), eggAlpha: Fp12f.pow(egg, alpha) }, msk: { g1Alpha: g1.multiply(alpha) } };
}

export function keygen(mpk: MasterPublicKey, msk: MasterSecretKey, attributes: readonly string[], random: RandomSource = defaultRandom): SecretKey {
  if (attributes.length === 0) throw new AbeParameterError('a key needs at least one attribute');
  const Kx = new Map<string, G1>();
  for (const x of attributes) {
    if (!isAttributeName(x)) throw new AbeParameterError(`bad attribute name ${JSON.stringify(x)}`);
    Kx.set(x, ZERO1);
  }
  const t = randomScalar(random);
  for (const x of Kx.keys()) Kx.set(x, hashAttribute(x).multiply(t));
  return { K: msk.g1Alpha.add(mpk.g1a.multiply(t)), L: g2.multiply(t), Kx };
}

/** HKDF over the encapsulated GT element, bound to the scheme and the header. */
function deriveKey(gt: GT, header: Uint8Array): Uint8Array {
  return hkdf(sha256, Fp12f.toBytes(gt), sha256(header), enc.encode(SCHEME_ID), 32);
}

export function encrypt(mpk: MasterPublicKey, policy: Policy | string, message: Uint8Array, random: RandomSource = defaultRandom): AbeResult<Ciphertext, EncryptErrorCode> {
  let p: Policy;
  if (typeof policy === 'string') {
    const r = parsePolicy(policy);
    if (!r.ok) return { ok: false, error: { code: r.error.code, message: r.error.message } };
    p = r.value;
  } else p = policy;
  if (message.length === 0 || message.length > 4096) throw new AbeParameterError('message must be 1..4096 bytes');
  const leaves = policyLeaves(p);
  // Waters 2011's proof needs ρ injective; repeated attributes would need attribute copies.
  if (new Set(leaves).size !== leaves.length) return { ok: false, error: { code: 'repeated-attribute', message: 'an attribute appears twice in the policy; rewrite it so each attribute appears once' } };
  const m = lsssMatrix(p);
  const u = Array.from({ length: m.columns }, () => randomScalar(random));
  const s = u[0]!;
  const lambda = shares(m, u);
  const rows: CiphertextRow[] = leaves.map((x, i) => {
    const r = randomScalar(random);
    // λ_i is a secret share: noble's side-channel-hardened multiply (not multiplyUnsafe), which
    // refuses 0 (probability 2^-254).
    const share = lambda[i] === 0n ? ZERO1 : mpk.g1a.multiply(lambda[i]!);
    const C = share.add(hashAttribute(x).multiply(r).negate());
    return { C, D: g2.multiply(r) };
  });
  const C1 = g2.multiply(s);
  const key = Fp12f.pow(mpk.eggAlpha, s);
  const nonce = draw(random, 12);
  const partial = { policy: p, C1, rows };
  const header = encodeHeader(partial);
  const wrapped = gcm(deriveKey(key, header), nonce, header).encrypt(message);
  return { ok: true, value: { ...partial, nonce, wrapped } };
}

/** The attribute set of a key. */
export function keyAttributes(sk: SecretKey): ReadonlySet<string> {
  return new Set(sk.Kx.keys());
}

export function decrypt(sk: SecretKey, ct: Ciphertext): AbeResult<Uint8Array, DecryptErrorCode> {
  const omega = reconstruction(ct.policy, keyAttributes(sk));
  if (!omega) return { ok: false, error: { code: 'not-satisfied', message: 'the key\'s attributes do not satisfy the policy' } };
  const leaves = policyLeaves(ct.policy);
  let cAgg = ZERO1;
  const pairs: { g1: G1; g2: G2 }[] = [{ g1: sk.K, g2: ct.C1 }];
  for (const [i, w] of omega) {
    const row = ct.rows[i]!;
    cAgg = cAgg.add(row.C.multiply(w));
    pairs.push({ g1: sk.Kx.get(leaves[i]!)!.multiply(w).negate(), g2: row.D });
  }
  try {
    if (!cAgg.is0()) pairs.push({ g1: cAgg.negate(), g2: sk.L });
    const gt = bls12_381.pairingBatch(pairs);
    const header = encodeHeader(ct);
    const msg = gcm(deriveKey(gt, header), ct.nonce, header).decrypt(ct.wrapped);
    return { ok: true, value: msg };
  } catch {
    return { ok: false, error: { code: 'auth-failed', message: 'the wrapped key failed authentication (wrong key or tampered ciphertext)' } };
  }
}

// ---- serialisation (big-endian lengths; points compressed: G1 48 bytes, G2 96, GT 576) ----

const MAGIC_MPK = enc.encode('ABP1');
const MAGIC_MSK = enc.encode('ABS1');
const MAGIC_SK = enc.encode('ABK1');
const MAGIC_CT = enc.encode('ABC1');
const G1_LEN = 48, G2_LEN = 96, GT_LEN = 576;

class Writer {
  private parts: Uint8Array[] = [];
  bytes(b: Uint8Array): this { this.parts.push(b); return this; }
  u16(n: number): this { return this.bytes(Uint8Array.of(n >>> 8, n & 0xff)); }
  done(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of this.parts) { out.set(p, o); o += p.length; }
    return out;
  }
}

function encodeHeader(ct: Pick<Ciphertext, 'policy' | 'C1' | 'rows'>): Uint8Array {
  const policy = enc.encode(formatPolicy(ct.policy));
  const w = new Writer().bytes(MAGIC_CT).u16(policy.length).bytes(policy).bytes(ct.C1.toBytes(true)).u16(ct.rows.length);
  for (const r of ct.rows) w.bytes(r.C.toBytes(true)).bytes(r.D.toBytes(true));
  return w.done();
}

export function encodeCiphertext(ct: Ciphertext): Uint8Array {
  return new Writer().bytes(encodeHeader(ct)).bytes(ct.nonce).u16(ct.wrapped.length).bytes(ct.wrapped).done();
}
export function encodeMasterPublicKey(k: MasterPublicKey): Uint8Array {
  return new Writer().bytes(MAGIC_MPK).bytes(k.g1a.toBytes(true)).bytes(Fp12f.toBytes(k.eggAlpha)).done();
}
export function encodeMasterSecretKey(k: MasterSecretKey): Uint8Array {
  return new Writer().bytes(MAGIC_MSK).bytes(k.g1Alpha.toBytes(true)).done();
}
export function encodeSecretKey(k: SecretKey): Uint8Array {
  const w = new Writer().bytes(MAGIC_SK).bytes(k.K.toBytes(true)).bytes(k.L.toBytes(true)).u16(k.Kx.size);
  for (const [name, p] of k.Kx) {
    const n = enc.encode(name);
    w.bytes(Uint8Array.of(n.length)).bytes(n).bytes(p.toBytes(true));
  }
  return w.done();
}

export type DecodeErrorCode = 'truncated' | 'bad-magic' | 'bad-point' | 'bad-policy' | 'bad-attribute' | 'trailing-bytes';
export type DecodeResult<T> = AbeResult<T, DecodeErrorCode>;

class DecodeFailure {
  constructor(readonly code: DecodeErrorCode, readonly message: string) {}
}

class Reader {
  o = 0;
  constructor(readonly b: Uint8Array) {}
  take(n: number, what: string): Uint8Array {
    if (this.o + n > this.b.length) throw new DecodeFailure('truncated', `truncated in ${what}`);
    const out = this.b.subarray(this.o, this.o + n);
    this.o += n;
    return out;
  }
  u8(what: string): number { return this.take(1, what)[0]!; }
  u16(what: string): number { const x = this.take(2, what); return (x[0]! << 8) | x[1]!; }
  magic(m: Uint8Array): void {
    const got = this.take(4, 'magic');
    if (got.some((v, i) => v !== m[i])) throw new DecodeFailure('bad-magic', `not a ${new TextDecoder().decode(m)} object`);
  }
  g1(what: string): G1 { return point(() => G1c.Point.fromBytes(this.take(G1_LEN, what)) as G1, what); }
  g2(what: string): G2 { return point(() => G2c.Point.fromBytes(this.take(G2_LEN, what)), what); }
  end(): void { if (this.o !== this.b.length) throw new DecodeFailure('trailing-bytes', `${this.b.length - this.o} bytes after the end`); }
}

function point<P extends { is0(): boolean; assertValidity(): void }>(f: () => P, what: string): P {
  let p: P;
  try {
    p = f();
    p.assertValidity();
  } catch (e) {
    if (e instanceof DecodeFailure) throw e;
    throw new DecodeFailure('bad-point', `${what} is not a valid subgroup point`);
  }
  if (p.is0()) throw new DecodeFailure('bad-point', `${what} is the point at infinity`);
  return p;
}

function decode<T>(bytes: Uint8Array, f: (r: Reader) => T): DecodeResult<T> {
  try {
    const r = new Reader(bytes);
    const v = f(r);
    r.end();
    return { ok: true, value: v };
  } catch (e) {
    if (e instanceof DecodeFailure) return { ok: false, error: { code: e.code, message: e.message } };
    return { ok: false, error: { code: 'bad-point', message: 'undecodable group element' } };
  }
}

export function decodeCiphertext(bytes: Uint8Array): DecodeResult<Ciphertext> {
  return decode(bytes, (r) => {
    r.magic(MAGIC_CT);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(r.take(r.u16('policy length'), 'policy'));
    const p = parsePolicy(text);
    if (!p.ok) throw new DecodeFailure('bad-policy', `policy: ${p.error.message}`);
    const C1 = r.g2('C\'');
    const n = r.u16('row count');
    if (n !== policyLeaves(p.value).length) throw new DecodeFailure('bad-policy', `${n} rows for a policy of ${policyLeaves(p.value).length} attributes`);
    const rows: CiphertextRow[] = [];
    for (let i = 0; i < n; i++) rows.push({ C: r.g1(`C_${i}`), D: r.g2(`D_${i}`) });
    const nonce = r.take(12, 'nonce').slice();
    const wrapped = r.take(r.u16('wrapped length'), 'wrapped key').slice();
    if (wrapped.length < 17) throw new DecodeFailure('truncated', 'wrapped key shorter than a tag');
    return { policy: p.value, C1, rows, nonce, wrapped };
  });
}

export function decodeMasterPublicKey(bytes: Uint8Array): DecodeResult<MasterPublicKey> {
  return decode(bytes, (r) => {
    r.magic(MAGIC_MPK);
    const g1a = r.g1('g1^a').precompute(8);
    const gtBytes = r.take(GT_LEN, 'e(g1,g2)^α');
    let eggAlpha: GT;
    try { eggAlpha = Fp12f.fromBytes(gtBytes); } catch { throw new DecodeFailure('bad-point', 'e(g1,g2)^α is not a field element'); }
    // A GT element has order r: reject anything outside the subgroup (and the identity).
    if (Fp12f.eql(eggAlpha, Fp12f.ONE) || !Fp12f.eql(Fp12f.pow(eggAlpha, ORDER), Fp12f.ONE)) throw new DecodeFailure('bad-point', 'e(g1,g2)^α is not in GT');
    return { g1a, eggAlpha };
  });
}

export function decodeMasterSecretKey(bytes: Uint8Array): DecodeResult<MasterSecretKey> {
  return decode(bytes, (r) => { r.magic(MAGIC_MSK); return { g1Alpha: r.g1('g1^α') }; });
}

export function decodeSecretKey(bytes: Uint8Array): DecodeResult<SecretKey> {
  return decode(bytes, (r) => {
    r.magic(MAGIC_SK);
    const K = r.g1('K');
    const L = r.g2('L');
    const n = r.u16('attribute count');
    if (n === 0) throw new DecodeFailure('bad-attribute', 'a key with no attributes');
    const Kx = new Map<string, G1>();
    for (let i = 0; i < n; i++) {
      const name = new TextDecoder().decode(r.take(r.u8('name length'), 'attribute name'));
      if (!isAttributeName(name) || Kx.has(name)) throw new DecodeFailure('bad-attribute', `bad or repeated attribute ${JSON.stringify(name)}`);
      Kx.set(name, r.g1(`K_${name}`));
    }
    return { K, L, Kx };
  });
}
