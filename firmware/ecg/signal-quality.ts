// Signal-quality supervision of an ECG channel: lead-off, saturated ADC, flat line, excessive
// high-frequency noise. Whatever it reports is a sensor FAULT, to be shown as such, never as a heart
// rate and never as asystole. Works in blocks of 1 s on preallocated state.

import { BiquadCascade, butterworth } from './biquad.ts';

export type EcgFault = 'lead-off' | 'saturated' | 'flat' | 'noisy';

export interface SignalQualityOptions {
  samplingFrequencyHz: number;
  /** Lowest ADC output (a sample at or below is at the rail). Default: none (no rail check). */
  railLowCounts?: number;
  /** Highest ADC output. Default: none. */
  railHighCounts?: number;
  /**
   * Peak-to-peak range (input units) at or below which a 1 s block counts as a flat line: a stuck
   * or dead channel, not a heart. Default 1 (one LSB of an ADC in counts): an AD8232 with leads on
   * shows at least its own noise (~10 uV p-p at the input, ~2 counts at 10 bits) plus baseline
   * wander, even in asystole, which must stay asystole and not become a fault.
   */
  flatPeakToPeak?: number;
}

/** Fraction of a block at the rails that makes it saturated. */
const SATURATED_FRACTION = 0.2;
/**
 * RMS above ~40 Hz over the QRS-band (5-15 Hz) RMS of recent blocks that contained beats, beyond
 * which a block is too noisy (EMG, mains hum). On MIT-BIH (all 23 development records, 1 s
 * blocks against the block's own band RMS) the 99th percentile per record is 0.09-0.81 and the
 * maximum 2.5 (in noise bursts of records 104, 114 and 116).
 *
 * The reference is the band RMS of blocks WITH beats, frozen while none come: otherwise the quiet
 * line of a real asystole, where the little noise left is mostly high-frequency, would read as
 * "noisy" and an emergency would be reported as a sensor fault.
 */
export const NOISE_RATIO_MAX = 1.5;
const REFERENCE_BLOCKS = 8;
/** Consecutive good blocks needed before a fault clears (hysteresis). */
const CLEAR_BLOCKS = 2;

export class SignalQuality {
  readonly samplingFrequencyHz: number;
  private readonly block: number;
  private readonly railLow: number;
  private readonly railHigh: number;
  private readonly flatPtp: number;
  private readonly hf: BiquadCascade;
  private readonly band: BiquadCascade;
  private n = -1;
  private offset = 0;
  private k = 0;
  private min = Infinity;
  private max = -Infinity;
  private atRail = 0;
  /**
   * The block's sums of squares, high-frequency [0] and QRS band [1]: added to every sample, kept
   * in a Float64Array so the doubles are stored unboxed.
   */
  private readonly sq = new Float64Array(2);
  private leadOffInBlock = false;
  private leadOffNow = false;
  private blockFault: EcgFault | undefined = undefined;
  private current: EcgFault | undefined = undefined;
  private goodBlocks = 0;
  private beatInBlock = false;
  private readonly refBand = new Float64Array(REFERENCE_BLOCKS);
  private readonly refScratch = new Float64Array(REFERENCE_BLOCKS);
  private refCount = 0;
  /** Last block's high-frequency / QRS-band RMS ratio. */
  lastNoiseRatio = 0;

  constructor(opts: SignalQualityOptions) {
    const fs = opts.samplingFrequencyHz;
    this.samplingFrequencyHz = fs;
    this.block = Math.round(fs);
    this.railLow = opts.railLowCounts ?? -Infinity;
    this.railHigh = opts.railHighCounts ?? Infinity;
    this.flatPtp = opts.flatPeakToPeak ?? 1;
    this.hf = new BiquadCascade(butterworth('highpass', 4, Math.min(40, 0.4 * fs), fs));
    this.band = new BiquadCascade([...butterworth('highpass', 2, 5, fs), ...butterworth('lowpass', 4, 15, fs)]);
  }

  /** Processes one sample; `leadOff` is LO+ or LO- of the AD8232 at this sample. */
  push(x: number, leadOff = false): void {
    if (++this.n === 0) this.offset = x;
    const v = x - this.offset;
    this.hf.feed(v);
    this.band.feed(v);
    const h = this.hf.out[0]!, b = this.band.out[0]!;
    if (leadOff) {
      this.leadOffInBlock = true;
      this.current = 'lead-off'; // immediately, not at the end of the block
      this.goodBlocks = 0;
    }
    this.leadOffNow = leadOff;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (x <= this.railLow || x >= this.railHigh) this.atRail++;
    this.sq[0] += h * h;
    this.sq[1] += b * b;
    if (++this.k === this.block) this.endBlock();
  }

  /** Tells the supervisor a beat was detected (it keeps the QRS-band level of beating blocks). */
  noteBeat(): void {
    this.beatInBlock = true;
  }

  private referenceBandRms(): number | undefined {
    const k = Math.min(this.refCount, REFERENCE_BLOCKS);
    if (k < 2) return undefined;
    const s = this.refScratch;
    for (let i = 0; i < REFERENCE_BLOCKS; i++) s[i] = i < k ? this.refBand[i]! : Infinity;
    s.sort();
    return s[k >> 1];
  }

  private endBlock(): void {
    const bandRms = Math.sqrt(this.sq[1]! / this.block);
    const hfRms = Math.sqrt(this.sq[0]! / this.block);
    const ref = this.referenceBandRms() ?? bandRms;
    this.lastNoiseRatio = ref > 0 ? hfRms / ref : hfRms > 0 ? Infinity : 0;
    let f: EcgFault | undefined;
    if (this.leadOffInBlock) f = 'lead-off';
    else if (this.atRail >= SATURATED_FRACTION * this.block) f = 'saturated';
    else if (this.max - this.min <= this.flatPtp) f = 'flat';
    else if (this.lastNoiseRatio > NOISE_RATIO_MAX) f = 'noisy';
    this.blockFault = f;
    if (f === undefined && this.beatInBlock) this.refBand[this.refCount++ % REFERENCE_BLOCKS] = bandRms;
    this.beatInBlock = false;
    if (f !== undefined) {
      this.current = f;
      this.goodBlocks = 0;
    } else if (this.current !== undefined && ++this.goodBlocks >= CLEAR_BLOCKS) {
      this.current = undefined;
    }
    this.k = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.atRail = 0;
    this.sq[0] = 0;
    this.sq[1] = 0;
    this.leadOffInBlock = this.leadOffNow;
  }

  /** The fault in force, or undefined when the signal is usable. */
  fault(): EcgFault | undefined {
    return this.current;
  }

  /** The verdict on the last complete block alone (no hysteresis). */
  lastBlockFault(): EcgFault | undefined {
    return this.blockFault;
  }
}
