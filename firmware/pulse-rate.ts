// Pulse rate from the analog pulse sensor, streaming and allocation-free per sample. The signal is
// de-trended (slow baseline), smoothed, and followed by slowly decaying upper and lower envelopes;
// a beat is a rising crossing of 60 % of the envelope span after the signal has been below 30 %
// (the hysteresis keeps the dicrotic wave from counting twice), no sooner than 250 ms after the
// last. The rate is 60000 / the trimmed mean of the inter-beat intervals of the last 10 s (like a
// monitor's averaging time: it smooths the breathing-driven swing of the instantaneous rate). A
// signal that is pinned to a rail, flat, or has stopped pulsing is a fault, never a rate.
import type { AnalogIn } from '../hal/analog.ts';
import type { Scheduler } from '../hal/clock.ts';
import { SampledMonitor } from './sampled-monitor.ts';

export type PulseFault = 'saturated' | 'flat' | 'no-pulse' | 'settling';
export type PulseReading = { kind: 'ok'; pulseRateBpm: number } | { kind: 'fault'; fault: PulseFault };

export interface PulseRateOptions {
  sampleRateHz: number;
  /** Largest ADC count (1023 on the Uno). */
  fullScale?: number;
  /** Smallest envelope span that counts as a pulse, ADC counts. */
  minSwingCounts?: number;
}

const IBI_SLOTS = 48;
/** Averaging window for the rate, ms. */
const WINDOW_MS = 10_000;
const MIN_IBI_MS = 250; // 240/min
const MAX_IBI_MS = 2000; // 30/min

export class PulseRateEstimator {
  private readonly dtMs: number;
  private readonly aBase: number;
  private readonly aSmooth: number;
  private readonly aEnv: number;
  private readonly aSat: number;
  private readonly fullScale: number;
  private readonly minSwing: number;
  private n = 0;
  private base = Number.NaN;
  private s = 0;
  private sPrev = 0;
  private hi = 0;
  private lo = 0;
  private armed = false;
  private satLevel = 0;
  private lastBeatMs = Number.NaN;
  private readonly ibis = new Float64Array(IBI_SLOTS);
  /** When each interval ended (beat time), ms. */
  private readonly ibiEnd = new Float64Array(IBI_SLOTS);
  private readonly sorted = new Float64Array(IBI_SLOTS);
  private ibiCount = 0;
  private ibiNext = 0;

  constructor(opts: PulseRateOptions) {
    if (!(opts.sampleRateHz >= 20 && opts.sampleRateHz <= 2000)) throw new RangeError(`sample rate ${opts.sampleRateHz} Hz outside 20..2000`);
    this.dtMs = 1000 / opts.sampleRateHz;
    const a = (tauMs: number) => 1 - Math.exp(-this.dtMs / tauMs);
    this.aBase = a(1500);
    this.aSmooth = a(1000 / (2 * Math.PI * 6));
    this.aEnv = a(1500);
    this.aSat = a(1000);
    this.fullScale = opts.fullScale ?? 1023;
    this.minSwing = opts.minSwingCounts ?? 8;
  }

  push(counts: number): void {
    const t = this.n * this.dtMs;
    this.n++;
    const sat = counts <= 1 || counts >= this.fullScale - 1 ? 1 : 0;
    this.satLevel += (sat - this.satLevel) * this.aSat;
    if (Number.isNaN(this.base)) this.base = counts;
    this.base += (counts - this.base) * this.aBase;
    this.sPrev = this.s;
    this.s += (counts - this.base - this.s) * this.aSmooth;
    const s = this.s;
    this.hi = s > this.hi ? s : this.hi + (s - this.hi) * this.aEnv;
    this.lo = s < this.lo ? s : this.lo + (s - this.lo) * this.aEnv;
    const span = this.hi - this.lo;
    if (span < this.minSwing) {
      this.armed = false;
      return;
    }
    const upper = this.lo + 0.6 * span;
    const lower = this.lo + 0.3 * span;
    if (s < lower) this.armed = true;
    else if (this.armed && this.sPrev < upper && s >= upper) {
      // Crossing time interpolated between the two samples.
      const beatMs = t - this.dtMs * ((s - upper) / (s - this.sPrev));
      if (Number.isNaN(this.lastBeatMs) || beatMs - this.lastBeatMs >= MIN_IBI_MS) {
        this.armed = false;
        if (!Number.isNaN(this.lastBeatMs)) {
          const ibi = beatMs - this.lastBeatMs;
          if (ibi <= MAX_IBI_MS) {
            this.ibis[this.ibiNext] = ibi;
            this.ibiEnd[this.ibiNext] = beatMs;
            this.ibiNext = (this.ibiNext + 1) % IBI_SLOTS;
            if (this.ibiCount < IBI_SLOTS) this.ibiCount++;
          } else this.ibiCount = this.ibiNext = 0;
        }
        this.lastBeatMs = beatMs;
      }
    }
  }

  /** Milliseconds of signal seen so far. */
  get elapsedMs(): number {
    return this.n * this.dtMs;
  }

  reading(): PulseReading {
    if (this.satLevel > 0.2) return { kind: 'fault', fault: 'saturated' };
    if (this.hi - this.lo < this.minSwing) return { kind: 'fault', fault: this.n * this.dtMs < 3000 ? 'settling' : 'flat' };
    const now = this.n * this.dtMs;
    const ibi = this.averageIbi(now);
    const sinceBeat = Number.isNaN(this.lastBeatMs) ? now : now - this.lastBeatMs;
    if (sinceBeat > Math.max(3000, 2.5 * ibi)) return { kind: 'fault', fault: now < 5000 ? 'settling' : 'no-pulse' };
    if (ibi === 0) return { kind: 'fault', fault: 'settling' };
    return { kind: 'ok', pulseRateBpm: 60_000 / ibi };
  }

  /**
   * Trimmed mean of the intervals that ended in the last WINDOW_MS (at least the last 3; the
   * longest and shortest dropped when there are 5 or more); 0 if fewer than 3 are known.
   */
  private averageIbi(now: number): number {
    if (this.ibiCount < 3) return 0;
    let k = 0;
    for (let back = 1; back <= this.ibiCount; back++) {
      const i = (this.ibiNext - back + IBI_SLOTS) % IBI_SLOTS;
      if (back > 3 && now - this.ibiEnd[i]! > WINDOW_MS) break;
      this.sorted[k++] = this.ibis[i]!;
    }
    let sum = 0, lo = Infinity, hi = -Infinity;
    for (let i = 0; i < k; i++) {
      const v = this.sorted[i]!;
      sum += v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return k >= 5 ? (sum - lo - hi) / (k - 2) : sum / k;
  }
}

/** Samples the pulse sensor's pin at a fixed rate on the board's scheduler. */
export class PulseRateMonitor extends SampledMonitor<PulseReading, PulseRateEstimator> {
  constructor(input: AnalogIn, scheduler: Scheduler, sampleRateHz: number) {
    super(input, scheduler, sampleRateHz, new PulseRateEstimator({ sampleRateHz, fullScale: (1 << input.bits) - 1 }));
  }
}
