// Heart rate and rhythm flags from R-peak times. Pure arithmetic on a preallocated ring of RR
// intervals; no knowledge of the signal (faults are the caller's business, see ecg-monitor.ts).
//
// Irregularity (as in atrial fibrillation) uses three RR-interval statistics over the last 32
// intervals, following Dash et al., "Automatic real time detection of atrial fibrillation", Ann
// Biomed Eng 37(9), 2009, on what is left after two clean-ups:
//   - premature beat + compensatory pause pairs (short < 0.8 median, then long > 1.2 median,
//     together 1.75..2.25 medians) are left out: isolated ectopic beats are not AF; with fewer than
//     16 intervals left the window is frequent ectopy and not judged irregular;
//   - the 2 longest and 2 shortest of the rest are trimmed (a missed or extra detection).
// Then, all three must hold:
//   - normalised RMSSD (RMS of successive differences / mean RR) > 0.12: sinus rhythm with normal
//     variability stays well below (simulated RR 800 +- 30 ms: 99th percentile 0.057);
//   - Shannon entropy of the RR histogram (16 bins between min and max, normalised to 0..1) > 0.7
//     (Dash's threshold): patterned rhythms with a few distinct RR values (bigeminy, 2:1/3:2
//     block) give at most 0.58 in simulation, random RR mostly 0.73-0.95;
//   - turning-point ratio within 0.40..0.90: 99 % of random 28-interval sequences fall within
//     0.46..0.85 (Dash's 0.54..0.77 is for 128 beats); rejects slow trends and strict alternation.
// Measured: simulated AF windows (3000; uniform 400-1000 ms, uniform 350-700 ms, normal 600 +- 120
// ms) flagged 99.8 %; windows of the 23 MIT-BIH development records (no AF, but frequent PVCs,
// bigeminy, paced rhythm, marked sinus arrhythmia), from detected beats, flagged 0.99 % (58/5870,
// mostly 113's sinus arrhythmia and 106's runs of PVCs). A looser ectopy rule (0.85/1.15,
// 1.7..2.3) flags 0.66 % of MIT-BIH but finds 98.5 % of AF; nRMSSD > 0.10 flags more sinus rhythm.
// A single metric is not enough: entropy is as high for sinus rhythm with normal variability as
// for AF (the bins span min..max), and RMSSD is high for bigeminy.

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
  /** RR intervals the metrics were computed from (after removing ectopic pairs and trimming). */
  intervals: number;
  /** Intervals left out as premature beat + compensatory pause. */
  ectopicIntervals: number;
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
const NRMSSD_MIN = 0.12;
const ENTROPY_MIN = 0.7;
const TPR_MIN = 0.4;
const TPR_MAX = 0.9;
const BINS = 16;
/** Fewer intervals than this left after removing ectopic pairs: frequent ectopy, not judged AF. */
const MIN_INTERVALS = 16;

// Scratch for irregularityMetrics, reused between calls (it runs once a second on the device):
// grown only when a longer sequence comes.
let scratchKept = new Float64Array(64);
let scratchX = new Float64Array(64);
let scratchFlags = new Uint8Array(64);
const binCounts = new Int32Array(BINS);

/** Irregularity metrics of a sequence of RR intervals (any unit), trimmed of its extremes. */
export function irregularityMetrics(rr: ArrayLike<number>, trim = TRIM): IrregularityMetrics | undefined {
  const n = rr.length;
  if (n < 8) return undefined;
  if (scratchKept.length < n) {
    scratchKept = new Float64Array(2 * n);
    scratchX = new Float64Array(2 * n);
    scratchFlags = new Uint8Array(2 * n);
  }
  // Median by insertion sort into the scratch (n is 32 on the device).
  const sorted = scratchKept;
  for (let i = 0; i < n; i++) {
    const v = rr[i]!;
    let j = i - 1;
    while (j >= 0 && sorted[j]! > v) {
      sorted[j + 1] = sorted[j]!;
      j--;
    }
    sorted[j + 1] = v;
  }
  const med = sorted[n >> 1]!;
  // Premature beat + compensatory pause (short then long, together about two normal intervals):
  // the signature of an isolated ectopic beat, not of AF. Such pairs are left out.
  const ectopic = scratchFlags;
  ectopic.fill(0, 0, n);
  for (let i = 0; i + 1 < n; i++) {
    const a = rr[i]!, b = rr[i + 1]!;
    if (a < 0.8 * med && b > 1.2 * med && a + b > 1.75 * med && a + b < 2.25 * med) ectopic[i] = ectopic[i + 1] = 1;
  }
  let ectopicIntervals = 0;
  const kept = scratchKept;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (ectopic[i]) ectopicIntervals++;
    else kept[k++] = rr[i]!;
  }
  if (k - 2 * trim < 8) return { intervals: 0, ectopicIntervals, normalizedRmssd: 0, shannonEntropy: 0, turningPointRatio: 0 };
  // Drop the `trim` smallest (ties: earliest first) and largest (ties: latest first) values,
  // keeping the order of the rest - what a stable sort of the indices would select.
  const drop = scratchFlags;
  drop.fill(0, 0, k);
  for (let t = 0; t < trim; t++) {
    let at = -1;
    for (let i = 0; i < k; i++) if (!drop[i] && (at < 0 || kept[i]! < kept[at]!)) at = i;
    drop[at] = 1;
  }
  for (let t = 0; t < trim; t++) {
    let at = -1;
    for (let i = 0; i < k; i++) if (!drop[i] && (at < 0 || kept[i]! >= kept[at]!)) at = i;
    drop[at] = 1;
  }
  const x = scratchX;
  let m = 0;
  for (let i = 0; i < k; i++) if (!drop[i]) x[m++] = kept[i]!;
  let mean = 0;
  for (let i = 0; i < m; i++) mean += x[i]!;
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
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < m; i++) {
    const v = x[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  let shannonEntropy = 0;
  if (hi > lo) {
    binCounts.fill(0);
    for (let i = 0; i < m; i++) binCounts[Math.min(BINS - 1, Math.floor(((x[i]! - lo) / (hi - lo)) * BINS))]!++;
    for (let b = 0; b < BINS; b++) {
      const c = binCounts[b]!;
      if (c > 0) shannonEntropy -= (c / m) * Math.log(c / m);
    }
    shannonEntropy /= Math.log(BINS);
  }
  return { intervals: m, ectopicIntervals, normalizedRmssd, shannonEntropy, turningPointRatio };
}

export function isIrregular(m: IrregularityMetrics): boolean {
  return m.intervals >= MIN_INTERVALS && m.normalizedRmssd > NRMSSD_MIN && m.shannonEntropy > ENTROPY_MIN && m.turningPointRatio >= TPR_MIN && m.turningPointRatio <= TPR_MAX;
}

export class RhythmAnalyzer {
  private readonly rr = new Float64Array(IRREGULARITY_WINDOW);
  private readonly scratch = new Float64Array(RATE_WINDOW);
  /** The RR ring, oldest first, for irregularityMetrics (no array per report). */
  private readonly ordered = new Float64Array(IRREGULARITY_WINDOW);
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
    let irregularity: IrregularityMetrics | undefined;
    if (this.rrCount >= IRREGULARITY_WINDOW) {
      for (let i = 0; i < IRREGULARITY_WINDOW; i++) this.ordered[i] = this.rr[(this.rrCount - IRREGULARITY_WINDOW + i) % IRREGULARITY_WINDOW]!;
      irregularity = irregularityMetrics(this.ordered);
    }
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
