// Heart rate and rhythm flags from R-peak times. Pure arithmetic on a preallocated ring of RR
// intervals; no knowledge of the signal (faults are the caller's business, see ecg-monitor.ts).
//
// Irregularity (as in atrial fibrillation) uses three RR-interval statistics over the last 32
// intervals, after trimming the 2 longest and 2 shortest (so isolated ectopic beats and a missed
// or extra detection do not count as irregularity), following Dash et al., "Automatic real time
// detection of atrial fibrillation", Ann Biomed Eng 37(9), 2009:
//   - normalised RMSSD (RMS of successive differences / mean RR) > 0.1: sinus rhythm with normal
//     heart-rate variability stays well below (simulated RR 800 +- 30 ms: 99th percentile 0.057),
//     random RR as in AF lies well above (400-1000 ms uniform: 1st percentile 0.20);
//   - Shannon entropy of the RR histogram (16 bins between min and max, normalised to 0..1) > 0.7
//     (Dash's threshold): patterned rhythms with a few distinct RR values - bigeminy, trigeminy,
//     2:1/3:2 block, sinus with 3 PVCs in 32 beats - give at most 0.58 (99th percentile), random
//     RR at least 0.79 (1st percentile), in 2000 simulated 32-interval windows each;
//   - turning-point ratio within 0.40..0.90: 99 % of random 28-interval sequences fall within
//     0.46..0.85 (Dash's 0.54..0.77 is for 128 beats); rejects slow monotonic trends and strict
//     alternation, which have few or only turning points.
// Irregular = all three. A single metric is not enough: entropy is as high for sinus rhythm with
// normal variability as for AF (the bins span min..max), and RMSSD is high for bigeminy.

export interface RhythmFlags {
  /** Heart rate below 50 /min. */
  bradycardia: boolean;
  /** Heart rate above 120 /min. */
  tachycardia: boolean;
  /** RR intervals irregular in the way atrial fibrillation is (see file comment). */
  irregular: boolean;
  /** No beat for more than 4 s. */
  asystole: boolean;
}

export interface IrregularityMetrics {
  /** RR intervals the metrics were computed from (after trimming). */
  intervals: number;
  normalizedRmssd: number;
  /** 0..1 */
  shannonEntropy: number;
  turningPointRatio: number;
}

export interface RhythmReport {
  /** 60000 / median of the last 8 RR intervals; undefined until 2 intervals are known. */
  heartRateBpm: number | undefined;
  /** The latest RR interval. */
  lastRrMs: number | undefined;
  /** Median of the last 8 RR intervals. */
  medianRrMs: number | undefined;
  /** Time since the last beat (or since analysis started, if no beat yet). */
  msSinceLastBeat: number;
  flags: RhythmFlags;
  irregularity: IrregularityMetrics | undefined;
}

export const BRADYCARDIA_BPM = 50;
export const TACHYCARDIA_BPM = 120;
export const ASYSTOLE_MS = 4000;
export const IRREGULARITY_WINDOW = 32;
const TRIM = 2;
const RATE_WINDOW = 8;
const NRMSSD_MIN = 0.1;
const ENTROPY_MIN = 0.7;
const TPR_MIN = 0.4;
const TPR_MAX = 0.9;
const BINS = 16;

/** Irregularity metrics of a sequence of RR intervals (any unit), trimmed of its extremes. */
export function irregularityMetrics(rr: ArrayLike<number>, trim = TRIM): IrregularityMetrics | undefined {
  const n = rr.length;
  if (n - 2 * trim < 8) return undefined;
  // Drop the `trim` largest and smallest values, keeping the order of the rest.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rr[a]! - rr[b]!);
  const drop = new Set(order.slice(0, trim).concat(order.slice(n - trim)));
  const x: number[] = [];
  for (let i = 0; i < n; i++) if (!drop.has(i)) x.push(rr[i]!);
  const m = x.length;
  let mean = 0;
  for (const v of x) mean += v;
  mean /= m;
  let ss = 0;
  for (let i = 1; i < m; i++) ss += (x[i]! - x[i - 1]!) ** 2;
  const normalizedRmssd = Math.sqrt(ss / (m - 1)) / mean;
  let tp = 0;
  for (let i = 1; i < m - 1; i++) {
    const a = x[i - 1]!, b = x[i]!, c = x[i + 1]!;
    if ((b > a && b > c) || (b < a && b < c)) tp++;
  }
  const turningPointRatio = tp / (m - 2);
  const lo = Math.min(...x), hi = Math.max(...x);
  let shannonEntropy = 0;
  if (hi > lo) {
    const counts = new Array<number>(BINS).fill(0);
    for (const v of x) counts[Math.min(BINS - 1, Math.floor(((v - lo) / (hi - lo)) * BINS))]!++;
    for (const c of counts) if (c > 0) shannonEntropy -= (c / m) * Math.log(c / m);
    shannonEntropy /= Math.log(BINS);
  }
  return { intervals: m, normalizedRmssd, shannonEntropy, turningPointRatio };
}

export function isIrregular(m: IrregularityMetrics): boolean {
  return m.normalizedRmssd > NRMSSD_MIN && m.shannonEntropy > ENTROPY_MIN && m.turningPointRatio >= TPR_MIN && m.turningPointRatio <= TPR_MAX;
}

export class RhythmAnalyzer {
  private readonly rr = new Float64Array(IRREGULARITY_WINDOW);
  private readonly scratch = new Float64Array(RATE_WINDOW);
  private rrCount = 0;
  private lastBeatMs: number | undefined;
  private startMs = 0;

  /** Forgets all beats, e.g. after a lead-off: intervals spanning a fault are meaningless. */
  reset(nowMs: number): void {
    this.rrCount = 0;
    this.lastBeatMs = undefined;
    this.startMs = nowMs;
  }

  /** Adds a beat (R-peak time in ms, non-decreasing). */
  addBeat(timeMs: number): void {
    if (this.lastBeatMs !== undefined) this.rr[this.rrCount++ % IRREGULARITY_WINDOW] = timeMs - this.lastBeatMs;
    this.lastBeatMs = timeMs;
  }

  /** RR intervals held, oldest first (at most 32). */
  intervals(): number[] {
    const k = Math.min(this.rrCount, IRREGULARITY_WINDOW);
    const out: number[] = [];
    for (let i = this.rrCount - k; i < this.rrCount; i++) out.push(this.rr[i % IRREGULARITY_WINDOW]!);
    return out;
  }

  report(nowMs: number): RhythmReport {
    const k = Math.min(this.rrCount, RATE_WINDOW);
    let medianRrMs: number | undefined;
    if (k >= 2) {
      for (let i = 0; i < k; i++) this.scratch[i] = this.rr[(this.rrCount - 1 - i) % IRREGULARITY_WINDOW]!;
      const s = this.scratch.subarray(0, k).sort();
      medianRrMs = k % 2 === 1 ? s[k >> 1]! : (s[k / 2 - 1]! + s[k / 2]!) / 2;
    }
    const heartRateBpm = medianRrMs !== undefined ? 60000 / medianRrMs : undefined;
    const msSinceLastBeat = nowMs - (this.lastBeatMs ?? this.startMs);
    const irregularity = this.rrCount >= IRREGULARITY_WINDOW ? irregularityMetrics(this.intervals()) : undefined;
    return {
      heartRateBpm,
      lastRrMs: this.rrCount > 0 ? this.rr[(this.rrCount - 1) % IRREGULARITY_WINDOW] : undefined,
      medianRrMs,
      msSinceLastBeat,
      flags: {
        bradycardia: heartRateBpm !== undefined && heartRateBpm < BRADYCARDIA_BPM,
        tachycardia: heartRateBpm !== undefined && heartRateBpm > TACHYCARDIA_BPM,
        irregular: irregularity !== undefined && isIrregular(irregularity),
        asystole: msSinceLastBeat > ASYSTOLE_MS,
      },
      irregularity,
    };
  }
}
