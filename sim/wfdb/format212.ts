// WFDB format 212: pairs of 12-bit two's-complement samples packed into 3 bytes. Byte 0 holds the
// low 8 bits of the first sample, the low nibble of byte 1 its high 4 bits, the high nibble of
// byte 1 the high 4 bits of the second sample, byte 2 its low 8 bits. Samples of all signals of a
// file are interleaved frame by frame.
import { fail, ok, type WfdbResult } from './errors.ts';

/** Bytes needed for `totalSamples` samples (an odd last sample still takes 2 bytes). */
export function format212Bytes(totalSamples: number): number {
  return Math.floor(totalSamples / 2) * 3 + (totalSamples % 2 === 1 ? 2 : 0);
}

/** Decodes interleaved samples into one Int16Array per signal; `frames` undefined = all whole frames. */
export function decodeFormat212(bytes: Uint8Array, signalCount: number, frames?: number): WfdbResult<Int16Array[]> {
  if (signalCount <= 0) return fail('header-syntax', 'format 212 needs at least one signal');
  const available = Math.floor((Math.floor(bytes.length / 3) * 2 + (bytes.length % 3 >= 2 ? 1 : 0)) / signalCount);
  const n = frames ?? available;
  if (n > available) {
    return fail('truncated', `format 212 data holds ${available} frames of ${signalCount} signals (${bytes.length} bytes), header says ${n}`);
  }
  const out: Int16Array[] = [];
  for (let s = 0; s < signalCount; s++) out.push(new Int16Array(n));
  const total = n * signalCount;
  let sig = 0;
  let frame = 0;
  for (let k = 0; k < total; k++) {
    const g = (k >> 1) * 3;
    let v: number;
    if ((k & 1) === 0) v = bytes[g]! | ((bytes[g + 1]! & 0x0f) << 8);
    else v = bytes[g + 2]! | ((bytes[g + 1]! & 0xf0) << 4);
    if (v & 0x800) v -= 0x1000;
    out[sig]![frame] = v;
    if (++sig === signalCount) { sig = 0; frame++; }
  }
  return ok(out);
}

/** Encodes signals (values must fit in 12 bits, -2048..2047) as interleaved format 212. */
export function encodeFormat212(signals: ArrayLike<number>[]): Uint8Array {
  const nsig = signals.length;
  const frames = nsig === 0 ? 0 : signals[0]!.length;
  const total = frames * nsig;
  const bytes = new Uint8Array(format212Bytes(total));
  for (let k = 0; k < total; k++) {
    const raw = signals[k % nsig]![Math.floor(k / nsig)]!;
    if (!Number.isInteger(raw) || raw < -2048 || raw > 2047) throw new RangeError(`sample ${raw} does not fit format 212`);
    const v = raw & 0xfff;
    const g = (k >> 1) * 3;
    if ((k & 1) === 0) { bytes[g] = v & 0xff; bytes[g + 1] = (bytes[g + 1]! & 0xf0) | (v >> 8); }
    else { bytes[g + 2] = v & 0xff; bytes[g + 1] = (bytes[g + 1]! & 0x0f) | ((v >> 8) << 4); }
  }
  return bytes;
}

/** WFDB checksum: the sum of all samples as a signed 16-bit integer. */
export function wfdbChecksum(samples: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum = (sum + samples[i]!) & 0xffff;
  return sum >= 0x8000 ? sum - 0x10000 : sum;
}
