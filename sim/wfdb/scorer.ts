// Beat-by-beat comparison of detections against reference beat annotations, following the
// conventions of ANSI/AAMI EC57 as WFDB `bxb` applies them: a detection matches a reference beat
// within a match window (150 ms); each reference beat and each detection match at most once;
// only beats from the start of the scoring period (5 minutes in) count.

export interface BeatScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** TP / (TP + FN); NaN when there is no reference beat. */
  sensitivity: number;
  /** TP / (TP + FP); NaN when there is no detection. */
  positivePredictivity: number;
}

export interface ScoreOptions {
  samplingFrequencyHz: number;
  /** Match window either side of a reference beat (default 150 ms). */
  matchWindowMs?: number;
  /** Start of the scored period (default 300 s = 5 min). */
  scoringStartS?: number;
}

export function makeScore(tp: number, fp: number, fn: number): BeatScore {
  return { truePositives: tp, falsePositives: fp, falseNegatives: fn, sensitivity: tp / (tp + fn), positivePredictivity: tp / (tp + fp) };
}

/**
 * Scores `detections` against `reference` (both sample indices, sorted ascending). Matching is
 * done over the whole record so that a beat just before the scoring start cannot steal or donate a
 * match across the boundary; only matches and misses at or after the start are counted.
 */
export function scoreBeats(reference: ArrayLike<number>, detections: ArrayLike<number>, opts: ScoreOptions): BeatScore {
  const win = ((opts.matchWindowMs ?? 150) / 1000) * opts.samplingFrequencyHz;
  const start = (opts.scoringStartS ?? 300) * opts.samplingFrequencyHz;
  const nr = reference.length;
  const nd = detections.length;
  const detUsed = new Uint8Array(nd);
  const refUsed = new Uint8Array(nr);
  // Greedy in time order; a detection is given to the closer of two neighbouring reference beats.
  let j = 0;
  for (let i = 0; i < nr; i++) {
    const r = reference[i]!;
    while (j < nd && detections[j]! < r - win) j++;
    let best = -1;
    let bestDist = Infinity;
    for (let k = j; k < nd && detections[k]! <= r + win; k++) {
      if (detUsed[k]) continue;
      const d = Math.abs(detections[k]! - r);
      // Leave a detection to the next reference beat when it is closer to that one.
      const next = i + 1 < nr ? reference[i + 1]! : Infinity;
      if (detections[k]! > r && Math.abs(next - detections[k]!) < d) continue;
      if (d < bestDist) { bestDist = d; best = k; }
    }
    if (best >= 0) { detUsed[best] = 1; refUsed[i] = 1; }
  }
  let tp = 0, fn = 0, fp = 0;
  for (let i = 0; i < nr; i++) {
    if (reference[i]! < start) continue;
    if (refUsed[i]) tp++;
    else fn++;
  }
  for (let k = 0; k < nd; k++) if (!detUsed[k] && detections[k]! >= start) fp++;
  return makeScore(tp, fp, fn);
}

/** Sums per-record scores into a gross score. */
export function grossScore(scores: BeatScore[]): BeatScore {
  let tp = 0, fp = 0, fn = 0;
  for (const s of scores) { tp += s.truePositives; fp += s.falsePositives; fn += s.falseNegatives; }
  return makeScore(tp, fp, fn);
}
