// The firmware's pulse-rate and temperature estimators running on the virtual Uno against
// simulated patients: readings judged against the patient's truth, faults reported as faults.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { World, PIN_MAP } from '../../sim/world.ts';
import { PulseRateMonitor, PulseRateEstimator, type PulseReading } from '../../firmware/pulse-rate.ts';
import { TemperatureMonitor, type TemperatureReading } from '../../firmware/temperature.ts';
import type { FixedVitals } from '../../sim/patient/scenarios.ts';

async function pulseRun(scenario: string | FixedVitals, fs: number, seed: number, untilMs = 60_000, world?: World) {
  const w = world ?? new World({ scenario, seed });
  const m = new PulseRateMonitor(w.uno.analogIn(PIN_MAP.pulse), w.uno.scheduler, fs);
  m.start();
  const checks: Array<{ t: number; reading: PulseReading; truth: number }> = [];
  w.clock.every(2500, () => checks.push({ t: w.clock.now(), reading: m.reading(), truth: w.truth().heartRateBpm }));
  await w.runUntil(untilMs);
  return checks;
}

const cases: Array<[string | FixedVitals, number, string]> = [
  [{ heartRateBpm: 40, systolicMmHg: 110, diastolicMmHg: 70 }, 100, '40/min at 100 Hz'],
  ['bradycardia', 50, 'bradycardia 42/min at 50 Hz'],
  ['normal', 250, 'normal 72/min at 250 Hz'],
  [{ heartRateBpm: 100, systolicMmHg: 125, diastolicMmHg: 80 }, 500, '100/min at 500 Hz'],
  ['tachycardia', 100, 'tachycardia 135/min at 100 Hz'],
  [{ heartRateBpm: 180, systolicMmHg: 150, diastolicMmHg: 95 }, 200, '180/min at 200 Hz'],
];

for (const [scenario, fs, label] of cases) {
  test(`pulse rate within 5/min of truth: ${label}`, async () => {
    const checks = await pulseRun(scenario, fs, 31);
    const after = checks.filter((c) => c.t >= 15_000);
    for (const c of after) {
      assert.is(c.reading.kind, 'ok', `${c.t} ms: ${JSON.stringify(c.reading)}`);
      if (c.reading.kind === 'ok') assert.ok(Math.abs(c.reading.pulseRateBpm - c.truth) <= 5, `${c.t} ms: ${c.reading.pulseRateBpm.toFixed(1)} vs ${c.truth}`);
    }
  });
}

test('atrial fibrillation: the pulse rate tracks the real ventricular rate over its 10 s window (within 6/min)', async () => {
  const w = new World({ scenario: 'atrial-fibrillation', seed: 9 });
  const m = new PulseRateMonitor(w.uno.analogIn(PIN_MAP.pulse), w.uno.scheduler, 100);
  m.start();
  let checked = 0;
  w.clock.every(5000, () => {
    const now = w.clock.now();
    if (now < 15_000) return;
    // The rate the heart actually beat at over the last 10 s (AF wanders around its mean).
    const beats = w.patient.beatTimesMs().filter((t) => t > now - 10_000 && t <= now);
    const actual = ((beats.length - 1) * 60_000) / (beats[beats.length - 1]! - beats[0]!);
    const r = m.reading();
    assert.is(r.kind, 'ok');
    if (r.kind === 'ok') assert.ok(Math.abs(r.pulseRateBpm - actual) <= 6, `${now}: ${r.pulseRateBpm} vs ${actual}`);
    checked++;
  });
  await w.runUntil(120_000);
  assert.ok(checked >= 20);
});

test('pulse rate follows a rising heart rate (fever: 72 -> ~80/min over 10 min)', async () => {
  const checks = await pulseRun('fever', 100, 5, 600_000);
  for (const c of checks.filter((c) => c.t >= 15_000)) {
    assert.is(c.reading.kind, 'ok');
    if (c.reading.kind === 'ok') assert.ok(Math.abs(c.reading.pulseRateBpm - c.truth) <= 5, `${c.t}: ${c.reading.pulseRateBpm} vs ${c.truth}`);
  }
});

test('pulse faults: sensor off the finger is no-pulse/flat, saturated sensor is saturated, asystole is no-pulse', async () => {
  const off = new World({ scenario: 'normal', seed: 2, pulseSensor: { offFinger: [[20_000, 40_000]] } });
  const c1 = await pulseRun('normal', 100, 2, 60_000, off);
  const during = c1.filter((c) => c.t >= 25_000 && c.t < 40_000);
  assert.ok(during.length > 4);
  for (const c of during) assert.ok(c.reading.kind === 'fault' && (c.reading.fault === 'no-pulse' || c.reading.fault === 'flat'), `${c.t}: ${JSON.stringify(c.reading)}`);
  const back = c1.filter((c) => c.t >= 52_500);
  for (const c of back) assert.is(c.reading.kind, 'ok', `${c.t}: ${JSON.stringify(c.reading)}`);

  const hot = new World({ scenario: 'normal', seed: 2, pulseSensor: { gainVPerUnit: 40 } });
  const c2 = await pulseRun('normal', 100, 2, 20_000, hot);
  for (const c of c2.filter((c) => c.t >= 5000)) assert.equal(c.reading, { kind: 'fault', fault: 'saturated' });

  const c3 = await pulseRun('asystole', 100, 2, 30_000);
  for (const c of c3.filter((c) => c.t >= 17_500)) assert.ok(c.reading.kind === 'fault' && c.reading.fault !== 'saturated', `${c.t}: ${JSON.stringify(c.reading)}`);
  assert.ok(c3.some((c) => c.t < 10_000 && c.reading.kind === 'ok'));
});

test('pulse estimator: flat input is flat, a clean square pulse train gives its rate', () => {
  const e = new PulseRateEstimator({ sampleRateHz: 100 });
  for (let i = 0; i < 1000; i++) e.push(512);
  assert.equal(e.reading(), { kind: 'fault', fault: 'flat' });
  const f = new PulseRateEstimator({ sampleRateHz: 100 });
  for (let i = 0; i < 3000; i++) f.push(i % 80 < 20 ? 700 : 400); // 0.8 s period = 75/min
  const r = f.reading();
  assert.ok(r.kind === 'ok' && Math.abs(r.pulseRateBpm - 75) < 0.5, JSON.stringify(r));
  assert.throws(() => new PulseRateEstimator({ sampleRateHz: 5 }), RangeError);
});

async function tempRun(world: World, opts: { calibrate: boolean }, untilMs: number, every = 10_000) {
  const m = new TemperatureMonitor(world.uno.analogIn(PIN_MAP.temperature), world.uno.scheduler, 10, opts.calibrate ? { calibrationOffsetC: world.lm35.offsetC } : {});
  m.start();
  const checks: Array<{ t: number; reading: TemperatureReading; truth: number }> = [];
  world.clock.every(every, () => checks.push({ t: world.clock.now(), reading: m.reading(), truth: world.truth().coreTempC }));
  await world.runUntil(untilMs);
  return checks;
}

test('temperature within 0.3 °C of core temperature after settling (calibrated probe, fever 37 -> 39.5)', async () => {
  const w = new World({ scenario: 'fever', seed: 8, lm35: { offsetC: 0.4 } });
  const checks = await tempRun(w, { calibrate: true }, 1_900_000);
  let worst = 0;
  for (const c of checks.filter((c) => c.t >= 60_000)) {
    assert.is(c.reading.kind, 'ok', `${c.t}: ${JSON.stringify(c.reading)}`);
    if (c.reading.kind === 'ok') worst = Math.max(worst, Math.abs(c.reading.tempC - c.truth));
  }
  assert.ok(worst < 0.3, `worst error ${worst}`);
  const last = checks[checks.length - 1]!;
  assert.ok(last.reading.kind === 'ok' && last.reading.tempC > 39.2);
});

test('temperature without calibration stays within the LM35 class (±0.5 °C) plus 0.2', async () => {
  for (const seed of [1, 2, 3]) {
    const w = new World({ scenario: 'normal', seed });
    const checks = await tempRun(w, { calibrate: false }, 120_000);
    const last = checks[checks.length - 1]!;
    assert.ok(last.reading.kind === 'ok' && Math.abs(last.reading.tempC - 37) < Math.abs(w.lm35.offsetC) + 0.2, JSON.stringify(last));
  }
});

test('temperature faults: open wire, short to 5 V, unplugged probe, probe off the body', async () => {
  const w = new World({ scenario: 'normal', seed: 4 });
  const m = new TemperatureMonitor(w.uno.analogIn(PIN_MAP.temperature), w.uno.scheduler, 10);
  m.start();
  await w.runUntil(2000);
  assert.equal(m.reading(), { kind: 'fault', fault: 'settling' });
  await w.runUntil(30_000);
  assert.is(m.reading().kind, 'ok');
  w.lm35.fault = 'open';
  await w.runUntil(31_000);
  assert.equal(m.reading(), { kind: 'fault', fault: 'open-input' });
  w.lm35.fault = 'short-to-supply';
  await w.runUntil(32_000);
  assert.equal(m.reading(), { kind: 'fault', fault: 'saturated' });
  w.lm35.fault = 'none';
  w.uno.detachAnalog(PIN_MAP.temperature);
  await w.runUntil(33_000);
  assert.equal(m.reading(), { kind: 'fault', fault: 'open-input' });
  // Probe lying on the table at 22 °C
  const cold = new World({ scenario: 'normal', seed: 4, lm35: { initialC: 22, timeConstantS: 1e9 } });
  const c = new TemperatureMonitor(cold.uno.analogIn(PIN_MAP.temperature), cold.uno.scheduler, 10);
  c.start();
  await cold.runUntil(60_000);
  assert.equal(c.reading(), { kind: 'fault', fault: 'implausible' });
});

test.run();
