// The heart's beat train. In sinus rhythm the RR tachogram follows McSharry et al. (IEEE TBME
// 50(3), 2003): a stationary process whose power spectrum is the sum of two Gaussians, one at the
// Mayer-wave frequency (LF, ~0.1 Hz) and one at the respiratory frequency (HF, ~0.25 Hz), with a
// set LF/HF power ratio and RR standard deviation. The paper synthesises it by inverse FFT of that
// spectrum with random phases; we use the equivalent continuous-time random-phase sum of
// sinusoids whose frequencies are drawn from each Gaussian, which is stationary, needs no block
// boundaries and streams for any duration. The mean RR follows the scenario's (time-varying)
// heart rate. Atrial fibrillation draws each RR independently from a wide log-normal
// distribution (no periodic components). Asystole produces no beats.
import type { Rhythm } from '../physiology.ts';
import type { Rng } from '../rng.ts';
import type { HrvSettings } from './scenarios.ts';

const TWO_PI = 2 * Math.PI;

/**
 * Zero-mean, unit-variance RR modulation x(t) with the bimodal LF/HF spectrum. As in the paper's
 * inverse-FFT synthesis, the components sit on a frequency grid of 1/period with amplitudes
 * sqrt(S(f)) fixed by the spectrum and only the phases random, so the LF/HF power ratio is the
 * configured one (over a full period exactly) rather than a random draw.
 */
export class RrVariability {
  private readonly omega: Float64Array;
  private readonly phase: Float64Array;
  private readonly amp: Float64Array;

  constructor(hrv: HrvSettings, rng: Rng, periodS = 1200) {
    const lfShare = hrv.lfHfRatio / (1 + hrv.lfHfRatio);
    const gauss = (f: number, c: number, sd: number) => Math.exp(-((f - c) ** 2) / (2 * sd * sd)) / sd;
    const spectrum = (f: number) => lfShare * gauss(f, hrv.lfHz, hrv.lfSdHz) + (1 - lfShare) * gauss(f, hrv.hfHz, hrv.hfSdHz);
    // Components beyond 3 sd of either peak carry < 1 % of its density; leave them out.
    const kLo = Math.max(1, Math.floor((hrv.lfHz - 3 * hrv.lfSdHz) * periodS));
    const kHi = Math.ceil((hrv.hfHz + 3 * hrv.hfSdHz) * periodS);
    const ks: number[] = [];
    const near = (f: number) => Math.abs(f - hrv.lfHz) <= 3 * hrv.lfSdHz || Math.abs(f - hrv.hfHz) <= 3 * hrv.hfSdHz;
    for (let k = kLo; k <= kHi; k++) if (near(k / periodS)) ks.push(k);
    this.omega = Float64Array.from(ks, (k) => (TWO_PI * k) / periodS);
    this.phase = Float64Array.from(ks, () => rng.uniform(0, TWO_PI));
    const raw = ks.map((k) => spectrum(k / periodS));
    const total = raw.reduce((a, b) => a + b, 0);
    // Each cosine carries amp^2/2 of variance; the variances sum to 1.
    this.amp = Float64Array.from(raw, (p) => Math.sqrt((2 * p) / total));
  }

  at(tS: number): number {
    let x = 0;
    for (let i = 0; i < this.omega.length; i++) x += this.amp[i]! * Math.cos(this.omega[i]! * tS + this.phase[i]!);
    return x;
  }
}

/** What the beat train needs from the scenario. */
export interface RhythmSource {
  heartRateBpm(tMs: number): number;
  rhythm(tMs: number): Rhythm;
  /** The first time >= tMs at which the rhythm is not asystole (Infinity if never). */
  asystoleEndsMs(tMs: number): number;
}

/** Where a consumer is in the beat train (each consumer keeps its own). */
export interface BeatCursor {
  k: number;
}

/** Standard deviation of the AF log-normal RR distribution (coefficient of variation ~0.25). */
const AF_LOG_SD = 0.25;
const KEEP_BEATS = 100_000;
/** Beats before t = 0, ms. */
export const WARMUP_MS = 6000;

export class BeatTrain {
  /** R-peak times, ms; index i holds beat base + i. The last entry may be Infinity (no more beats). */
  private times: number[] = [];
  /** The RR interval the heart was set to when each beat fired, ms (equal to the gap unless a pause follows). */
  private nominal: number[] = [];
  private base = 0;
  private readonly variability: RrVariability;
  private readonly hrSdBpm: number;

  constructor(private readonly source: RhythmSource, hrv: HrvSettings, private readonly rng: Rng) {
    this.variability = new RrVariability(hrv, rng.fork('rr-spectrum'));
    this.hrSdBpm = hrv.hrSdBpm;
    const rr0 = 60_000 / source.heartRateBpm(0);
    // The train starts a few seconds before t = 0 at a random phase, so the ECG model is past its
    // start-up transient by t = 0 and runs do not all begin on an R peak.
    const t0 = -WARMUP_MS - rng.uniform(0.05, 0.95) * rr0;
    this.times.push(t0);
    this.nominal.push(rr0);
    this.pushNext();
  }

  /** The RR interval set at `tMs` for the current rhythm, ms. */
  private drawRr(tMs: number): number {
    const hr = this.source.heartRateBpm(tMs);
    const meanRr = 60_000 / hr;
    if (this.source.rhythm(tMs) === 'atrial-fibrillation') {
      const z = this.rng.normal();
      const f = Math.exp(AF_LOG_SD * z - (AF_LOG_SD * AF_LOG_SD) / 2);
      return meanRr * Math.min(2.0, Math.max(0.45, f));
    }
    return meanRr * (1 + (this.hrSdBpm / hr) * this.variability.at(tMs / 1000));
  }

  private pushNext(): void {
    const last = this.times[this.times.length - 1]!;
    if (last === Number.POSITIVE_INFINITY) return;
    const rr = this.drawRr(last);
    this.nominal[this.nominal.length - 1] = rr;
    let next = last + rr;
    if (this.source.rhythm(next) === 'asystole') {
      const end = this.source.asystoleEndsMs(next);
      // The beat after a pause comes one RR after the rhythm returns (or never).
      next = end === Number.POSITIVE_INFINITY ? end : end + this.drawRr(end);
    }
    this.times.push(next);
    this.nominal.push(Number.NaN);
  }

  /** Makes sure the beat interval containing tMs is known (its end beat included). */
  ensure(tMs: number): void {
    while (this.times[this.times.length - 1]! <= tMs) this.pushNext();
    if (this.times.length > 2 * KEEP_BEATS) {
      this.times.splice(0, KEEP_BEATS);
      this.nominal.splice(0, KEEP_BEATS);
      this.base += KEEP_BEATS;
    }
  }

  /**
   * Index i (relative to the arrays) of the beat starting the interval containing tMs, moving
   * the cursor. Before the first beat, returns 0.
   */
  locate(tMs: number, cursor: BeatCursor): number {
    this.ensure(tMs);
    let i = cursor.k - this.base;
    if (i < 0) i = 0;
    const ts = this.times;
    while (i > 0 && ts[i]! > tMs) i--;
    while (ts[i + 1]! <= tMs) i++;
    cursor.k = i + this.base;
    return i;
  }

  beatAt(i: number): number {
    return this.times[i]!;
  }

  nominalAt(i: number): number {
    return this.nominal[i]!;
  }

  /**
   * Cardiac phase at tMs, radians in [0, 2π): 0 at the R peak, advancing at ω = 2π/RR. During a
   * pause the phase runs on to π (the T-P segment) and holds there until half an RR before the
   * next beat.
   */
  phaseAt(tMs: number, cursor: BeatCursor): number {
    const i = this.locate(tMs, cursor);
    const t0 = this.times[i]!;
    const t1 = this.times[i + 1]!;
    const gap = t1 - t0;
    if (tMs < t0) return Math.PI; // before the first beat: resting in T-P
    const rr = this.nominal[i]!;
    if (!(gap > rr * 1.0001)) return (TWO_PI * (tMs - t0)) / gap;
    const half = rr / 2;
    if (tMs - t0 < half) return (Math.PI * (tMs - t0)) / half;
    if (t1 - tMs > half) return Math.PI;
    return TWO_PI - (Math.PI * (t1 - tMs)) / half;
  }

  /** R-peak times up to and including tMs, oldest first (beats older than ~100k may be dropped). */
  beatsUntil(tMs: number): number[] {
    const out: number[] = [];
    for (const t of this.times) {
      if (t > tMs) break;
      if (t >= 0) out.push(t);
    }
    return out;
  }
}
