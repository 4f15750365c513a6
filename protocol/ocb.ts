// AES-OCB authenticated encryption (RFC 7253) on the AES block function of @noble/ciphers, which
// has no OCB mode of its own. Runs anywhere (no Node built-ins).
//
// Layout of the work: blocks are handled as four 32-bit words in noble's "LE-normalized" form
// (word j = bytes 4j..4j+3 little-endian), the form its raw `encrypt`/`decrypt` round functions
// take. OCB needs only XORs on blocks in the per-block loop, so the loop never converts back to
// bytes: the input is copied once into the (aligned) output buffer and processed in place. The
// key schedule, L_*, L_$ and the L_i table are computed once per key in createOcb().
//
// Nonce uniqueness is the caller's job: a (key, nonce) pair must never seal two messages.

import { unsafe } from '@noble/ciphers/aes.js';
import { constantTimeEqual } from './ct.ts';

export type OcbTagLength = 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15 | 16;

/** Bad key, nonce or tag length, or a non-byte argument: a programmer error, thrown. */
export class OcbParameterError extends Error {
  override readonly name = 'OcbParameterError';
}

export type OcbOpenResult =
  | { ok: true; plaintext: Uint8Array }
  | { ok: false; error: 'too-short' | 'auth-failed' };

export interface Ocb {
  readonly tagLength: OcbTagLength;
  /** Returns ciphertext || tag. */
  seal(nonce: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Uint8Array;
  /** Never throws on bad sealed data; on failure no plaintext is released. */
  open(nonce: Uint8Array, sealed: Uint8Array, associatedData?: Uint8Array): OcbOpenResult;
}

const { expandKeyLE, expandKeyDecLE, encrypt, decrypt, encryptBlock } = unsafe;

const isLE = new Uint8Array(new Uint32Array([0x01020304]).buffer)[0] === 0x04;
const EMPTY = new Uint8Array(0);
// ntz(i) of a block index stays below 32 for any message a JS typed array can hold.
const L_COUNT = 32;
// Table layout (word indices): L_* at 0, L_$ at 4, L_i at 8 + 4i.
const L_STAR = 0;
const L_DOLLAR = 4;
const L_BASE = 8;

function bytesToWord(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function wordToBytes(w: number, b: Uint8Array, i: number): void {
  b[i] = w & 0xff;
  b[i + 1] = (w >>> 8) & 0xff;
  b[i + 2] = (w >>> 16) & 0xff;
  b[i + 3] = w >>> 24;
}

function swap32(w: Uint32Array): void {
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    w[i] = ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
  }
}

/** double() of RFC 7253 §2 on a big-endian 16-byte string: shift left one bit, reduce by 0x87. */
function double(src: Uint8Array, dst: Uint8Array): void {
  const carry = src[0]! >>> 7;
  for (let i = 0; i < 15; i++) dst[i] = ((src[i]! << 1) | (src[i + 1]! >>> 7)) & 0xff;
  dst[15] = ((src[15]! << 1) & 0xff) ^ (carry * 0x87);
}

function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array || (ArrayBuffer.isView(x) && x.constructor.name === 'Uint8Array');
}

function requireBytes(x: unknown, what: string): Uint8Array {
  if (!isBytes(x)) throw new OcbParameterError(`ocb: ${what} must be a Uint8Array`);
  return x;
}

/**
 * Full 16-byte blocks of `bytes` as LE-normalized words. A view when the platform is little-endian
 * and the data is aligned (no copy); otherwise an aligned copy.
 */
function fullBlockWords(bytes: Uint8Array, blocks: number): Uint32Array {
  if (isLE && (bytes.byteOffset & 3) === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, blocks * 4);
  const copy = new Uint32Array(blocks * 4);
  new Uint8Array(copy.buffer).set(bytes.subarray(0, blocks * 16));
  if (!isLE) swap32(copy);
  return copy;
}

// The per-block loops, each in a small monomorphic function of its own; state stays in locals
// inside the loop. `st` carries Offset in words 0..3 and Checksum (or Sum, for HASH) in words 4..7,
// in and out. (V8 does not inline noble's round function: it exceeds the inlining bytecode limit;
// its small result object per block is the one allocation left in the loop.)

function sealBlocks(xk: Uint32Array, L: Uint32Array, w: Uint32Array, m: number, st: Uint32Array): void {
  let o0 = st[0]!, o1 = st[1]!, o2 = st[2]!, o3 = st[3]!;
  let c0 = st[4]!, c1 = st[5]!, c2 = st[6]!, c3 = st[7]!;
  for (let i = 1, p = 0; i <= m; i++, p += 4) {
    const l = L_BASE + 4 * (31 - Math.clz32(i & -i));
    o0 ^= L[l]!; o1 ^= L[l + 1]!; o2 ^= L[l + 2]!; o3 ^= L[l + 3]!;
    const p0 = w[p]!, p1 = w[p + 1]!, p2 = w[p + 2]!, p3 = w[p + 3]!;
    c0 ^= p0; c1 ^= p1; c2 ^= p2; c3 ^= p3;
    const r = encrypt(xk, p0 ^ o0, p1 ^ o1, p2 ^ o2, p3 ^ o3);
    w[p] = r.s0 ^ o0; w[p + 1] = r.s1 ^ o1; w[p + 2] = r.s2 ^ o2; w[p + 3] = r.s3 ^ o3;
  }
  st[0] = o0; st[1] = o1; st[2] = o2; st[3] = o3;
  st[4] = c0; st[5] = c1; st[6] = c2; st[7] = c3;
}

function openBlocks(xkd: Uint32Array, L: Uint32Array, w: Uint32Array, m: number, st: Uint32Array): void {
  let o0 = st[0]!, o1 = st[1]!, o2 = st[2]!, o3 = st[3]!;
  let c0 = st[4]!, c1 = st[5]!, c2 = st[6]!, c3 = st[7]!;
  for (let i = 1, p = 0; i <= m; i++, p += 4) {
    const l = L_BASE + 4 * (31 - Math.clz32(i & -i));
    o0 ^= L[l]!; o1 ^= L[l + 1]!; o2 ^= L[l + 2]!; o3 ^= L[l + 3]!;
    const r = decrypt(xkd, w[p]! ^ o0, w[p + 1]! ^ o1, w[p + 2]! ^ o2, w[p + 3]! ^ o3);
    const p0 = r.s0 ^ o0, p1 = r.s1 ^ o1, p2 = r.s2 ^ o2, p3 = r.s3 ^ o3;
    c0 ^= p0; c1 ^= p1; c2 ^= p2; c3 ^= p3;
    w[p] = p0; w[p + 1] = p1; w[p + 2] = p2; w[p + 3] = p3;
  }
  st[0] = o0; st[1] = o1; st[2] = o2; st[3] = o3;
  st[4] = c0; st[5] = c1; st[6] = c2; st[7] = c3;
}

function hashBlocks(xk: Uint32Array, L: Uint32Array, a: Uint32Array, m: number, st: Uint32Array): void {
  let o0 = st[0]!, o1 = st[1]!, o2 = st[2]!, o3 = st[3]!;
  let s0 = st[4]!, s1 = st[5]!, s2 = st[6]!, s3 = st[7]!;
  for (let i = 1, p = 0; i <= m; i++, p += 4) {
    const l = L_BASE + 4 * (31 - Math.clz32(i & -i));
    o0 ^= L[l]!; o1 ^= L[l + 1]!; o2 ^= L[l + 2]!; o3 ^= L[l + 3]!;
    const r = encrypt(xk, a[p]! ^ o0, a[p + 1]! ^ o1, a[p + 2]! ^ o2, a[p + 3]! ^ o3);
    s0 ^= r.s0; s1 ^= r.s1; s2 ^= r.s2; s3 ^= r.s3;
  }
  st[0] = o0; st[1] = o1; st[2] = o2; st[3] = o3;
  st[4] = s0; st[5] = s1; st[6] = s2; st[7] = s3;
}

class AesOcb implements Ocb {
  readonly tagLength: OcbTagLength;
  private readonly xk: Uint32Array;
  private readonly xkd: Uint32Array;
  private readonly L = new Uint32Array(L_BASE + 4 * L_COUNT);
  // Scratch, reused across calls (JS is single-threaded and no method awaits), so a call
  // allocates only its result. Loops rather than fill/set/subarray: at small sizes the typed-array
  // builtins cost more than the bytes they move.
  private readonly block = new Uint8Array(16);
  private readonly tag: Uint8Array;
  /** Offset in words 0..3, Checksum (or Sum) in 4..7, HASH(K, A) in 8..11. */
  private readonly state = new Uint32Array(12);
  // Ktop depends only on the nonce with its low 6 bits cleared, so consecutive counter nonces
  // share it: cache the last one (nonces are public, so this leaks nothing).
  private readonly lastTop = new Uint8Array(16);
  private readonly stretch = new Uint8Array(24);
  private haveKtop = false;

  constructor(key: Uint8Array, tagLength: OcbTagLength) {
    this.tagLength = tagLength;
    this.tag = new Uint8Array(tagLength);
    this.xk = expandKeyLE(key);
    this.xkd = expandKeyDecLE(key);
    // L_* = E_K(0^128); L_$ = double(L_*); L_0 = double(L_$); L_i = double(L_{i-1}).
    const cur = new Uint8Array(16);
    encryptBlock(this.xk, cur);
    const next = new Uint8Array(16);
    for (let t = 0; t < 2 + L_COUNT; t++) {
      for (let j = 0; j < 4; j++) this.L[4 * t + j] = bytesToWord(cur, 4 * j);
      double(cur, next);
      cur.set(next);
    }
    cur.fill(0);
    next.fill(0);
  }

  /** Offset_0 from the nonce (RFC 7253 §4.2: Nonce, bottom, Ktop, Stretch) into state[0..3]. */
  private initialOffset(nonce: Uint8Array): void {
    const b = this.block;
    const len = nonce.length;
    // Nonce = num2str(TAGLEN mod 128, 7) || zeros(120 - bitlen(N)) || 1 || N
    for (let i = 0; i < 16 - len; i++) b[i] = 0;
    for (let i = 0; i < len; i++) b[16 - len + i] = nonce[i]!;
    b[15 - len]! |= 1;
    b[0]! |= ((this.tagLength * 8) % 128) << 1;
    const bottom = b[15]! & 63;
    b[15]! &= 0xc0;
    const top = this.lastTop;
    let same = this.haveKtop;
    for (let i = 0; i < 16; i++) same = same && b[i] === top[i];
    const s = this.stretch;
    if (!same) {
      for (let i = 0; i < 16; i++) top[i] = b[i]!;
      const r = encrypt(this.xk, bytesToWord(b, 0), bytesToWord(b, 4), bytesToWord(b, 8), bytesToWord(b, 12));
      wordToBytes(r.s0, s, 0); wordToBytes(r.s1, s, 4); wordToBytes(r.s2, s, 8); wordToBytes(r.s3, s, 12);
      // Stretch = Ktop || (Ktop[1..64] xor Ktop[9..72])
      for (let i = 0; i < 8; i++) s[16 + i] = s[i]! ^ s[i + 1]!;
      this.haveKtop = true;
    }
    // Offset_0 = Stretch[1+bottom..128+bottom]
    const byteShift = bottom >>> 3;
    const bitShift = bottom & 7;
    for (let i = 0; i < 16; i++) {
      b[i] = ((s[i + byteShift]! << bitShift) | (s[i + byteShift + 1]! >>> (8 - bitShift))) & 0xff;
    }
    const st = this.state;
    st[0] = bytesToWord(b, 0); st[1] = bytesToWord(b, 4); st[2] = bytesToWord(b, 8); st[3] = bytesToWord(b, 12);
  }

  /** HASH(K, A) of RFC 7253 §4.1 into state[8..11]; uses state[0..7]. */
  private hash(ad: Uint8Array): void {
    const L = this.L;
    const st = this.state;
    for (let j = 0; j < 12; j++) st[j] = 0;
    if (ad.length === 0) return;
    const m = ad.length >>> 4;
    if (m > 0) hashBlocks(this.xk, L, fullBlockWords(ad, m), m, st);
    const rem = ad.length & 15;
    if (rem > 0) {
      // CipherInput = (A_* || 1 || zeros) xor Offset_m xor L_*
      const b = this.block;
      const base = m * 16;
      for (let j = 0; j < 16; j++) b[j] = j < rem ? ad[base + j]! : j === rem ? 0x80 : 0;
      for (let j = 0; j < 4; j++) st[j] = st[j]! ^ L[L_STAR + j]! ^ bytesToWord(b, 4 * j);
      const r = encrypt(this.xk, st[0]!, st[1]!, st[2]!, st[3]!);
      st[4] ^= r.s0; st[5] ^= r.s1; st[6] ^= r.s2; st[7] ^= r.s3;
    }
    st[8] = st[4]!; st[9] = st[5]!; st[10] = st[6]!; st[11] = st[7]!;
  }

  private checkNonce(nonce: Uint8Array): void {
    requireBytes(nonce, 'nonce');
    if (nonce.length < 1 || nonce.length > 15) throw new OcbParameterError(`ocb: nonce must be 1 to 15 bytes, got ${nonce.length}`);
  }

  /**
   * OCB-ENCRYPT / OCB-DECRYPT of RFC 7253 §4.2/4.3 over `buf` in place (plaintext in for sealing,
   * ciphertext in for opening). Leaves the first tagLength bytes of the tag in this.tag.
   */
  private run(nonce: Uint8Array, buf: Uint8Array, ad: Uint8Array, sealing: boolean): void {
    const L = this.L;
    const xk = this.xk;
    const st = this.state;
    const n = buf.length;
    const m = n >>> 4;
    const rem = n & 15;
    this.hash(ad);
    this.initialOffset(nonce);
    st[4] = 0; st[5] = 0; st[6] = 0; st[7] = 0;
    if (m > 0) {
      const w = new Uint32Array(buf.buffer, buf.byteOffset, m * 4);
      if (!isLE) swap32(w);
      if (sealing) sealBlocks(xk, L, w, m, st);
      else openBlocks(this.xkd, L, w, m, st);
      if (!isLE) swap32(w);
    }
    let o0 = st[0]!, o1 = st[1]!, o2 = st[2]!, o3 = st[3]!;
    let c0 = st[4]!, c1 = st[5]!, c2 = st[6]!, c3 = st[7]!;
    const b = this.block;
    if (rem > 0) {
      // Offset_* = Offset_m ^ L_*; Pad = E_K(Offset_*); out_* = in_* ^ Pad[0..rem).
      o0 ^= L[L_STAR]!; o1 ^= L[L_STAR + 1]!; o2 ^= L[L_STAR + 2]!; o3 ^= L[L_STAR + 3]!;
      const r = encrypt(xk, o0, o1, o2, o3);
      wordToBytes(r.s0, b, 0); wordToBytes(r.s1, b, 4); wordToBytes(r.s2, b, 8); wordToBytes(r.s3, b, 12);
      const base = m * 16;
      // b becomes P_* || 1 || zeros, for Checksum_* = Checksum_m ^ (P_* || 1 || zeros).
      for (let j = 0; j < rem; j++) {
        const x = buf[base + j]!;
        const y = x ^ b[j]!;
        buf[base + j] = y;
        b[j] = sealing ? x : y;
      }
      b[rem] = 0x80;
      for (let j = rem + 1; j < 16; j++) b[j] = 0;
      c0 ^= bytesToWord(b, 0); c1 ^= bytesToWord(b, 4); c2 ^= bytesToWord(b, 8); c3 ^= bytesToWord(b, 12);
      for (let j = 0; j < 16; j++) b[j] = 0;
    }
    // Tag = E_K(Checksum_* ^ Offset_* ^ L_$) ^ HASH(K, A)
    const r = encrypt(xk, c0 ^ o0 ^ L[L_DOLLAR]!, c1 ^ o1 ^ L[L_DOLLAR + 1]!, c2 ^ o2 ^ L[L_DOLLAR + 2]!, c3 ^ o3 ^ L[L_DOLLAR + 3]!);
    wordToBytes(r.s0 ^ st[8]!, b, 0); wordToBytes(r.s1 ^ st[9]!, b, 4); wordToBytes(r.s2 ^ st[10]!, b, 8); wordToBytes(r.s3 ^ st[11]!, b, 12);
    const tag = this.tag;
    for (let j = 0; j < tag.length; j++) tag[j] = b[j]!;
    for (let j = 0; j < 16; j++) b[j] = 0;
    for (let j = 0; j < 12; j++) st[j] = 0;
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, associatedData?: Uint8Array): Uint8Array {
    this.checkNonce(nonce);
    requireBytes(plaintext, 'plaintext');
    const ad = associatedData === undefined ? EMPTY : requireBytes(associatedData, 'associated data');
    const n = plaintext.length;
    const t = this.tagLength;
    const out = new Uint8Array(n + t);
    out.set(plaintext);
    const body = out.subarray(0, n);
    this.run(nonce, body, ad, true);
    const tag = this.tag;
    for (let j = 0; j < t; j++) { out[n + j] = tag[j]!; tag[j] = 0; }
    return out;
  }

  open(nonce: Uint8Array, sealed: Uint8Array, associatedData?: Uint8Array): OcbOpenResult {
    this.checkNonce(nonce);
    requireBytes(sealed, 'sealed data');
    const ad = associatedData === undefined ? EMPTY : requireBytes(associatedData, 'associated data');
    if (sealed.length < this.tagLength) return { ok: false, error: 'too-short' };
    const n = sealed.length - this.tagLength;
    // Not sealed.slice(): on a Node Buffer that is a view, and we decrypt in place.
    const out = new Uint8Array(n);
    out.set(sealed.subarray(0, n));
    this.run(nonce, out, ad, false);
    const ok = constantTimeEqual(this.tag, sealed.subarray(n));
    this.tag.fill(0);
    if (!ok) {
      // Never release unverified plaintext.
      out.fill(0);
      return { ok: false, error: 'auth-failed' };
    }
    return { ok: true, plaintext: out };
  }
}

/** An AES-OCB instance for one key (16, 24 or 32 bytes) and tag length (8..16 bytes, default 16). */
export function createOcb(key: Uint8Array, tagLength: OcbTagLength = 16): Ocb {
  requireBytes(key, 'key');
  if (key.length !== 16 && key.length !== 24 && key.length !== 32) {
    throw new OcbParameterError(`ocb: key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
  if (!Number.isInteger(tagLength) || tagLength < 8 || tagLength > 16) {
    throw new OcbParameterError(`ocb: tag length must be 8 to 16 bytes, got ${String(tagLength)}`);
  }
  return new AesOcb(key, tagLength);
}
