// The device's view of the wearer: one snapshot of every vital sign, as the display, the local
// alarms and (issue 5) the uplink to the BSN-Care server consume it. Each vital is a value with
// its units and the time it was measured, or a sensor fault, or 'acquiring' - a fault is never a
// value and never an alarm.
import type { RhythmFlags } from './ecg/rhythm.ts';

export type { RhythmFlags } from './ecg/rhythm.ts';

/** Why a sensor cannot give a value right now. */
export type VitalFault =
  // ECG (AD8232)
  | 'lead-off'
  | 'saturated'
  | 'noisy'
  | 'flat'
  // pulse sensor
  | 'no-pulse'
  // LM35
  | 'probe-open'
  | 'implausible'
  // NIBP cuff
  | 'cuff-leak'
  | 'overpressure'
  | 'timeout'
  | 'sensor-fault'
  | 'no-oscillations'
  | 'motion'
  | 'pump-fault';

export type Vital<T> =
  /** A measurement: `atMs` is when it was (last) measured, board ms. */
  | ({ kind: 'value'; atMs: number } & T)
  /** The sensor cannot be trusted since `sinceMs`. */
  | { kind: 'fault'; fault: VitalFault; sinceMs: number }
  /** Start-up or re-learning after a fault: no value yet. */
  | { kind: 'acquiring'; sinceMs: number }
  /** Not fitted on this device (e.g. no cuff). */
  | { kind: 'absent' };

export interface HeartValue {
  /** 60000 / median RR of the last 8 beats; 0 in asystole. */
  heartRateBpm: number;
  /** Latest RR interval; null in asystole. */
  rrMs: number | null;
  medianRrMs: number | null;
  rhythm: RhythmFlags;
}

export interface PulseValue {
  pulseRateBpm: number;
}

export interface TemperatureValue {
  tempC: number;
}

export interface BloodPressureValue {
  systolicMmHg: number;
  diastolicMmHg: number;
  meanArterialMmHg: number;
  /** The pulse rate the cuff saw, if it could tell. */
  pulseRateBpm?: number;
}

/** Reference design: BP <= 120 normal, > 120 gentle local alert, > 130 family, > 145 physician, > 160 emergency. */
export type AlarmLevel = 'mild' | 'moderate' | 'severe' | 'critical';
export const ALARM_LEVELS: readonly AlarmLevel[] = ['mild', 'moderate', 'severe', 'critical'];

export type AlarmCondition = 'asystole' | 'bradycardia' | 'tachycardia' | 'irregular-rhythm' | 'hypertension' | 'fever';

export interface Alarm {
  condition: AlarmCondition;
  level: AlarmLevel;
  /** When it was raised (board ms). */
  sinceMs: number;
  /** The value that caused it, with units, e.g. "SBP 165 mmHg". */
  detail: string;
}

export type NibpActivity = 'absent' | 'idle' | 'zeroing' | 'inflating' | 'deflating' | 'dumping';

/**
 * The stress estimate of the optional stress add-on (firmware/stress, issue 8): informational,
 * never an alarm. `value` is the last *reported* level (on a change of level, else every 5 min),
 * so each report is uploaded once; the LCD shows the live one. Absent without the add-on.
 */
export type StressVital =
  | { kind: 'value'; atMs: number; level: 'low' | 'normal' | 'high'; score: number }
  | { kind: 'fault'; fault: string; sinceMs: number }
  | { kind: 'acquiring'; sinceMs: number }
  | { kind: 'absent' };

export interface VitalsSnapshot {
  /** Board time of the snapshot, ms. */
  atMs: number;
  ecg: Vital<HeartValue>;
  pulse: Vital<PulseValue>;
  temperature: Vital<TemperatureValue>;
  /** The last cuff determination (a reading or why it failed). */
  bloodPressure: Vital<BloodPressureValue>;
  nibp: { activity: NibpActivity; nextAtMs: number | null };
  /** Active alarms, most severe first. */
  alarms: Alarm[];
  /** The stress add-on (absent when not fitted); never feeds the alarms. */
  stress?: StressVital;
}

export const levelRank = (l: AlarmLevel): number => ALARM_LEVELS.indexOf(l);

/** The value's number for a one-line summary, or the fault/acquiring word. */
export function describeVital<T>(v: Vital<T>, show: (value: T) => string): string {
  switch (v.kind) {
    case 'value':
      return show(v);
    case 'fault':
      return `FAULT ${v.fault}`;
    case 'acquiring':
      return 'acquiring';
    case 'absent':
      return 'absent';
  }
}
