import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alarmReading, criticalOf, snapshotSource, summaryFromSnapshot, type SnapshotLike } from '../../firmware/uplink/vitals-summary.ts';
import type { VitalsSnapshot } from '../../firmware/vitals.ts';
import { decodeBatch, encodeBatch, type BatchItem } from '../../protocol/readings.ts';

const E = (t: number) => 1_790_000_000_000 + t;
const flags = { bradycardia: false, tachycardia: false, irregular: false, asystole: false };

function roundTrip(rs: ReturnType<typeof summaryFromSnapshot>): BatchItem[] {
  const d = decodeBatch(encodeBatch(rs.map((r, i) => ({ ...r, seq: i + 1 }) as BatchItem)));
  assert.ok(d.ok);
  return d.ok ? d.value : [];
}

test('values become readings with units and their own measurement times; the server decodes them', () => {
  const s: SnapshotLike = {
    atMs: 60_000,
    ecg: { kind: 'value', atMs: 59_500, heartRateBpm: 72.4, rhythm: flags },
    pulse: { kind: 'value', atMs: 59_000, pulseRateBpm: 71 },
    temperature: { kind: 'value', atMs: 58_000, tempC: 37.12 },
    bloodPressure: { kind: 'value', atMs: 30_000, systolicMmHg: 125, diastolicMmHg: 81 },
    alarms: [],
  };
  const r = roundTrip(summaryFromSnapshot(s, E));
  assert.equal(r.map((x) => x.kind), ['heart-rate', 'rhythm', 'temperature', 'blood-pressure']);
  assert.equal(r[0], { kind: 'heart-rate', heartRateBpm: 72.4, seq: 1, measuredAt: E(59_500) });
  assert.equal(r[3], { kind: 'blood-pressure', systolicMmHg: 125, diastolicMmHg: 81, seq: 4, measuredAt: E(30_000) });
});

test('a fault is a fault reading, never a value; acquiring gives nothing; asystole is a value', () => {
  const s: SnapshotLike = {
    atMs: 10_000,
    ecg: { kind: 'fault', fault: 'lead-off', sinceMs: 2000 },
    pulse: { kind: 'fault', fault: 'saturated', sinceMs: 3000 },
    temperature: { kind: 'acquiring', sinceMs: 0 },
    bloodPressure: { kind: 'fault', fault: 'cuff-leak', sinceMs: 1000 },
    alarms: [],
  };
  const r = roundTrip(summaryFromSnapshot(s, E));
  assert.equal(r.map((x) => (x.kind === 'fault' ? `${x.sensor}:${x.fault}` : x.kind)), ['ecg:lead-off', 'ppg:adc-saturated', 'cuff:cuff-leak']);
  const a: SnapshotLike = { ...s, ecg: { kind: 'value', atMs: 10_000, heartRateBpm: 0, rhythm: { ...flags, asystole: true } }, alarms: [{ condition: 'asystole', level: 'critical', sinceMs: 9000, detail: 'no QRS for > 4 s' }, { condition: 'fever', level: 'mild', sinceMs: 0, detail: '38.1 C' }] };
  const ra = roundTrip(summaryFromSnapshot(a, E));
  assert.equal(ra.slice(0, 2).map((x) => (x.kind === 'rhythm' ? x.rhythm : x.kind === 'heart-rate' ? x.heartRateBpm : null)), [0, 'asystole']);
  assert.equal(criticalOf(a), { condition: 'asystole', detail: 'no QRS for > 4 s' });
  assert.is(criticalOf(s), null);
  assert.equal(alarmReading('raised', a.alarms[1]!, E(5)), { kind: 'alarm', condition: 'fever', level: 'mild', change: 'raised', measuredAt: E(5) });
});

test('a measurement goes out once: a second summary before the next evaluation repeats only the cuff reading', () => {
  let s: SnapshotLike = {
    atMs: 60_000,
    ecg: { kind: 'value', atMs: 60_000, heartRateBpm: 72, rhythm: flags },
    pulse: { kind: 'value', atMs: 60_000, pulseRateBpm: 71 },
    temperature: { kind: 'value', atMs: 60_000, tempC: 37.1 },
    bloodPressure: { kind: 'value', atMs: 30_000, systolicMmHg: 150, diastolicMmHg: 90 },
    alarms: [],
  };
  const src = snapshotSource(() => s, E);
  const kinds = () => src.summary(0).map((r) => r.kind);
  assert.equal(kinds(), ['heart-rate', 'rhythm', 'temperature', 'blood-pressure']);
  // An alarm's summary and the periodic one at the same instant: the evaluation is not sent twice.
  assert.equal(kinds(), ['blood-pressure']);
  s = { ...s, atMs: 61_000, ecg: { kind: 'value', atMs: 61_000, heartRateBpm: 73, rhythm: flags } };
  assert.equal(kinds(), ['heart-rate', 'rhythm', 'blood-pressure']);
  // Leads off: the pulse rate stands in, once per measurement.
  s = { ...s, atMs: 62_000, ecg: { kind: 'fault', fault: 'lead-off', sinceMs: 61_500 }, pulse: { kind: 'value', atMs: 62_000, pulseRateBpm: 70 } };
  assert.equal(src.summary(0).map((r) => (r.kind === 'fault' ? `fault:${r.sensor}` : r.kind)), ['fault:ecg', 'heart-rate', 'blood-pressure']);
  assert.equal(src.summary(0).map((r) => (r.kind === 'fault' ? `fault:${r.sensor}` : r.kind)), ['fault:ecg', 'blood-pressure'], 'faults are reported every summary');
});

// The sensing application's snapshot fits the uplink's structural type (a compile-time check).
export const fits = (s: VitalsSnapshot): SnapshotLike => s;

test.run();
