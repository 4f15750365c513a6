// Closed-loop linear deflation: the proportional valve's duty is set by a PI controller that makes
// the (1 s moving-average) cuff pressure follow a reference ramp falling at the target rate.
// Tracking position rather than a differentiated rate keeps the heart-beat oscillations from
// jerking the valve, and the integral term absorbs the valve's unit-to-unit spread and the way the
// duty needed for a given flow changes as pressure falls. Gains suit a plant gain of ~45 mmHg/s
// per unit duty (the valve near its bleeding point): loop time constant ~2 s.
export interface DeflationRampOptions {
  rateMmHgPerS: number;
  /** Duty that roughly gives the target rate at high cuff pressure (starting point). */
  nominalDuty: number;
  kpPerMmHg: number;
  kiPerMmHgS: number;
}

export const DEFAULT_RAMP: DeflationRampOptions = { rateMmHgPerS: 3, nominalDuty: 0.73, kpPerMmHg: 0.01, kiPerMmHgS: 0.004 };

export class DeflationRamp {
  private p0 = 0;
  private t0 = 0;
  private integral = 0;
  private lastMs = 0;
  /** Filtered pressure minus the reference at the last update, mmHg. */
  lastErrorMmHg = 0;

  constructor(readonly o: DeflationRampOptions = DEFAULT_RAMP) {}

  begin(pressureMmHg: number, tMs: number): void {
    this.p0 = pressureMmHg;
    this.t0 = tMs;
    this.lastMs = tMs;
    this.integral = this.o.nominalDuty;
    this.lastErrorMmHg = 0;
  }

  referenceMmHg(tMs: number): number {
    return this.p0 - (this.o.rateMmHgPerS * (tMs - this.t0)) / 1000;
  }

  /** Valve duty for the filtered pressure now. */
  update(filteredMmHg: number, tMs: number): number {
    const dtS = (tMs - this.lastMs) / 1000;
    this.lastMs = tMs;
    const err = filteredMmHg - this.referenceMmHg(tMs);
    // Pressure above the ramp: open the valve (lower duty).
    this.integral = Math.min(1, Math.max(0, this.integral - this.o.kiPerMmHgS * err * dtS));
    const duty = Math.min(1, Math.max(0, this.integral - this.o.kpPerMmHg * err));
    this.lastErrorMmHg = err;
    return duty;
  }
}
