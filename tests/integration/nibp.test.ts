// Blood pressure in the device: the oscillometric controller on the simulated cuff (pump, valve,
// MPX5050, oscillation amplifier) through the virtual Uno, scheduled by the device every 15 min;
// readings against the patient model's truth at the time of measurement, faults as faults.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSim } from '../../cli/sim-run.ts';
import { SENSOR_PINS } from '../../hal/wiring.ts';

test('a reading every 15 min, each within 8 mmHg of the truth; shown on the LCD', async () => {
  const lcdSeen: string[] = [];
  const s = await runSim({ scenario: 'normal', seed: 12, durationMs: 50 * 60_000, sampleEveryMs: 60_000, onSample: (r, run) => void (r.tMs % 600_000 === 0 && lcdSeen.push(...run.lcdLines()!)) });
  assert.is(s.bloodPressure.length, 4, JSON.stringify(s.bloodPressure));
  const starts = [60_000, 960_000, 1_860_000, 2_760_000];
  s.bloodPressure.forEach((r, i) => {
    assert.ok(r.measured, JSON.stringify(r));
    assert.ok(r.atMs > starts[i]! && r.atMs < starts[i]! + 120_000, `${r.atMs}`);
    assert.ok(Math.abs(r.measured!.systolicMmHg - r.truth.systolicMmHg) <= 8, JSON.stringify(r));
    assert.ok(Math.abs(r.measured!.diastolicMmHg - r.truth.diastolicMmHg) <= 8, JSON.stringify(r));
  });
  const bp = s.finalSnapshot.bloodPressure;
  // Measured when the envelope was complete; reported once the cuff had vented, seconds later.
  const last = s.bloodPressure[3]!;
  assert.ok(bp.kind === 'value' && bp.atMs === last.atMs && last.reportedAtMs > last.atMs && last.reportedAtMs < last.atMs + 10_000);
  // 118/76 sits just under the reference design's 120: a reading of 121 is a (mild) hypertension,
  // and nothing else may be raised.
  assert.ok(s.alarms.every((a) => a.condition === 'hypertension' && a.level === 'mild'), JSON.stringify(s.alarms));
  assert.ok(lcdSeen.some((l) => /^BP 1[12]\d\/[678]\d +\d+m$/.test(l)), JSON.stringify(lcdSeen));
});

test('cuff-leak scenario: a cuff-leak fault in the snapshot and on the LCD, no reading, no alarm', async () => {
  const frames: string[] = [];
  const s = await runSim({ scenario: 'cuff-leak', seed: 5, durationMs: 150_000, sampleEveryMs: 1000, onSample: (_r, run) => void frames.push(run.lcdLines()!.join('|')) });
  assert.is(s.bloodPressure.length, 1);
  assert.is(s.bloodPressure[0]!.fault, 'cuff-leak');
  assert.is(s.bloodPressure[0]!.measured, null);
  const bp = s.finalSnapshot.bloodPressure;
  assert.ok(bp.kind === 'fault' && bp.fault === 'cuff-leak');
  assert.ok(s.faults.some((f) => f.channel === 'blood-pressure' && f.fault === 'cuff-leak' && !f.cleared));
  assert.equal(s.alarms, []);
  assert.ok(frames.some((f) => f.includes('Cuff leak')), frames.slice(-10).join('\n'));
  assert.ok(s.samples.every((r) => r.systolicMmHg.measured === null));
});

test('hypertensive crisis, cuff every 2 min: the stages escalate mild -> moderate -> ... and the buzzer chirps gently at mild', async () => {
  const edges: number[] = [];
  const s = await runSim({
    scenario: 'hypertensive-crisis', seed: 1, durationMs: 8 * 60_000, device: { nibpIntervalMs: 120_000 },
    setup: (run) => run.dw.world.uno.outputWire(SENSOR_PINS.buzzer).onChange((h) => void (h && edges.push(run.dw.world.clock.now()))),
  });
  const hyper = s.alarms.filter((a) => a.condition === 'hypertension');
  assert.is(hyper[0]?.change, 'raised');
  assert.is(hyper[0]?.level, 'mild');
  assert.ok(hyper.some((a) => a.level === 'moderate'), JSON.stringify(hyper));
  const firstHigh = s.bloodPressure.find((r) => r.measured && r.measured.systolicMmHg > 120)!;
  assert.ok(firstHigh);
  const mildChirps = edges.filter((t) => t < (hyper.find((a) => a.level === 'moderate')?.atMs ?? Infinity));
  // Gentle: one chirp when raised, the next no sooner than 5 min later.
  assert.ok(mildChirps.length >= 1 && mildChirps.length <= 2, JSON.stringify(edges));
  assert.ok(mildChirps[0]! >= firstHigh.reportedAtMs && mildChirps[0]! <= firstHigh.reportedAtMs + 5000);
  if (mildChirps.length === 2) assert.ok(mildChirps[1]! - mildChirps[0]! >= 300_000);
  for (const r of s.bloodPressure) if (r.measured) assert.ok(Math.abs(r.measured.systolicMmHg - r.truth.systolicMmHg) <= 10, JSON.stringify(r));
});

test('backpack wiring (cuff on A3 alone): failed determinations are faults, never readings or alarms', async () => {
  const s = await runSim({ scenario: 'normal', seed: 3, durationMs: 20 * 60_000, lcd: 'backpack', cuff: 'dc-only', device: { nibpIntervalMs: 5 * 60_000 } });
  assert.ok(s.bloodPressure.length >= 3);
  for (const r of s.bloodPressure) {
    if (r.measured) assert.ok(Math.abs(r.measured.systolicMmHg - r.truth.systolicMmHg) <= 15, JSON.stringify(r));
    else assert.ok(r.fault !== null);
  }
  assert.equal(s.alarms, []);
});

test.run();
