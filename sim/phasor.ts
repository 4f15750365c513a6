// A sinusoid sampled on a fixed time grid by rotating a unit phasor (two multiplies and adds per
// step instead of a sine of an ever-growing argument). Renormalised now and then so rounding
// never drifts the amplitude.

export class Phasor {
  /**
   * cos, sin, and the step's cos and sin, in one Float64Array: stored unboxed, so a step reads and
   * writes plain doubles (it runs twice per ECG sample).
   */
  private readonly v = new Float64Array(4);
  private n = 0;

  /** sin(phase0 + k * step) for k = 0, 1, 2, ... */
  constructor(stepRad: number, phase0: number) {
    const v = this.v;
    v[0] = Math.cos(phase0);
    v[1] = Math.sin(phase0);
    v[2] = Math.cos(stepRad);
    v[3] = Math.sin(stepRad);
  }

  /** The current value, sin(phase). */
  get sin(): number {
    return this.v[1]!;
  }

  advance(): void {
    const v = this.v;
    const c0 = v[0]!, s0 = v[1]!, dc = v[2]!, ds = v[3]!;
    const c = c0 * dc - s0 * ds;
    const s = s0 * dc + c0 * ds;
    if (++this.n === 4096) {
      this.n = 0;
      const k = 1 / Math.sqrt(c * c + s * s);
      v[0] = c * k;
      v[1] = s * k;
    } else {
      v[0] = c;
      v[1] = s;
    }
  }
}
