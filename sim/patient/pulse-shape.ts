// One heartbeat's waveform as a table over the beat's phase 0..1, normalised to 0 at the foot
// (both ends, so consecutive beats join) and 1 at the peak. Optionally reshaped by a power so that
// its mean over the beat is a set value (the arterial pressure needs MAP = DBP + (SBP - DBP) / 3).

const N = 1024;

export class PulseShape {
  private readonly table = new Float64Array(N + 1);
  /** Mean of the shape over one beat. */
  readonly mean: number;

  constructor(raw: (phase: number) => number, targetMean?: number) {
    const r0 = raw(0);
    const r1 = raw(1);
    // Remove the ramp between the ends so the shape starts and ends at the same level.
    for (let i = 0; i <= N; i++) {
      const p = i / N;
      this.table[i] = raw(p) - (r0 + (r1 - r0) * p);
    }
    let lo = Infinity, hi = -Infinity;
    for (const v of this.table) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    for (let i = 0; i <= N; i++) this.table[i] = (this.table[i]! - lo) / (hi - lo);
    if (targetMean !== undefined) {
      // Bisection on the exponent: mean(shape^g) falls as g grows, with max 1 and min 0 kept.
      let gLo = 0.05, gHi = 20;
      for (let it = 0; it < 60; it++) {
        const g = Math.sqrt(gLo * gHi);
        if (meanOf(this.table, g) > targetMean) gLo = g;
        else gHi = g;
      }
      const g = Math.sqrt(gLo * gHi);
      for (let i = 0; i <= N; i++) this.table[i] = this.table[i]! ** g;
    }
    this.mean = meanOf(this.table, 1);
  }

  /** Shape value at a phase in [0, 1] (clamped). */
  at(phase: number): number {
    if (!(phase > 0)) return this.table[0]!;
    if (phase >= 1) return this.table[N]!;
    const x = phase * N;
    const i = x | 0;
    const f = x - i;
    return this.table[i]! + (this.table[i + 1]! - this.table[i]!) * f;
  }
}

/** Trapezoid mean of table^g over [0, 1]. */
function meanOf(t: Float64Array, g: number): number {
  let s = 0;
  for (let i = 0; i < N; i++) s += (t[i]! ** g + t[i + 1]! ** g) / 2;
  return s / N;
}
