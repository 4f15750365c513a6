// Alarm classification and debouncing (pure), the reference design's blood-pressure stages, and
// the buzzer's patterns on a virtual clock; plus --speed pacing of a device run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AlarmTracker, classify, systolicLevel, feverLevel } from '../../firmware/sensing/alarms.ts';
import { Buzzer, CHIRP_PATTERNS } from '../../firmware/sensing/buzzer.ts';
import { toDisplayModel, OFFLINE_NETWORK, MILD_CYCLE_MS } from '../../firmware/sensing/display-map.ts';
import type { VitalsSnapshot } from '../../firmware/vitals.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { SimDigitalOut } from '../../sim/pins.ts';
import { runSim } from '../../cli/sim-run.ts';

const flags = { bradycardia: false, tachycardia: false, irregular: false, asystole: false };
function snap(p: Partial<VitalsSnapshot> = {}): VitalsSnapshot {
  return {
    atMs: 0,
    ecg: { kind: 'value', atMs: 0, heartRateBpm: 72, rrMs: 830, medianRrMs: 830, rhythm: { ...flags } },
    pulse: { kind: 'value', atMs: 0, pulseRateBpm: 72 },
    temperature: { kind: 'value', atMs: 0, tempC: 37 },
    bloodPressure: { kind: 'value', atMs: 0, systolicMmHg: 118, diastolicMmHg: 76, meanArterialMmHg: 90 },
    nibp: { activity: 'idle', nextAtMs: null },
    alarms: [],
    ...p,
  };
}

test('blood pressure stages follow the reference design (<=120 normal, >120 mild, >130, >145, >160)', () => {
  assert.equal([120, 121, 125, 130, 131, 145, 146, 160, 161, 190].map((v) => systolicLevel(v)), [null, 'mild', 'mild', 'mild', 'moderate', 'moderate', 'severe', 'severe', 'critical', 'critical']);
  assert.equal([37.9, 38, 39, 40].map((v) => feverLevel(v)), [null, 'mild', 'moderate', 'severe']);
});

test('hysteresis: a held level stays within the deadband (3 mmHg, 0.2 °C), never rises because of it', () => {
  assert.equal([37.9, 37.81, 37.79, 37.5].map((v) => feverLevel(v, 'mild')), ['mild', 'mild', null, null]);
  assert.equal([38.9, 38.5].map((v) => feverLevel(v, 'moderate')), ['moderate', 'mild']);
  assert.is(feverLevel(38.9, 'mild'), 'mild');
  assert.equal([119, 118, 117].map((v) => systolicLevel(v, 'mild')), ['mild', 'mild', null]);
  assert.is(systolicLevel(128, 'moderate'), 'moderate');
  assert.is(systolicLevel(127, 'moderate'), 'mild');
  const hr = (bpm: number, flag: boolean) => snap({ ecg: { kind: 'value', atMs: 0, heartRateBpm: bpm, rrMs: 1, medianRrMs: 1, rhythm: { ...flags, bradycardia: flag } } });
  assert.equal(classify(hr(51, false), new Map([['bradycardia', 'mild']])).map((c) => c.condition), ['bradycardia']);
  assert.equal(classify(hr(53, false), new Map([['bradycardia', 'mild']])), []);
  assert.equal(classify(hr(51, false)), []);
});

test('faults never classify as alarms; values do', () => {
  assert.equal(classify(snap()), []);
  const faulty = snap({
    ecg: { kind: 'fault', fault: 'lead-off', sinceMs: 0 },
    temperature: { kind: 'fault', fault: 'saturated', sinceMs: 0 },
    bloodPressure: { kind: 'fault', fault: 'cuff-leak', sinceMs: 0 },
  });
  assert.equal(classify(faulty), []);
  const sick = snap({
    ecg: { kind: 'value', atMs: 0, heartRateBpm: 35, rrMs: 1700, medianRrMs: 1700, rhythm: { ...flags, bradycardia: true } },
    temperature: { kind: 'value', atMs: 0, tempC: 39.2 },
    bloodPressure: { kind: 'value', atMs: 0, systolicMmHg: 150, diastolicMmHg: 95, meanArterialMmHg: 113 },
  });
  assert.equal(classify(sick).map((c) => `${c.condition}:${c.level}`), ['bradycardia:severe', 'hypertension:severe', 'fever:moderate']);
});

test('tracker: raised after 3 evaluations, asystole at once, escalates at once, clears after 5', () => {
  const t = new AlarmTracker();
  const mild = [{ condition: 'hypertension' as const, level: 'mild' as const, detail: 'BP 125/80 mmHg' }];
  assert.equal(t.evaluate(0, mild), []);
  assert.equal(t.evaluate(1000, mild), []);
  assert.equal(t.evaluate(2000, mild).map((c) => c.kind), ['raised']);
  assert.equal(t.evaluate(3000, [{ ...mild[0]!, level: 'critical' }]).map((c) => `${c.kind}:${c.alarm.level}`), ['changed:critical']);
  assert.equal(t.evaluate(4000, [{ condition: 'asystole', level: 'critical', detail: '' }]).map((c) => `${c.kind}:${c.alarm.condition}`), ['raised:asystole']);
  assert.equal(t.alarms().map((a) => a.condition), ['asystole', 'hypertension']);
  assert.equal(t.evaluate(5000, []).map((c) => `${c.kind}:${c.alarm.condition}`), ['cleared:asystole']);
  // Hypertension was missing from 4 s on: the fifth miss (8 s) clears it.
  for (let i = 6; i < 8; i++) assert.equal(t.evaluate(i * 1000, []), []);
  assert.equal(t.evaluate(8000, []).map((c) => c.kind), ["cleared"]);
  assert.equal(t.alarms(), []);
});

test('buzzer: one short chirp for mild, repeating groups for critical, silent when cleared', async () => {
  const clock = new VirtualClock();
  const pin = new SimDigitalOut('D8');
  const edges: Array<[number, boolean]> = [];
  pin.onChange((h) => edges.push([clock.now(), h]));
  const b = new Buzzer(pin, clock);
  clock.every(1000, () => b.update(clock.now() < 60_000 ? 'mild' : clock.now() < 80_000 ? 'critical' : null));
  await clock.runUntil(120_000);
  const rises = edges.filter(([, h]) => h).map(([t]) => t);
  const mild = rises.filter((t) => t < 60_000);
  assert.equal(mild, [1000]);
  assert.equal(edges[1], [1000 + CHIRP_PATTERNS.mild.onMs, false]);
  const crit = rises.filter((t) => t >= 60_000);
  // Groups of 3 at 60 s and 70 s; nothing after the alarm cleared at 80 s.
  assert.is(crit.length, 6);
  assert.ok(crit.every((t) => t < 80_000));
  assert.is(pin.level, false);
});

test('display: serious alarms pre-empt, mild ones take the screen 3 s in 12 s; faults hide values', () => {
  const base = snap({ alarms: [{ condition: 'hypertension', level: 'mild', sinceMs: 0, detail: '' }] });
  const shown = [0, 1000, 2000, 3000, 6000, 11000, MILD_CYCLE_MS].map((t) => toDisplayModel({ ...base, atMs: t }, OFFLINE_NETWORK).alarm?.severity ?? null);
  assert.equal(shown, ['mild', 'mild', 'mild', null, null, null, 'mild']);
  const crit = toDisplayModel(snap({ atMs: 5000, alarms: [{ condition: 'asystole', level: 'critical', sinceMs: 0, detail: '' }] }), OFFLINE_NETWORK);
  assert.equal(crit.alarm, { condition: 'asystole', severity: 'critical' });
  const m = toDisplayModel(snap({ ecg: { kind: 'fault', fault: 'lead-off', sinceMs: 0 }, bloodPressure: { kind: 'fault', fault: 'cuff-leak', sinceMs: 0 } }), OFFLINE_NETWORK);
  assert.is(m.heartRateBpm, undefined);
  assert.is(m.bp, undefined);
  assert.equal(m.faults, ['lead-off', 'cuff-leak']);
});

test('--speed N paces virtual time to wall time x N', async () => {
  const t0 = performance.now();
  await runSim({ scenario: 'normal', seed: 1, durationMs: 2000, speed: 10, lcd: 'none', cuff: 'none' });
  const paced = performance.now() - t0;
  assert.ok(paced >= 190, `${paced.toFixed(0)} ms for 2 s at x10`);
});

test.run();
