// From the sensing application's vitals snapshot (firmware/vitals.ts on the integ branch) to the
// readings the uplink queues. The snapshot's shape is restated structurally here, so the uplink
// builds without the sensing code and any VitalsSnapshot fits.
//
// A sensor in fault yields a 'fault' reading, never a value; 'acquiring' and 'absent' yield
// nothing. Blood pressure is the last determination (each summary repeats it, with the time it
// was measured), so the server always has the latest one.
import type { RhythmFlags } from '../ecg/rhythm.ts';
import type { AlarmChange, AlarmConditionCode, AlarmLevelCode, Fault, Rhythm, Sensor, StressLevelCode } from '../../protocol/readings.ts';
import { ALARM_CONDITIONS } from '../../protocol/readings.ts';
import type { QueuedReading } from './queue.ts';
import type { VitalsSource } from './uplink.ts';
import type { CriticalCondition } from './fallback.ts';

type VitalLike<T> = ({ kind: 'value'; atMs: number } & T) | { kind: 'fault'; fault: string; sinceMs: number } | { kind: 'acquiring'; sinceMs: number } | { kind: 'absent' };

export interface SnapshotLike {
  atMs: number;
  ecg: VitalLike<{ heartRateBpm: number; rhythm: RhythmFlags }>;
  pulse: VitalLike<{ pulseRateBpm: number }>;
  temperature: VitalLike<{ tempC: number }>;
  bloodPressure: VitalLike<{ systolicMmHg: number; diastolicMmHg: number }>;
  alarms: ReadonlyArray<AlarmLike>;
  /** The stress add-on's last reported level (informational; absent without the add-on). */
  stress?: { kind: 'value'; atMs: number; level: StressLevelCode; score: number } | { kind: 'fault' | 'acquiring' | 'absent' };
}

export interface AlarmLike {
  condition: string;
  level: string;
  sinceMs: number;
  detail: string;
}

/** Device fault names → the payload's fault codes (the payload predates some of them). */
const FAULT_CODES: Readonly<Record<string, Fault>> = {
  'lead-off': 'lead-off', saturated: 'adc-saturated', noisy: 'noisy', flat: 'flat', 'no-pulse': 'no-pulse',
  'probe-open': 'probe-open', implausible: 'implausible', 'cuff-leak': 'cuff-leak', overpressure: 'overpressure',
  timeout: 'timeout', 'sensor-fault': 'sensor-fault', 'no-oscillations': 'no-oscillations', motion: 'motion', 'pump-fault': 'pump-fault',
};

export function faultCode(deviceFault: string): Fault {
  return FAULT_CODES[deviceFault] ?? 'sensor-fault';
}

export function rhythmCode(f: RhythmFlags): Rhythm {
  if (f.asystole) return 'asystole';
  if (f.irregular) return 'af';
  return 'sinus';
}

/** Board ms of the last measurement of each evaluated channel already put into a summary. */
export interface SentMarks {
  ecg: number;
  pulse: number;
  temperature: number;
  stress: number;
}

const NOTHING_SENT: Readonly<SentMarks> = { ecg: -Infinity, pulse: -Infinity, temperature: -Infinity, stress: -Infinity };

/**
 * The readings of one 5 s summary. `toEpoch` turns board ms into ms since the epoch (each value
 * keeps the time it was measured). A measurement of the evaluated channels (ECG rate and rhythm,
 * pulse rate, temperature, stress) goes out once: only when it is newer than its mark in `sent`
 * (an alarm takes a summary at once, and the next 5 s summary may come before the next
 * evaluation). The cuff's last reading rides in every summary, with the time it was measured.
 */
export function summaryFromSnapshot(s: SnapshotLike, toEpoch: (boardMs: number) => number, sent: Readonly<SentMarks> = NOTHING_SENT): QueuedReading[] {
  const out: QueuedReading[] = [];
  const fault = (sensor: Sensor, v: { fault: string; sinceMs: number }) => out.push({ kind: 'fault', sensor, fault: faultCode(v.fault), measuredAt: toEpoch(s.atMs) });
  const e = s.ecg;
  if (e.kind === 'value') {
    if (e.atMs > sent.ecg) {
      out.push({ kind: 'heart-rate', heartRateBpm: e.heartRateBpm, measuredAt: toEpoch(e.atMs) });
      out.push({ kind: 'rhythm', rhythm: rhythmCode(e.rhythm), measuredAt: toEpoch(e.atMs) });
    }
  } else if (e.kind === 'fault') fault('ecg', e);
  const p = s.pulse;
  // The PPG pulse rate stands in for the heart rate only while the ECG has none.
  if (p.kind === 'value' && e.kind !== 'value') {
    if (p.atMs > sent.pulse) out.push({ kind: 'heart-rate', heartRateBpm: p.pulseRateBpm, measuredAt: toEpoch(p.atMs) });
  } else if (p.kind === 'fault') fault('ppg', p);
  const t = s.temperature;
  if (t.kind === 'value') {
    if (t.atMs > sent.temperature) out.push({ kind: 'temperature', tempC: t.tempC, measuredAt: toEpoch(t.atMs) });
  } else if (t.kind === 'fault') fault('temperature', t);
  const bp = s.bloodPressure;
  if (bp.kind === 'value') out.push({ kind: 'blood-pressure', systolicMmHg: bp.systolicMmHg, diastolicMmHg: bp.diastolicMmHg, measuredAt: toEpoch(bp.atMs) });
  else if (bp.kind === 'fault') fault('cuff', bp);
  const st = s.stress;
  if (st?.kind === 'value' && st.atMs > sent.stress) out.push({ kind: 'stress', level: st.level, score: Math.max(0, Math.min(100, Math.round(st.score))), measuredAt: toEpoch(st.atMs) });
  return out;
}

function conditionCode(c: string): AlarmConditionCode {
  return (ALARM_CONDITIONS as readonly string[]).includes(c) ? (c as AlarmConditionCode) : 'other';
}

/** An alarm event (raised / changed / cleared) as a reading. */
export function alarmReading(change: AlarmChange, a: AlarmLike, atEpochMs: number): QueuedReading {
  const level = (['mild', 'moderate', 'severe', 'critical'] as const).find((l) => l === a.level) ?? 'critical';
  return { kind: 'alarm', condition: conditionCode(a.condition), level: level as AlarmLevelCode, change, measuredAt: atEpochMs };
}

/** The most severe critical alarm of a snapshot, for the fallback (alarms come most severe first). */
export function criticalOf(s: Pick<SnapshotLike, 'alarms'>): CriticalCondition | null {
  const a = s.alarms.find((x) => x.level === 'critical');
  return a ? { condition: conditionCode(a.condition), detail: a.detail } : null;
}

/** A VitalsSource over any snapshot provider (e.g. `() => device.snapshot()`). */
export function snapshotSource(snapshot: () => SnapshotLike, toEpochFromBoard: (boardMs: number) => number): VitalsSource {
  const sent: SentMarks = { ...NOTHING_SENT };
  return {
    summary: () => {
      const s = snapshot();
      const out = summaryFromSnapshot(s, toEpochFromBoard, sent);
      if (s.ecg.kind === 'value') sent.ecg = Math.max(sent.ecg, s.ecg.atMs);
      if (s.pulse.kind === 'value') sent.pulse = Math.max(sent.pulse, s.pulse.atMs);
      if (s.temperature.kind === 'value') sent.temperature = Math.max(sent.temperature, s.temperature.atMs);
      if (s.stress?.kind === 'value') sent.stress = Math.max(sent.stress, s.stress.atMs);
      return out;
    },
  };
}
