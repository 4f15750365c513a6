// NXP MPX5050 integrated pressure sensor (0-50 kPa gauge, on-chip amplifier), per its data
// sheet: Vout = Vs (0.018 P[kPa] + 0.04), Vs = 5 V, sensitivity 90 mV/kPa (12.0 mV/mmHg),
// offset 0.088-0.313 V (typ. 0.2 V), accuracy +/-2.5 % of VFSS over 0-85 C, output saturating
// near the rails. A unit's offset and span errors are drawn once; the firmware zeroes the offset
// with the cuff vented, the span error remains (it is trimmed at the factory to well under 1 %).
import type { Rng } from '../rng.ts';

export const KPA_PER_MMHG = 1 / 7.50062;
export const MPX5050_SUPPLY_V = 5;

export type SensorFault = 'none' | 'open' | 'shorted-high';

export interface Mpx5050Unit {
  /** Offset error, V, added to the typical 0.2 V at 0 kPa. */
  offsetErrorV: number;
  /** Relative span error. */
  spanError: number;
  /** White output noise, V rms per sample of the simulation step. */
  noiseVrms: number;
}

export const IDEAL_MPX5050: Mpx5050Unit = { offsetErrorV: 0, spanError: 0, noiseVrms: 0 };

export function randomMpx5050(rng: Rng): Mpx5050Unit {
  return {
    offsetErrorV: Math.max(-0.11, Math.min(0.11, rng.normal(0, 0.04))),
    spanError: Math.max(-0.01, Math.min(0.01, rng.normal(0, 0.004))),
    noiseVrms: 0.002,
  };
}

export class Mpx5050 {
  fault: SensorFault = 'none';

  constructor(readonly unit: Mpx5050Unit, private readonly rng: Rng) {}

  /** Output voltage for a gauge pressure, with this unit's errors and a fresh noise sample. */
  outputV(pressureMmHg: number): number {
    if (this.fault === 'open') return 0;
    if (this.fault === 'shorted-high') return MPX5050_SUPPLY_V;
    const kPa = pressureMmHg * KPA_PER_MMHG;
    const ideal = MPX5050_SUPPLY_V * (0.018 * kPa * (1 + this.unit.spanError) + 0.04);
    const v = ideal + this.unit.offsetErrorV + (this.unit.noiseVrms > 0 ? this.rng.normal(0, this.unit.noiseVrms) : 0);
    // Output stage saturation (data sheet: about 4.9 V high, 0.1 V low at Vs = 5 V).
    return Math.min(4.9, Math.max(0.1, v));
  }
}
