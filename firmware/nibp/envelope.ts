// From the oscillation envelope (beat amplitude against cuff pressure, collected during a linear
// deflation) to blood pressure by the maximum-amplitude algorithm:
//   MAP = cuff pressure of the largest oscillations (vertex of a quadratic fitted to the top of
//         the smoothed envelope);
//   SBP = pressure above MAP where the envelope falls to SYSTOLIC_RATIO of its maximum;
//   DBP = pressure below MAP where it falls to DIASTOLIC_RATIO of its maximum.
// Fixed characteristic ratios are what most commercial devices use. Published values: Geddes et
// al. (1982) SBP 0.55 / DBP 0.85 (0.85 applies to MAP < 90 with ratios shifting for higher MAP);
// Sapinski (1996) 0.5 / 0.8; Drzewiecki et al. (1994) derive 0.5-0.6 and 0.7-0.8 from the
// arterial compliance curve. We use 0.55 and 0.75: see README.md for how they were checked.
// The analysis works on caller-owned typed arrays and allocates only its small result.

export const SYSTOLIC_RATIO = 0.52;
export const DIASTOLIC_RATIO = 0.67;

const MAX_GAP_MMHG = 12;

export type EnvelopeFailure = 'too-few-beats' | 'too-small' | 'systolic-not-found' | 'diastolic-not-found' | 'motion';

export type EnvelopeEstimate =
  | { ok: true; systolicMmHg: number; diastolicMmHg: number; meanArterialMmHg: number; maxAmplitudeMmHg: number; artefactBeats: number }
  | { ok: false; reason: EnvelopeFailure; artefactBeats: number };

export interface EnvelopeOptions {
  systolicRatio?: number;
  diastolicRatio?: number;
  /** Smallest credible maximum oscillation, mmHg. */
  minAmplitudeMmHg?: number;
}

/**
 * `pressure` and `amplitude` hold `n` beats in the order recorded (falling pressure). `work` must
 * hold 3n numbers; it is overwritten.
 */
export function analyseEnvelope(
  pressure: Float64Array,
  amplitude: Float64Array,
  n: number,
  work: Float64Array,
  opts: EnvelopeOptions = {},
): EnvelopeEstimate {
  const rS = opts.systolicRatio ?? SYSTOLIC_RATIO;
  const rD = opts.diastolicRatio ?? DIASTOLIC_RATIO;
  const minAmp = opts.minAmplitudeMmHg ?? 0.3;
  if (n < 6) return { ok: false, reason: 'too-few-beats', artefactBeats: 0 };
  if (work.length < 3 * n) throw new RangeError('work array too small');
  const med = work.subarray(0, n);
  const sm = work.subarray(n, 2 * n);
  const m5 = work.subarray(2 * n, 3 * n);
  // Movement: a median of 5 follows the envelope's monotone flanks but not a burst of arm
  // movement, which makes several beats in a row too big or too small. Three such beats and the
  // reading is refused.
  let peak5 = 0;
  for (let i = 0; i < n; i++) {
    m5[i] = windowMedian(amplitude, Math.max(0, i - 2), Math.min(n - 1, i + 2));
    if (m5[i]! > peak5) peak5 = m5[i]!;
  }
  let artefacts = 0;
  for (let i = 0; i < n; i++) {
    const a = amplitude[i]!;
    const m = m5[i]!;
    // Too big where it matters; too small is a missed or partial beat, which the median of 3 and
    // the gap check below handle.
    if (a >= 0.4 * peak5 && a > 1.6 * m + 0.1) artefacts++;
  }
  if (artefacts >= 3) return { ok: false, reason: 'motion', artefactBeats: artefacts };
  // Median of 3 rejects single-beat artefacts (an ectopic beat, a twitch).
  med[0] = amplitude[0]!;
  med[n - 1] = amplitude[n - 1]!;
  for (let i = 1; i < n - 1; i++) med[i] = median3(amplitude[i - 1]!, amplitude[i]!, amplitude[i + 1]!);
  // (1, 2, 1) smoothing.
  sm[0] = (2 * med[0]! + med[1]!) / 3;
  sm[n - 1] = (2 * med[n - 1]! + med[n - 2]!) / 3;
  for (let i = 1; i < n - 1; i++) sm[i] = (med[i - 1]! + 2 * med[i]! + med[i + 1]!) / 4;
  let m = 0;
  for (let i = 1; i < n; i++) if (sm[i]! > sm[m]!) m = i;
  const aMax = sm[m]!;
  if (aMax < minAmp) return { ok: false, reason: 'too-small', artefactBeats: artefacts };
  // The top of a pulse envelope spans several beats; a narrow bump is a burst of movement.
  let lo = m;
  let hi = m;
  while (lo > 0 && sm[lo - 1]! >= 0.6 * aMax) lo--;
  while (hi < n - 1 && sm[hi + 1]! >= 0.6 * aMax) hi++;
  if (hi - lo + 1 < 5) return { ok: false, reason: 'motion', artefactBeats: artefacts };
  if (m === 0) return { ok: false, reason: 'systolic-not-found', artefactBeats: artefacts };
  if (m === n - 1) return { ok: false, reason: 'diastolic-not-found', artefactBeats: artefacts };

  // Systolic: walking up in pressure from the maximum, the first beat below rS * max.
  let sbp = Number.NaN;
  for (let i = m - 1; i >= 0; i--) {
    if (sm[i]! < rS * aMax) {
      sbp = crossing(pressure[i]!, sm[i]!, pressure[i + 1]!, sm[i + 1]!, rS * aMax);
      break;
    }
  }
  if (Number.isNaN(sbp)) return { ok: false, reason: 'systolic-not-found', artefactBeats: artefacts };
  let dbp = Number.NaN;
  for (let j = m + 1; j < n; j++) {
    if (sm[j]! < rD * aMax) {
      dbp = crossing(pressure[j]!, sm[j]!, pressure[j - 1]!, sm[j - 1]!, rD * aMax);
      break;
    }
  }
  if (Number.isNaN(dbp)) return { ok: false, reason: 'diastolic-not-found', artefactBeats: artefacts };
  // Missed beats leave a hole in the envelope; between systolic and diastolic that would make the
  // crossings guesses. More than 12 mmHg without a beat there (4 beats at 3 mmHg/s, 60/min):
  // refuse, as the beats were most likely masked by movement.
  for (let i = 1; i < n; i++) {
    if (pressure[i - 1]! > sbp + 5 && pressure[i]! > sbp + 5) continue;
    if (pressure[i - 1]! < dbp - 5) break;
    if (pressure[i - 1]! - pressure[i]! > MAX_GAP_MMHG) return { ok: false, reason: 'motion', artefactBeats: artefacts };
  }

  return { ok: true, systolicMmHg: sbp, diastolicMmHg: dbp, meanArterialMmHg: peakPressure(pressure, sm, n, m, aMax), maxAmplitudeMmHg: aMax, artefactBeats: artefacts };
}

const win = new Float64Array(5);

/** Median of a[lo..hi] (at most 5 values), by insertion sort into a fixed scratch array. */
function windowMedian(a: Float64Array, lo: number, hi: number): number {
  const k = hi - lo + 1;
  for (let i = 0; i < k; i++) {
    const x = a[lo + i]!;
    let j = i;
    while (j > 0 && win[j - 1]! > x) {
      win[j] = win[j - 1]!;
      j--;
    }
    win[j] = x;
  }
  return k % 2 ? win[(k - 1) / 2]! : (win[k / 2 - 1]! + win[k / 2]!) / 2;
}

function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

/** Pressure where the line from (p0, a0) (below threshold) to (p1, a1) reaches `thr`. */
function crossing(p0: number, a0: number, p1: number, a1: number, thr: number): number {
  if (a1 === a0) return p0;
  return p0 + ((thr - a0) * (p1 - p0)) / (a1 - a0);
}

/** Vertex of the least-squares parabola through the contiguous beats at >= 85 % of the max. */
function peakPressure(p: Float64Array, a: Float64Array, n: number, m: number, aMax: number): number {
  let lo = m;
  let hi = m;
  while (lo > 0 && a[lo - 1]! >= 0.85 * aMax) lo--;
  while (hi < n - 1 && a[hi + 1]! >= 0.85 * aMax) hi++;
  if (hi - lo < 2) {
    lo = Math.max(0, m - 1);
    hi = Math.min(n - 1, m + 1);
  }
  // Centre pressures on the max for conditioning.
  const pc = p[m]!;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, t0 = 0, t1 = 0, t2 = 0;
  for (let i = lo; i <= hi; i++) {
    const x = p[i]! - pc;
    const y = a[i]!;
    const x2 = x * x;
    s0 += 1; s1 += x; s2 += x2; s3 += x2 * x; s4 += x2 * x2;
    t0 += y; t1 += x * y; t2 += x2 * y;
  }
  // Solve the 3x3 normal equations for y = c0 + c1 x + c2 x^2 (Cramer's rule).
  const det = s0 * (s2 * s4 - s3 * s3) - s1 * (s1 * s4 - s3 * s2) + s2 * (s1 * s3 - s2 * s2);
  if (Math.abs(det) < 1e-12) return pc;
  const c1 = (s0 * (t1 * s4 - s3 * t2) - t0 * (s1 * s4 - s3 * s2) + s2 * (s1 * t2 - t1 * s2)) / det;
  const c2 = (s0 * (s2 * t2 - t1 * s3) - s1 * (s1 * t2 - t1 * s2) + t0 * (s1 * s3 - s2 * s2)) / det;
  if (!(c2 < 0)) return pc;
  const vertex = pc - c1 / (2 * c2);
  const pHi = p[lo]!;
  const pLo = p[hi]!;
  return Math.min(pHi, Math.max(pLo, vertex));
}
