// A sinusoid sampled on a fixed time grid by rotating a unit phasor (two multiplies and adds per
// step instead of a sine of an ever-growing argument). Renormalised now and then so rounding
// never drifts the amplitude.

export class Phasor {
  private c: number;
  private s: number;
  private readonly dc: number;
  private readonly ds: number;
  private n = 0;

  /** sin(phase0 + k * step) for k = 0, 1, 2, ... */
  constructor(stepRad: number, phase0: number) {
    this.c = Math.cos(phase0);
    this.s = Math.sin(phase0);
    this.dc = Math.cos(stepRad);
    this.ds = Math.sin(stepRad);
  }

  /** The current value, sin(phase). */
  get sin(): number {
    return this.s;
  }

  advance(): void {
    const c = this.c * this.dc - this.s * this.ds;
    const s = this.s * this.dc + this.c * this.ds;
    if (++this.n === 4096) {
      this.n = 0;
      const k = 1 / Math.sqrt(c * c + s * s);
      this.c = c * k;
      this.s = s * k;
    } else {
      this.c = c;
      this.s = s;
    }
  }
}
