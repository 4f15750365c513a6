// Scaling of the two ADC channels of the NIBP front end (see README.md for the hardware).
//   DC channel (A3): MPX5050 output direct. Vout = 5 V (0.018 P[kPa] + 0.04): 90 mV/kPa, so one
//     10-bit count (4.883 mV) is 0.0543 kPa = 0.407 mmHg; the offset is zeroed per cycle.
//   AC channel (A4): the same output high-passed at 0.3 Hz, low-passed at 10 Hz, x20 around 2.5 V:
//     one count is 0.0203 mmHg of oscillation.
export const MMHG_PER_KPA = 7.50062;
export const SENSOR_V_PER_KPA = 5 * 0.018;
export const ADC_VOLTS_PER_COUNT = 5 / 1024;
export const DC_MMHG_PER_COUNT = (ADC_VOLTS_PER_COUNT / SENSOR_V_PER_KPA) * MMHG_PER_KPA;
export const AC_GAIN = 20;
export const AC_MMHG_PER_COUNT = DC_MMHG_PER_COUNT / AC_GAIN;
export const AC_MID_COUNTS = 512;

/** The data sheet's zero-pressure output, 0.088-0.313 V, in counts with some margin. */
export const ZERO_MIN_COUNTS = Math.floor(0.06 / ADC_VOLTS_PER_COUNT);
export const ZERO_MAX_COUNTS = Math.ceil(0.35 / ADC_VOLTS_PER_COUNT);
/**
 * Counts outside this window cannot come from a working MPX5050 (its output stays between about
 * 0.1 V and 4.9 V): an open or shorted wire, or a saturated sensor.
 */
export const DC_VALID_MIN_COUNTS = Math.floor(0.05 / ADC_VOLTS_PER_COUNT);
export const DC_VALID_MAX_COUNTS = Math.ceil(4.95 / ADC_VOLTS_PER_COUNT);
