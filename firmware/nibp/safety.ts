// Limits IEC 80601-2-30 sets for an automated adult NIBP, and the ones this design adds. The
// controller applies them on every sample, before any control decision, in every state.
export const SAFETY = {
  /** Adult mode: the cuff must never exceed 300 mmHg; at the limit the pump stops and the cuff dumps. */
  maxCuffMmHg: 300,
  /** A whole determination (inflate, deflate) may not exceed 120 s for adults. */
  maxCycleMs: 120_000,
  /** Pumping this long without reaching `leakMinMmHg` means the air is escaping (leak, loose hose). */
  leakCheckAfterMs: 10_000,
  leakMinMmHg: 30,
  /** Inflation that takes longer than this never reaches the target: a leak balances the pump. */
  maxInflationMs: 40_000,
  /** Pressure falling this far below the deflation ramp with the valve unable to hold: a leak. */
  leakRampLagMmHg: 8,
  leakRampLagMs: 2_000,
  /** Pressure drop while holding with the valve shut, mmHg/s, that means a leak. */
  maxHoldDropMmHgPerS: 5,
  /** The cuff is considered vented below this, mmHg. */
  ventedMmHg: 10,
  /** Longest the controller waits for the dump when it cannot trust the sensor, ms. */
  maxDumpMs: 15_000,
} as const;

export type NibpFault = 'cuff-leak' | 'overpressure' | 'timeout' | 'sensor-fault' | 'no-oscillations' | 'motion';
