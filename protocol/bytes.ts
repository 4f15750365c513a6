// Byte helpers shared by the protocol modules. Big-endian everywhere on the wire.
import { sha256 } from '@noble/hashes/sha2.js';
import { ProtocolParameterError } from './result.ts';

/** H(.) of the protocol: SHA-256 over the concatenation of its arguments. */
export function H(...parts: Uint8Array[]): Uint8Array {
  const h = sha256.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** a XOR b over the length of a (b must be at least as long: a hash is truncated to a's length). */
export function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length < a.length) throw new ProtocolParameterError(`xor: mask of ${b.length} bytes shorter than ${a.length}`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

export function u32be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new ProtocolParameterError(`u32 out of range: ${n}`);
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, false);
  return b;
}

export function readU32be(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

export function u64be(n: bigint): Uint8Array {
  if (n < 0n || n > 0xffffffffffffffffn) throw new ProtocolParameterError(`u64 out of range: ${n}`);
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, false);
  return b;
}

export function readU64be(b: Uint8Array, off: number): bigint {
  return new DataView(b.buffer, b.byteOffset + off, 8).getBigUint64(0, false);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!]!;
  return s;
}

/**
 * bytes [start, end) as a new plain Uint8Array. Decoders use this rather than .slice(), which on
 * a Node Buffer returns a view that would alias the caller's (socket or EEPROM) buffer.
 */
export function take(b: Uint8Array, start: number, end: number = b.length): Uint8Array {
  return new Uint8Array(b.subarray(start, end));
}

/** Copies, so a caller's later mutation of its buffer cannot change our state. */
export function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** Bytes of an ASCII label (all protocol labels are ASCII; no TextEncoder needed). */
export function ascii(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) throw new ProtocolParameterError(`label ${JSON.stringify(s)} is not ASCII`);
    b[i] = c;
  }
  return b;
}

export function requireLength(b: Uint8Array, n: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n) {
    throw new ProtocolParameterError(`${what} must be ${n} bytes, got ${b instanceof Uint8Array ? b.length : typeof b}`);
  }
}
