// Skin conductance from a Grove GSR (v1.2 style) front end, and its mapping to the "sweat" scale of
// Rachakonda et al. Table I.
//
// The Grove board's op-amp bridge gives, per Seeed's published resistance formula
// R = (1024 + 2x) * 10 kΩ / (512 - x) at 10 bits and 5 V, an output
//   V = Vo * (R - Rref) / (R + Rref),   Rref = 20 kΩ,
// where Vo is the open-circuit output the board's trimmer is set to (Vcc / 2 = 2.5 V at
// calibration, electrodes off). Inverted: G = 1/R = (Vo - V) / (Rref * (Vo + V)). The output falls
// as the skin conducts more; 0 V means R <= 20 kΩ (50 µS), far above any skin.
//
// Sweat scale (ASSUMPTION, documented in README.md): Rachakonda's sweat ranges 10-30 are their
// humidity sensor's units, not a conductance. We map the tonic skin conductance level linearly,
// sweat = 10 + 2 * G[µS], clamped to 10..30, which puts a resting finger SCL (1-2.5 µS) in "low"
// (12-15), an active one (2.5-5 µS) in "normal" (15-20) and an aroused or exercising one
// (5-10 µS and above) in "high" (20-30).

export interface GroveGsrCalibration {
  /** Output with the electrodes off (trimmer set to Vcc / 2), V. */
  openCircuitV: number;
  /** The bridge's reference resistance, Ω. */
  refOhms: number;
}

export const GROVE_GSR_DEFAULT: GroveGsrCalibration = { openCircuitV: 2.5, refOhms: 20_000 };

export type GsrFault = 'no-contact' | 'saturated' | 'out-of-range';
export type ConductanceResult = { kind: 'ok'; conductanceUs: number } | { kind: 'fault'; fault: GsrFault };

/** Below this the electrodes are off or dry beyond any worn sensor (R > 10 MΩ). */
export const MIN_SKIN_CONDUCTANCE_US = 0.1;
/** Above this the bridge is at its rail (shorted electrodes, or a wet short between fingers). */
export const MAX_SKIN_CONDUCTANCE_US = 40;

/** Converts the front end's output voltage to skin conductance; faults instead of numbers. */
export function conductanceFromVolts(volts: number, cal: GroveGsrCalibration = GROVE_GSR_DEFAULT): ConductanceResult {
  if (!Number.isFinite(volts)) return { kind: 'fault', fault: 'out-of-range' };
  // Noticeably above the open-circuit level cannot come from the bridge: miswired or mis-trimmed.
  if (volts > cal.openCircuitV * 1.04) return { kind: 'fault', fault: 'out-of-range' };
  if (volts <= 0.01) return { kind: 'fault', fault: 'saturated' };
  const g = (cal.openCircuitV - volts) / (cal.refOhms * (cal.openCircuitV + volts));
  const us = g * 1e6;
  if (us < MIN_SKIN_CONDUCTANCE_US) return { kind: 'fault', fault: 'no-contact' };
  if (us > MAX_SKIN_CONDUCTANCE_US) return { kind: 'fault', fault: 'saturated' };
  return { kind: 'ok', conductanceUs: us };
}

/** The front end's output for a conductance (the inverse, for tests and calibration checks). */
export function voltsFromConductance(conductanceUs: number, cal: GroveGsrCalibration = GROVE_GSR_DEFAULT): number {
  if (conductanceUs <= 0) return cal.openCircuitV;
  const r = 1e6 / conductanceUs;
  return Math.max(0, (cal.openCircuitV * (r - cal.refOhms)) / (r + cal.refOhms));
}

export const SWEAT_MIN = 10;
export const SWEAT_MAX = 30;
export const SWEAT_PER_US = 2;

/** Tonic skin conductance (µS) to the 10-30 sweat scale of Table I (see the assumption above). */
export function sweatFromConductance(conductanceUs: number): number {
  return Math.min(SWEAT_MAX, Math.max(SWEAT_MIN, SWEAT_MIN + SWEAT_PER_US * conductanceUs));
}
