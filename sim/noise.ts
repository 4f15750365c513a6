// Fast Gaussian noise for per-sample sensor noise: a table of standard-normal quantiles indexed by
// a 32-bit draw (no logarithm or square root per sample). The draws come from an sfc32 generator
// seeded from the run's Rng but kept in a typed array, so the per-sample path allocates nothing
// (numbers above 2^30 in plain object fields are boxed by V8). The tails are cut at about ±4 sd,
// which sensor noise never needs.
import type { Rng } from './rng.ts';

const BITS = 14;
const TABLE = (() => {
  const n = 1 << BITS;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = inverseNormal((i + 0.5) / n);
  // Rescale so the table itself has unit variance exactly.
  let s = 0;
  for (const v of t) s += v * v;
  const k = 1 / Math.sqrt(s / n);
  for (let i = 0; i < n; i++) t[i]! *= k;
  return t;
})();

/** Acklam's rational approximation of the normal quantile (relative error < 1.2e-9). */
function inverseNormal(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - pl) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export class GaussianNoise {
  private readonly s = new Uint32Array(4);

  constructor(rng: Rng) {
    for (let i = 0; i < 4; i++) this.s[i] = rng.nextU32();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** sfc32 on typed-array state. */
  private u32(): number {
    const s = this.s;
    const t = (s[0]! + s[1]! + s[3]!) >>> 0;
    s[3] = s[3]! + 1;
    s[0] = s[1]! ^ (s[1]! >>> 9);
    s[1] = s[2]! + (s[2]! << 3);
    s[2] = ((s[2]! << 21) | (s[2]! >>> 11)) + t;
    return t;
  }

  /** A standard-normal deviate. */
  next(): number {
    // u32() inlined: its result (mostly above 2^30) would be boxed if returned from a call.
    const s = this.s;
    const t = (s[0]! + s[1]! + s[3]!) >>> 0;
    s[3] = s[3]! + 1;
    s[0] = s[1]! ^ (s[1]! >>> 9);
    s[1] = s[2]! + (s[2]! << 3);
    s[2] = ((s[2]! << 21) | (s[2]! >>> 11)) + t;
    return TABLE[t >>> (32 - BITS)]!;
  }
}
