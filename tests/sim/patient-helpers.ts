// Shared analysis helpers for the patient tests (not a test file itself).

/** RR intervals from beat times. */
export function rrIntervals(beats: readonly number[]): number[] {
  return beats.slice(1).map((t, i) => t - beats[i]!);
}

export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  return { mean, sd };
}

/**
 * Power of the RR tachogram (resampled at 4 Hz, mean removed) in frequency bands, by direct DFT:
 * the standard HRV analysis.
 */
export function tachogramBandPower(beats: readonly number[], bands: ReadonlyArray<readonly [number, number]>): number[] {
  const rr = rrIntervals(beats);
  const tRr = beats.slice(1);
  const fs = 4;
  const start = tRr[0]!, end = tRr[tRr.length - 1]!;
  const xs: number[] = [];
  let j = 0;
  for (let t = start; t <= end; t += 1000 / fs) {
    while (tRr[j + 1]! < t) j++;
    const f = (t - tRr[j]!) / (tRr[j + 1]! - tRr[j]!);
    xs.push(rr[j]! + (rr[j + 1]! - rr[j]!) * Math.min(1, Math.max(0, f)));
  }
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const n = xs.length;
  return bands.map(([lo, hi]) => {
    let p = 0;
    for (let k = Math.ceil((lo * n) / fs); k <= Math.floor((hi * n) / fs); k++) {
      let re = 0, im = 0;
      for (let i = 0; i < n; i++) {
        const a = (-2 * Math.PI * k * i) / n;
        re += (xs[i]! - m) * Math.cos(a);
        im += (xs[i]! - m) * Math.sin(a);
      }
      p += re * re + im * im;
    }
    return p;
  });
}
