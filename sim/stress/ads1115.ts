// TI ADS1115 model on the simulated I2C bus (data sheet SBAS444): pointer register, config,
// conversion; single-shot conversions started by writing OS = 1, lasting 1/DR (DR from 8 to 860
// SPS), the input sampled at the middle of the conversion (a delta-sigma converter averages over
// it), quantised to 16 bits two's complement at the PGA's full scale, saturating at 0x7FFF/0x8000.
// Reading OS gives 0 while converting; a read of the conversion register before the end returns
// the previous result. Continuous mode (MODE = 0): conversions follow each other every 1/DR from
// the config write on; the conversion register holds the newest finished one. Only single-ended MUX codes (AINx to GND) are modelled; inputs are
// voltage sources (tMs) => V.
import type { SimI2cDevice } from '../i2c-bus.ts';
import type { Rng } from '../rng.ts';

export type AdsInput = (tMs: number) => number;

const RANGES_V = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256];
const RATES_SPS = [8, 16, 32, 64, 128, 250, 475, 860];

export interface Ads1115ModelOptions {
  rng: Rng;
  /** Input-referred noise, LSB rms. */
  noiseLsb?: number;
}

export class Ads1115Model implements SimI2cDevice {
  private pointer = 0;
  config = 0x8583; // power-on default
  private conversion = 0;
  private busyUntil = Number.NEGATIVE_INFINITY;
  private pending: { at: number; channel: number; fsV: number } | null = null;
  private continuous: { start: number; periodMs: number; channel: number; fsV: number; done: number } | null = null;
  readonly inputs: (AdsInput | null)[] = [null, null, null, null];
  conversions = 0;
  private readonly rng: Rng;
  private readonly noiseLsb: number;

  constructor(opts: Ads1115ModelOptions) {
    this.rng = opts.rng;
    this.noiseLsb = opts.noiseLsb ?? 0.5;
  }

  connect(channel: 0 | 1 | 2 | 3, source: AdsInput): void {
    this.inputs[channel] = source;
  }

  private settle(tMs: number): void {
    const c = this.continuous;
    if (c) {
      const k = Math.floor((tMs - c.start) / c.periodMs);
      if (k >= 1 && k !== c.done) {
        c.done = k;
        const v = this.inputs[c.channel]?.(c.start + (k - 0.5) * c.periodMs) ?? 0;
        this.conversion = Math.max(-32768, Math.min(32767, Math.round((v / c.fsV) * 32768 + this.noiseLsb * this.rng.normal())));
        this.conversions++;
      }
      return;
    }
    if (this.pending && tMs >= this.busyUntil) {
      const { at, channel, fsV } = this.pending;
      const v = this.inputs[channel]?.(at) ?? 0;
      const code = Math.round((v / fsV) * 32768 + this.noiseLsb * this.rng.normal());
      this.conversion = Math.max(-32768, Math.min(32767, code));
      this.pending = null;
      this.conversions++;
    }
  }

  i2cWrite(bytes: Uint8Array, ackAtMs: readonly number[]): void {
    if (bytes.length === 0) return;
    const t = ackAtMs[ackAtMs.length - 1] ?? 0;
    this.settle(t);
    this.pointer = bytes[0]! & 0x03;
    if (bytes.length >= 3 && this.pointer === 0x01) {
      const cfg = (bytes[1]! << 8) | bytes[2]!;
      this.config = cfg & 0x7fff;
      const singleShot = (cfg & 0x0100) !== 0;
      const mux = (cfg >> 12) & 0x7;
      this.continuous = singleShot ? null : { start: t, periodMs: 1000 / RATES_SPS[(cfg >> 5) & 0x7]!, channel: mux >= 4 ? mux - 4 : -1, fsV: RANGES_V[(cfg >> 9) & 0x7]!, done: 0 };
      if (singleShot && (cfg & 0x8000) !== 0 && t >= this.busyUntil) {
        const periodMs = 1000 / RATES_SPS[(cfg >> 5) & 0x7]!;
        this.busyUntil = t + periodMs;
        // Single-ended codes 4..7 are AIN0..AIN3 to GND; differential codes read as AIN0-AIN1 etc. are not modelled (0 V).
        this.pending = { at: t + periodMs / 2, channel: mux >= 4 ? mux - 4 : -1, fsV: RANGES_V[(cfg >> 9) & 0x7]! };
      }
    }
  }

  i2cRead(length: number, atMs: readonly number[]): Uint8Array {
    const t = atMs[0] ?? 0;
    this.settle(t);
    let word: number;
    if (this.pointer === 0x00) word = this.conversion & 0xffff;
    else if (this.pointer === 0x01) word = this.config | (t >= this.busyUntil ? 0x8000 : 0);
    else word = this.pointer === 0x02 ? 0x8000 : 0x7fff; // threshold registers' defaults
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = i % 2 === 0 ? word >> 8 : word & 0xff;
    return out;
  }
}
