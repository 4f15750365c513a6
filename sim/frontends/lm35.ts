// LM35 precision centigrade temperature sensor: 10 mV/°C from 0 V at 0 °C, powered from the Uno's
// 5 V. Accuracy class ±0.5 °C: each simulated part gets a fixed calibration offset drawn within
// that (typically a quarter of it), plus a little output noise. The die follows the skin it is
// taped to with a thermal time constant (a probe clipped on at room temperature takes a few
// minutes to read the body). Faults: an open wire reads 0 V through the pull-down; a short to the
// supply reads 5 V.
import type { Rng } from '../rng.ts';

export type Lm35Fault = 'none' | 'open' | 'short-to-supply';

export interface Lm35Options {
  rng: Rng;
  supplyV?: number;
  /** Calibration offset of this part, °C; drawn from the Rng (sd 0.15, within ±0.5) if absent. */
  offsetC?: number;
  /** Thermal time constant of probe on skin, s. */
  timeConstantS?: number;
  /** Temperature of the probe when the run starts, °C (room). */
  initialC?: number;
  /** Output noise, mV rms. */
  noiseMv?: number;
}

export const LM35_MV_PER_C = 10;

export class Lm35 {
  readonly offsetC: number;
  private readonly supplyV: number;
  private readonly tauMs: number;
  private readonly noiseV: number;
  private readonly rng: Rng;
  private dieC: number;
  private lastMs = 0;
  fault: Lm35Fault = 'none';

  constructor(private readonly siteTempC: (tMs: number) => number, opts: Lm35Options) {
    this.rng = opts.rng;
    this.supplyV = opts.supplyV ?? 5;
    this.offsetC = opts.offsetC ?? Math.max(-0.5, Math.min(0.5, this.rng.normal(0, 0.15)));
    this.tauMs = (opts.timeConstantS ?? 60) * 1000;
    this.dieC = opts.initialC ?? siteTempC(0);
    this.noiseV = (opts.noiseMv ?? 0.5) / 1000;
  }

  /** The die temperature now, °C (what an ideal LM35 would report). */
  dieTempC(tMs: number): number {
    const dt = tMs - this.lastMs;
    if (dt > 0) {
      this.dieC += (this.siteTempC(tMs) - this.dieC) * (1 - Math.exp(-dt / this.tauMs));
      this.lastMs = tMs;
    }
    return this.dieC;
  }

  outputV(tMs: number): number {
    const die = this.dieTempC(tMs);
    if (this.fault === 'open') return 0;
    if (this.fault === 'short-to-supply') return this.supplyV;
    const v = ((die + this.offsetC) * LM35_MV_PER_C) / 1000 + this.noiseV * this.rng.normal();
    // The output stage cannot go below ground here (no negative supply) nor within ~1 V of Vs.
    return v < 0 ? 0 : v > this.supplyV - 1 ? this.supplyV - 1 : v;
  }
}
