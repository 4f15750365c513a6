// The AC-coupled oscillation channel: the MPX5050 output through a first-order low-pass
// (anti-alias, fc 10 Hz), a first-order high-pass (fc 0.3 Hz, removes the cuff pressure and the
// deflation ramp) and a non-inverting gain of 20 around a 2.5 V mid-rail bias, into a second ADC
// pin. With 10 bits on 5 V one count is then 0.02 mmHg of oscillation instead of 0.41 mmHg on the
// DC channel, so a 1 mmHg oscillation spans ~50 counts. The rail-to-rail op-amp clips at 0 and
// 5 V (it saturates while the pump inflates, and recovers within ~2 s after).
export interface OscillationAmpParams {
  gain: number;
  lowPassHz: number;
  highPassHz: number;
  biasV: number;
}

export const OSCILLATION_AMP: OscillationAmpParams = { gain: 20, lowPassHz: 10, highPassHz: 0.3, biasV: 2.5 };

export class OscillationAmp {
  /**
   * Low-pass output, high-pass input and output: written at 1 kHz through a determination, kept in
   * a Float64Array so the doubles are stored unboxed.
   */
  private readonly st = Float64Array.of(Number.NaN, 0, 0);
  /** The filter coefficients for the last step length (the rig steps at a fixed rate). */
  private lastDtS = Number.NaN;
  private aLp = 0;
  private kHp = 0;

  constructor(readonly p: OscillationAmpParams = OSCILLATION_AMP) {}

  /** Feeds the sensor voltage for dt seconds; returns the amplifier output, V. */
  step(dtS: number, sensorV: number): number {
    const st = this.st;
    if (Number.isNaN(st[0]!)) {
      // Powered up settled: the coupling capacitor charged to the sensor's resting output.
      st[0] = sensorV;
      st[1] = sensorV;
    }
    if (dtS !== this.lastDtS) {
      this.lastDtS = dtS;
      this.aLp = 1 - Math.exp(-2 * Math.PI * this.p.lowPassHz * dtS);
      // RC high-pass, exact for a first-order section over one step.
      this.kHp = Math.exp(-2 * Math.PI * this.p.highPassHz * dtS);
    }
    const lp = st[0]! + this.aLp * (sensorV - st[0]!);
    st[0] = lp;
    st[2] = this.kHp * (st[2]! + lp - st[1]!);
    st[1] = lp;
    return this.output();
  }

  output(): number {
    return Math.min(5, Math.max(0, this.p.biasV + this.p.gain * this.st[2]!));
  }
}
