// Parameterised patient scenarios (heart-rate=BPM, temperature=C, optional @ONSET_S): the value is
// held exactly after the onset, the patient is normal before it, bad values get ScenarioError, and
// the named scenarios are unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getScenario, heartRateScenario, scenarioNames, ScenarioError, temperatureScenario } from '../../sim/patient/scenarios.ts';
import { Patient } from '../../sim/patient/patient.ts';
import { Rng } from '../../sim/rng.ts';

test('heart-rate=35: normal for 20 s, a 5 s ramp, then 35/min held, labelled bradycardia', () => {
  const s = getScenario('heart-rate=35');
  assert.is(s.name, 'heart-rate=35');
  assert.equal(s, heartRateScenario(35));
  const p = new Patient(s, new Rng(1));
  assert.is(p.truth(10_000).heartRateBpm, 72);
  assert.is(p.truth(10_000).rhythm, 'sinus');
  assert.ok(Math.abs(p.truth(22_500).heartRateBpm - (72 + 35) / 2) < 1e-9);
  for (const t of [25_000, 60_000, 3_600_000]) assert.is(p.truth(t).heartRateBpm, 35);
  assert.is(p.truth(30_000).rhythm, 'bradycardia');
  assert.is(p.truth(30_000).coreTempC, 37);
  // The variability scales with the rate: a slow rhythm stays regular.
  assert.ok(s.hrv.hrSdBpm < 2);
});

test('heart-rate=180@0 is tachycardia from the start; temperature=41.5 from the start, @60 after a normal minute', () => {
  const hr = new Patient(getScenario('heart-rate=180@0'), new Rng(1));
  assert.is(hr.truth(0).heartRateBpm, 180);
  assert.is(hr.truth(0).rhythm, 'tachycardia');
  const t = new Patient(getScenario('temperature=41.5'), new Rng(1));
  assert.is(t.truth(0).coreTempC, 41.5);
  assert.is(t.truth(0).heartRateBpm, 72);
  const later = new Patient(getScenario('temperature=31@60'), new Rng(1));
  assert.is(later.truth(59_000).coreTempC, 37);
  assert.is(later.truth(65_000).coreTempC, 31);
  assert.equal(temperatureScenario(31, { onsetS: 60 }), getScenario('temperature=31@60'));
});

test('values outside the model ranges and malformed names are ScenarioErrors', () => {
  for (const bad of ['heart-rate=300', 'heart-rate=10', 'temperature=50', 'temperature=20', 'heart-rate=abc', 'heart-rate=', 'pressure=120', 'temperature=-3']) {
    assert.throws(() => getScenario(bad), (e: unknown) => e instanceof ScenarioError, bad);
  }
});

test('the named scenarios are still there', () => {
  for (const n of ['normal', 'bradycardia', 'tachycardia', 'atrial-fibrillation', 'fever', 'asystole', 'lead-off', 'cuff-leak']) assert.is(getScenario(n).name, n);
  assert.ok(!scenarioNames().some((n) => n.includes('=')));
});

test.run();
