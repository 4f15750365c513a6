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

/**
 * The readings of one 5 s summary. `toEpoch` turns board ms into ms since the epoch (each value
 * keeps the time it was measured). A stress report goes out once: only when it is newer than
 * `stressSentAtMs` (board ms of the last one sent; the sources below keep it).
 */
export function summaryFromSnapshot(s: SnapshotLike, toEpoch: (boardMs: number) => number, stressSentAtMs = -Infinity): QueuedReading[] {
  const out: QueuedReading[] = [];
  const fault = (sensor: Sensor, v: { fault: string; sinceMs: number }) => out.push({ kind: 'fault', sensor, fault: faultCode(v.fault), measuredAt: toEpoch(s.atMs) });
  const e = s.ecg;
  if (e.kind === 'value') {
    out.push({ kind: 'heart-rate', heartRateBpm: e.heartRateBpm, measuredAt: toEpoch(e.atMs) });
    out.push({ kind: 'rhythm', rhythm: rhythmCode(e.rhythm), measuredAt: toEpoch(e.atMs) });
  } else if (e.kind === 'fault') fault('ecg', e);
  const p = s.pulse;
  // The PPG pulse rate stands in for the heart rate only while the ECG has none.
  if (p.kind === 'value' && e.kind !== 'value') out.push({ kind: 'heart-rate', heartRateBpm: p.pulseRateBpm, measuredAt: toEpoch(p.atMs) });
  else if (p.kind === 'fault') fault('ppg', p);
  const t = s.temperature;
  if (t.kind === 'value') out.push({ kind: 'temperature', tempC: t.tempC, measuredAt: toEpoch(t.atMs) });
  else if (t.kind === 'fault') fault('temperature', t);
  const bp = s.bloodPressure;
  if (bp.kind === 'value') out.push({ kind: 'blood-pressure', systolicMmHg: bp.systolicMmHg, diastolicMmHg: bp.diastolicMmHg, measuredAt: toEpoch(bp.atMs) });
  else if (bp.kind === 'fault') fault('cuff', bp);
  const st = s.stress;
  if (st?.kind === 'value' && st.atMs > stressSentAtMs) out.push({ kind: 'stress', level: st.level, score: Math.max(0, Math.min(100, Math.round(st.score))), measuredAt: toEpoch(st.atMs) });
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
  let stressSentAtMs = -Infinity;
  return {
    summary: () => {
      const s = snapshot();
      const out = summaryFromSnapshot(s, toEpochFromBoard, stressSentAtMs);
      if (s.stress?.kind === 'value') stressSentAtMs = Math.max(stressSentAtMs, s.stress.atMs);
      return out;
    },
  };
}
