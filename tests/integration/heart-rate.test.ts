// Heart rate measured end to end by the device application - patient ECG -> AD8232 -> Uno ADC ->
// QRS detector -> rhythm analysis -> snapshot - against the model's truth, from 40 to 180/min,
// at 250 Hz (default) and at 100 Hz (a Firmata board). Tolerance: 5/min or 10 %, the larger.
// In AF the ventricular rate wanders beat to beat and the device's rate is the median of its last
// 8 RR intervals (detected up to 2 s late), so AF is judged on the mean of the samples against the
// model's mean rate over the same time (max(5, 10 %)), each sample within 25 %.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSimRun } from '../../cli/sim-run.ts';
import type { FixedVitals } from '../../sim/patient/scenarios.ts';

const subjects: Array<[string | FixedVitals, string]> = [
  ...[40, 60, 90, 120, 150, 180].map((hr): [FixedVitals, string] => [{ heartRateBpm: hr, systolicMmHg: 115 + hr / 6, diastolicMmHg: 75 }, `fixed ${hr}/min`]),
  ['bradycardia', 'bradycardia scenario'],
  ['tachycardia', 'tachycardia scenario'],
  ['atrial-fibrillation', 'AF scenario'],
];

for (const ecgHz of [250, 100]) {
  for (const [scenario, label] of subjects) {
    test(`${label} at ${ecgHz} Hz: HR within max(5/min, 10 %) from 15 s to 90 s`, async () => {
      const run = createSimRun({ scenario, seed: 11, lcd: 'none', cuff: 'none', device: { ecgHz } });
      const w = run.dw.world;
      const checks: string[] = [];
      const measured: number[] = [];
      let n = 0;
      run.device.start();
      w.clock.every(2500, () => {
        const now = w.clock.now();
        if (now < 15_000) return;
        const s = run.device.snapshot();
        const tr = w.truth();
        n++;
        if (s.ecg.kind !== 'value') return void checks.push(`${now}: ${s.ecg.kind}`);
        measured.push(s.ecg.heartRateBpm);
        const af = tr.rhythm === 'atrial-fibrillation';
        const tol = af ? 0.25 * tr.heartRateBpm : Math.max(5, 0.1 * tr.heartRateBpm);
        if (Math.abs(s.ecg.heartRateBpm - tr.heartRateBpm) > tol) checks.push(`${now}: ${s.ecg.heartRateBpm.toFixed(1)} vs ${tr.heartRateBpm.toFixed(1)}`);
      });
      await w.runUntil(90_000);
      assert.ok(n >= 30);
      assert.equal(checks, [], checks.join('; '));
      if (w.truth().rhythm === 'atrial-fibrillation') {
        const beats = w.patient.beatTimesMs().filter((t) => t >= 13_000 && t <= 90_000);
        const actual = ((beats.length - 1) * 60_000) / (beats[beats.length - 1]! - beats[0]!);
        const mean = measured.reduce((a, b) => a + b, 0) / measured.length;
        assert.ok(Math.abs(mean - actual) <= Math.max(5, 0.1 * actual), `AF mean ${mean.toFixed(1)} vs actual ${actual.toFixed(1)}/min`);
      }
      assert.is(run.device.ecgHz, ecgHz);
    });
  }
}

test('rhythm flags at the device: bradycardia, tachycardia and AF flagged, normal not', async () => {
  const flags = async (scenario: string) => {
    const run = createSimRun({ scenario, seed: 4, lcd: 'none', cuff: 'none' });
    run.device.start();
    await run.dw.world.runUntil(90_000);
    const s = run.device.snapshot();
    assert.is(s.ecg.kind, 'value');
    return s.ecg.kind === 'value' ? s.ecg.rhythm : null;
  };
  assert.ok((await flags('bradycardia'))?.bradycardia);
  assert.ok((await flags('tachycardia'))?.tachycardia);
  assert.ok((await flags('atrial-fibrillation'))?.irregular);
  assert.equal(await flags('normal'), { bradycardia: false, tachycardia: false, irregular: false, asystole: false });
});

test.run();
