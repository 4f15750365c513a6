// An ECG strip inside a sealed data frame (pure, no I/O): a payload type of its own next to the
// readings batch, because a reading's value is at most 255 bytes and 10 s of ECG is not.
// Big-endian:
//   u8 format = 1 | u8 type = 0x02 | u64 startAt (ms, Unix epoch) | u8 rateHz (1..250)
//   | u16 count (2..2500) | u8 scaleUv (µV per step, 1..255) | i16 first (steps) | i8 delta * (count - 1)
// 10 s at 125 Hz with 20 µV steps is 1 265 bytes. The encoder takes each delta from the value the
// decoder will reconstruct, so rounding never accumulates; a jump beyond ±127 steps in one sample
// is slew-limited and caught up on the following samples.
import { PAYLOAD_FORMAT } from '../../protocol/readings.ts';

export const TYPE_ECG_STRIP = 0x02;
const HEADER = 1 + 1 + 8 + 1 + 2 + 1 + 2;

export interface EcgStripPayload {
  readonly startAt: number;
  readonly rateHz: number;
  readonly scaleUv: number;
  readonly samplesUv: readonly number[];
}

export type EcgStripErrorCode = 'truncated' | 'bad-format' | 'bad-type' | 'bad-rate' | 'bad-count' | 'bad-scale' | 'bad-length';
export type EcgStripResult = { readonly ok: true; readonly value: EcgStripPayload } | { readonly ok: false; readonly error: { readonly code: EcgStripErrorCode; readonly message: string } };

export function encodeEcgStrip(s: { startAt: number; rateHz: number; samplesUv: readonly number[]; scaleUv?: number }): Uint8Array {
  const scale = s.scaleUv ?? 20;
  const n = s.samplesUv.length;
  if (!Number.isInteger(s.rateHz) || s.rateHz < 1 || s.rateHz > 250) throw new RangeError('rateHz must be 1..250');
  if (n < 2 || n > 2500) throw new RangeError('2..2500 samples');
  if (!Number.isInteger(scale) || scale < 1 || scale > 255) throw new RangeError('scaleUv must be 1..255');
  const out = new Uint8Array(HEADER + n - 1);
  const v = new DataView(out.buffer);
  out[0] = PAYLOAD_FORMAT;
  out[1] = TYPE_ECG_STRIP;
  v.setBigUint64(2, BigInt(Math.round(s.startAt)));
  out[10] = s.rateHz;
  v.setUint16(11, n);
  out[13] = scale;
  let cur = Math.max(-32768, Math.min(32767, Math.round(s.samplesUv[0]! / scale)));
  v.setInt16(14, cur);
  for (let i = 1; i < n; i++) {
    const d = Math.max(-127, Math.min(127, Math.round(s.samplesUv[i]! / scale) - cur));
    v.setInt8(HEADER + i - 1, d);
    cur += d;
  }
  return out;
}

export function decodeEcgStrip(b: Uint8Array): EcgStripResult {
  const fail = (code: EcgStripErrorCode, message: string): EcgStripResult => ({ ok: false, error: { code, message } });
  if (b.length < HEADER) return fail('truncated', `an ECG strip needs at least ${HEADER} bytes`);
  if (b[0] !== PAYLOAD_FORMAT) return fail('bad-format', `unknown payload format ${b[0]}`);
  if (b[1] !== TYPE_ECG_STRIP) return fail('bad-type', `not an ECG strip (type ${b[1]})`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const startAt = Number(v.getBigUint64(2));
  const rateHz = b[10]!;
  const n = v.getUint16(11);
  const scaleUv = b[13]!;
  if (rateHz < 1 || rateHz > 250) return fail('bad-rate', 'rateHz must be 1..250');
  if (n < 2 || n > 2500) return fail('bad-count', 'count must be 2..2500');
  if (scaleUv < 1) return fail('bad-scale', 'scaleUv must be 1..255');
  if (b.length !== HEADER + n - 1) return fail('bad-length', `expected ${HEADER + n - 1} bytes, got ${b.length}`);
  const samplesUv: number[] = new Array<number>(n);
  let cur = v.getInt16(14);
  samplesUv[0] = cur * scaleUv;
  for (let i = 1; i < n; i++) {
    cur += v.getInt8(HEADER + i - 1);
    samplesUv[i] = cur * scaleUv;
  }
  return { ok: true, value: { startAt, rateHz, scaleUv, samplesUv } };
}
