// Second-order Butterworth sections by the bilinear transform (with frequency pre-warping), for
// the analog filters of the sensor front-ends sampled at a fixed internal rate.

export class Biquad {
  private x1 = 0;
  private x2 = 0;
  private y1 = 0;
  private y2 = 0;

  private constructor(private readonly b0: number, private readonly b1: number, private readonly b2: number, private readonly a1: number, private readonly a2: number) {}

  static lowPass(cutoffHz: number, fsHz: number): Biquad {
    const k = Math.tan((Math.PI * cutoffHz) / fsHz);
    const q = Math.SQRT1_2;
    const norm = 1 / (1 + k / q + k * k);
    const b0 = k * k * norm;
    return new Biquad(b0, 2 * b0, b0, 2 * (k * k - 1) * norm, (1 - k / q + k * k) * norm);
  }

  static highPass(cutoffHz: number, fsHz: number): Biquad {
    const k = Math.tan((Math.PI * cutoffHz) / fsHz);
    const q = Math.SQRT1_2;
    const norm = 1 / (1 + k / q + k * k);
    return new Biquad(norm, -2 * norm, norm, 2 * (k * k - 1) * norm, (1 - k / q + k * k) * norm);
  }

  step(x: number): number {
    const y = this.b0 * x + this.b1 * this.x1 + this.b2 * this.x2 - this.a1 * this.y1 - this.a2 * this.y2;
    this.x2 = this.x1;
    this.x1 = x;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }

  /** Starts from rest with a steady input x (no step transient). */
  reset(x = 0, steadyOut = 0): void {
    this.x1 = this.x2 = x;
    this.y1 = this.y2 = steadyOut;
  }
}
