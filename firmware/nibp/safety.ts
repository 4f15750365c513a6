// Limits IEC 80601-2-30 sets for an automated adult NIBP, and the ones this design adds. The
// controller applies them on every sample, before any control decision, in every state.
export const SAFETY = {
  /**
   * Adult mode: the cuff must never exceed 300 mmHg. The controller cuts off at 295 mmHg as it
   * reads it, so that the true pressure stays below 300 despite the MPX5050's span error left
   * after auto-zero (<= 1 %, 3 mmHg at 300), quantisation (0.4 mmHg) and one sample's rise at
   * full pump flow (~0.5 mmHg at 50 Hz).
   */
  maxCuffMmHg: 295,
  /** The limit the standard sets, mmHg. */
  standardLimitMmHg: 300,
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
  /** Rise of the 1 s average over 1 s of holding with the pump commanded off: the pump runs on, mmHg. */
  maxHoldRiseMmHg: 4,
  /** Any sample this far above the inflation target while holding: the pump runs on, mmHg. */
  maxHoldOvershootMmHg: 10,
  /** The cuff is considered vented below this, mmHg. */
  ventedMmHg: 5,
  /** Longest the controller waits for the dump when it cannot trust the sensor, ms. */
  maxDumpMs: 15_000,
} as const;

/**
 * Why a cycle ended without a reading. 'pump-fault': the pressure rose with the pump commanded
 * off (a stuck motor driver); the cuff is dumped like for an over-pressure.
 */
export type NibpFault = 'cuff-leak' | 'overpressure' | 'timeout' | 'sensor-fault' | 'no-oscillations' | 'motion' | 'pump-fault';
