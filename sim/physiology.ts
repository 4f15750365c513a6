// What the simulated patient offers the sensor models. Times are virtual ms and must be
// non-decreasing across calls (the model integrates forward), values carry their units in names.

export type Rhythm = 'sinus' | 'bradycardia' | 'tachycardia' | 'atrial-fibrillation' | 'asystole';

/** The model's true values at a moment: what the firmware's measurements are judged against. */
export interface VitalTruth {
  heartRateBpm: number;
  rhythm: Rhythm;
  systolicMmHg: number;
  diastolicMmHg: number;
  meanArterialMmHg: number;
  coreTempC: number;
}

export interface PatientSignals {
  truth(tMs: number): VitalTruth;
  /** ECG (lead II) at the skin electrodes, millivolts. */
  ecgMv(tMs: number): number;
  /** Peripheral blood volume at the finger, arbitrary units 0..1 (PPG before the sensor). */
  ppg(tMs: number): number;
  /** Instantaneous arterial pressure under the cuff (brachial), mmHg. */
  arterialPressureMmHg(tMs: number): number;
  /** Times of the R peaks the model produced, ms, for scoring detectors (oldest may be dropped). */
  beatTimesMs(): readonly number[];
}

/** Device-side conditions a scenario can impose (faults are not physiology). */
export interface DeviceConditions {
  /** Electrodes detached in these intervals [fromMs, toMs). */
  leadOff: ReadonlyArray<readonly [number, number]>;
  /** Cuff leak, mmHg/s at 100 mmHg (0 = tight). */
  cuffLeakMmHgPerS: number;
  /** Motion-artefact bursts per hour on the ECG. */
  motionBurstsPerHour: number;
  /** Mains frequency for hum, Hz (50 or 60). */
  mainsHz: 50 | 60;
}
