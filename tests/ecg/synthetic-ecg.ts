// Synthetic ECG-like signals for detector tests that need no data set: each beat is a sum of
// Gaussian waves (P, Q, R, S, T) at fixed offsets from the R peak, plus baseline wander and
// Gaussian noise, in ADC counts around mid-rail (AD8232 style: 1 mV ~ 225 counts).
import { Rng } from '../../sim/rng.ts';

export interface SyntheticEcgOptions {
  samplingFrequencyHz: number;
  /** RR intervals in ms, one per beat after the first. */
  rrMs: number[];
  /** Time of the first R peak (ms). */
  firstBeatMs?: number;
  /** Total duration (ms); default: last beat + 1 s. */
  durationMs?: number;
  /** R-wave amplitude in counts (default 225 = 1 mV). */
  rAmplitude?: number;
  /** T-wave amplitude relative to R (default 0.3). */
  tRelative?: number;
  /** White-noise SD in counts (default 3). */
  noiseCounts?: number;
  /** Baseline wander amplitude in counts at 0.3 Hz (default 20). */
  wanderCounts?: number;
  baselineCounts?: number;
  seed?: number;
  /** Scales each beat's amplitude: (beatIndex) => factor. */
  beatScale?: (i: number) => number;
  /** Sign of the QRS (-1 for an inverted lead). */
  polarity?: number;
}

export interface SyntheticEcg {
  samples: Float64Array;
  /** R-peak times in ms. */
  rPeaksMs: number[];
}

const WAVES = [
  // offset ms, width (sd) ms, amplitude relative to R
  { at: -160, sd: 20, amp: 0.12 }, // P
  { at: -25, sd: 8, amp: -0.12 }, // Q
  { at: 0, sd: 10, amp: 1 }, // R
  { at: 28, sd: 9, amp: -0.25 }, // S
];

export function syntheticEcg(o: SyntheticEcgOptions): SyntheticEcg {
  const fs = o.samplingFrequencyHz;
  const rng = new Rng(o.seed ?? 1);
  const peaks: number[] = [o.firstBeatMs ?? 600];
  for (const rr of o.rrMs) peaks.push(peaks[peaks.length - 1]! + rr);
  const duration = o.durationMs ?? peaks[peaks.length - 1]! + 1000;
  const n = Math.floor((duration * fs) / 1000);
  const x = new Float64Array(n);
  const a = o.rAmplitude ?? 225;
  const tRel = o.tRelative ?? 0.3;
  const pol = o.polarity ?? 1;
  const wander = o.wanderCounts ?? 20;
  const noise = o.noiseCounts ?? 3;
  for (let i = 0; i < n; i++) {
    const t = (i * 1000) / fs;
    x[i] = (o.baselineCounts ?? 512) + wander * Math.sin(2 * Math.PI * 0.3 * (t / 1000)) + noise * rng.normal();
  }
  peaks.forEach((p, bi) => {
    const scale = (o.beatScale?.(bi) ?? 1) * a;
    const rr = bi > 0 ? p - peaks[bi - 1]! : 800;
    // T wave later at slower rates (QT shortens with rate), as in real ECGs.
    const waves = [...WAVES.map((w) => ({ ...w, amp: w.amp * pol })), { at: 0.35 * Math.sqrt(rr / 1000) * 1000 - 30, sd: 40, amp: tRel }];
    for (const w of waves) {
      const lo = Math.max(0, Math.floor(((p + w.at - 5 * w.sd) * fs) / 1000));
      const hi = Math.min(n - 1, Math.ceil(((p + w.at + 5 * w.sd) * fs) / 1000));
      for (let i = lo; i <= hi; i++) {
        const dt = (i * 1000) / fs - (p + w.at);
        x[i]! += scale * w.amp * Math.exp(-(dt * dt) / (2 * w.sd * w.sd));
      }
    }
  });
  return { samples: x, rPeaksMs: peaks.filter((p) => p < duration) };
}

/** Regular RR intervals with Gaussian variability. */
export function regularRr(count: number, meanMs: number, sdMs: number, seed = 2): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => meanMs + sdMs * rng.normal());
}

/** Matches detections (ms) to reference peaks (ms) within `tolMs`: counts and timing errors. */
export function matchBeats(refMs: number[], detMs: number[], tolMs: number, fromMs = 0): { tp: number; fp: number; fn: number; maxErrMs: number } {
  const used = new Set<number>();
  let tp = 0, fn = 0, maxErr = 0;
  for (const r of refMs) {
    if (r < fromMs) continue;
    let best = -1;
    for (let k = 0; k < detMs.length; k++) {
      if (used.has(k) || Math.abs(detMs[k]! - r) > tolMs) continue;
      if (best < 0 || Math.abs(detMs[k]! - r) < Math.abs(detMs[best]! - r)) best = k;
    }
    if (best < 0) fn++;
    else { used.add(best); tp++; maxErr = Math.max(maxErr, Math.abs(detMs[best]! - r)); }
  }
  const fp = detMs.filter((d, k) => d >= fromMs && !used.has(k)).length;
  return { tp, fp, fn, maxErrMs: maxErr };
}
