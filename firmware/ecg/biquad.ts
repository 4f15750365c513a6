// Second-order IIR sections designed at run time for the sample rate in use (bilinear transform,
// as in R. Bristow-Johnson's audio EQ cookbook), so one detector serves any rate from 100 to 500 Hz.

export interface BiquadCoefficients { b0: number; b1: number; b2: number; a1: number; a2: number }

function design(kind: 'lowpass' | 'highpass', cutoffHz: number, q: number, fsHz: number): BiquadCoefficients {
  if (!(cutoffHz > 0 && cutoffHz < fsHz / 2)) throw new RangeError(`cutoff ${cutoffHz} Hz must lie in (0, ${fsHz / 2}) Hz`);
  const w0 = (2 * Math.PI * cutoffHz) / fsHz;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const a0 = 1 + alpha;
  const b = kind === 'lowpass' ? [(1 - cos) / 2, 1 - cos, (1 - cos) / 2] : [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2];
  return { b0: b[0]! / a0, b1: b[1]! / a0, b2: b[2]! / a0, a1: (-2 * cos) / a0, a2: (1 - alpha) / a0 };
}

/** Q factors of the second-order sections of an even-order Butterworth filter. */
export function butterworthQs(order: number): number[] {
  const qs: number[] = [];
  for (let k = 0; k < order / 2; k++) qs.push(1 / (2 * Math.sin(((2 * k + 1) * Math.PI) / (2 * order))));
  return qs;
}

export function butterworth(kind: 'lowpass' | 'highpass', order: number, cutoffHz: number, fsHz: number): BiquadCoefficients[] {
  if (order < 2 || order % 2 !== 0) throw new RangeError('order must be even and at least 2');
  return butterworthQs(order).map((q) => design(kind, cutoffHz, q, fsHz));
}

/** A cascade of biquads in transposed direct form II; state in a preallocated Float64Array. */
export class BiquadCascade {
  private readonly c: Float64Array;
  private readonly s: Float64Array;
  readonly sections: readonly BiquadCoefficients[];

  constructor(sections: BiquadCoefficients[]) {
    this.sections = sections;
    this.c = new Float64Array(sections.length * 5);
    this.s = new Float64Array(sections.length * 2);
    sections.forEach((q, i) => this.c.set([q.b0, q.b1, q.b2, q.a1, q.a2], i * 5));
  }

  /**
   * step() with the output left in out[0] rather than returned: a double returned from a call
   * the JIT does not inline is boxed, one allocation per sample on the ECG paths.
   */
  readonly out = new Float64Array(1);

  step(x: number): number {
    this.feed(x);
    return this.out[0]!;
  }

  /** One sample through the cascade; the output is in out[0]. */
  feed(x: number): void {
    // The signal between sections is carried in out[0], not in a loop variable: a variable that
    // starts as the (small-integer) input and becomes a double is boxed on every section.
    const c = this.c, s = this.s, o = this.out;
    o[0] = x;
    for (let i = 0, n = this.sections.length; i < n; i++) {
      const k = i * 5, m = i * 2;
      const v = o[0]!;
      const y = c[k]! * v + s[m]!;
      s[m] = c[k + 1]! * v - c[k + 3]! * y + s[m + 1]!;
      s[m + 1] = c[k + 2]! * v - c[k + 4]! * y;
      o[0] = y;
    }
  }

  reset(): void {
    this.s.fill(0);
  }

  /** Complex response at `fHz` as [magnitude, phase in radians]. */
  response(fHz: number, fsHz: number): [number, number] {
    const w = (2 * Math.PI * fHz) / fsHz;
    let mag = 1, phase = 0;
    for (const q of this.sections) {
      // H(e^jw) = (b0 + b1 e^-jw + b2 e^-2jw) / (1 + a1 e^-jw + a2 e^-2jw)
      const nr = q.b0 + q.b1 * Math.cos(w) + q.b2 * Math.cos(2 * w);
      const ni = -q.b1 * Math.sin(w) - q.b2 * Math.sin(2 * w);
      const dr = 1 + q.a1 * Math.cos(w) + q.a2 * Math.cos(2 * w);
      const di = -q.a1 * Math.sin(w) - q.a2 * Math.sin(2 * w);
      mag *= Math.hypot(nr, ni) / Math.hypot(dr, di);
      phase += Math.atan2(ni, nr) - Math.atan2(di, dr);
    }
    return [mag, phase];
  }

  /** Group delay in samples at `fHz` (numerical derivative of the phase). */
  groupDelaySamples(fHz: number, fsHz: number): number {
    const df = 0.01;
    const [, p1] = this.response(fHz - df, fsHz);
    const [, p2] = this.response(fHz + df, fsHz);
    let dp = p2 - p1;
    while (dp > Math.PI) dp -= 2 * Math.PI;
    while (dp < -Math.PI) dp += 2 * Math.PI;
    const dw = (2 * Math.PI * 2 * df) / fsHz;
    return -dp / dw;
  }
}
