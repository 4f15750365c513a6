// The activity physiology model and the step counter on its accelerations.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../sim/rng.ts';
import { ACTIVITY_SCENARIOS, ActivityPhysiology, ActivityScenarioError, activityScenario, drawStressSubject, validateActivityScenario, type ActivityState } from '../../sim/stress/activity.ts';
import { StepCounter } from '../../firmware/stress/steps.ts';

function single(state: ActivityState) {
  return { name: state, description: state, segments: [{ atS: 0, state }] };
}

/** Steps/min counted over minutes 1-3 of a subject walking at a set cadence. */
function countAt(cadence: number, seed: number, state: ActivityState = 'walking'): { counted: number; total: number } {
  const rng = new Rng(seed);
  const subject = drawStressSubject(rng.fork('s'));
  subject[state] = { ...subject[state], cadenceSpm: cadence };
  const phys = new ActivityPhysiology(single(state), rng.fork('p'), subject);
  const sc = new StepCounter();
  const noise = rng.fork('noise');
  for (let t = 0; t <= 180_000; t += 40) {
    const [x, y, z] = phys.accelerationG(t);
    sc.push(t, x + noise.normal(0, 0.002), y + noise.normal(0, 0.002), z + noise.normal(0, 0.002));
  }
  const r = sc.stepsPerMin(180_000);
  if (r.kind !== 'ok') throw new Error('settling');
  return { counted: r.stepsPerMin, total: sc.totalSteps };
}

test('step counter: cadence 80-190 steps/min counted within 3 %, any wearing orientation', () => {
  for (const [i, cadence] of [80, 95, 110, 125, 140, 160, 175, 190].entries()) {
    const { counted } = countAt(cadence, 100 + i);
    assert.ok(Math.abs(counted - cadence) <= 0.03 * cadence, `cadence ${cadence}: counted ${counted.toFixed(1)}`);
  }
});

test('step counter: rest and acute stress (sitting, fidgeting) count few or no steps', () => {
  for (let seed = 1; seed <= 5; seed++) {
    assert.ok(countAt(0, seed, 'rest').counted <= 5, `rest seed ${seed}`);
    assert.ok(countAt(0, seed, 'acute-stress').counted <= 10, `stress seed ${seed}`);
  }
});

test('step counter: settling until 30 s observed, and after a gap in the samples', () => {
  const sc = new StepCounter();
  for (let t = 0; t <= 20_000; t += 40) sc.push(t, 0, -1, 0);
  assert.equal(sc.stepsPerMin(20_000), { kind: 'fault', fault: 'settling' });
  for (let t = 20_040; t <= 40_000; t += 40) sc.push(t, 0, -1, 0);
  assert.equal(sc.stepsPerMin(40_000), { kind: 'ok', stepsPerMin: 0 });
  assert.equal(sc.stepsPerMin(45_000), { kind: 'fault', fault: 'settling' }, 'no samples for 5 s');
  sc.push(50_000, 0, -1, 0);
  assert.equal(sc.stepsPerMin(50_000), { kind: 'fault', fault: 'settling' }, 'window restarted');
});

test('physiology: exercise warms the skin and sweats; acute stress sweats and cools the finger', () => {
  let warmer = 0;
  let cooler = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const ex = new ActivityPhysiology(activityScenario('exercise'), new Rng(seed));
    const st = new ActivityPhysiology(activityScenario('acute-stress'), new Rng(seed));
    const ex0 = ex.truth(110_000);
    const st0 = st.truth(110_000);
    const ex1 = ex.truth(900_000);
    const st1 = st.truth(900_000);
    assert.is(ex1.state, 'exercise');
    assert.ok(ex1.cadenceSpm >= 135 && ex1.cadenceSpm <= 175);
    assert.ok(ex1.sclUs > 1.3 * ex0.sclUs, `exercise SCL ${ex0.sclUs.toFixed(2)} -> ${ex1.sclUs.toFixed(2)}`);
    assert.ok(st1.sclUs > 1.3 * st0.sclUs, `stress SCL ${st0.sclUs.toFixed(2)} -> ${st1.sclUs.toFixed(2)}`);
    assert.ok(st1.cadenceSpm < 1);
    if (ex1.skinTempC > ex0.skinTempC) warmer++;
    if (st1.skinTempC < st0.skinTempC - 1) cooler++;
  }
  assert.ok(warmer >= 18, `exercise warmed ${warmer}/20`);
  assert.is(cooler, 20, 'stress cooled the finger by > 1 °C in every subject');
});

test('physiology: phasic responses ride on the tonic level during acute stress', () => {
  const p = new ActivityPhysiology(single('acute-stress'), new Rng(9));
  let maxPhasic = 0;
  for (let t = 0; t < 300_000; t += 250) {
    const tr = p.truth(t);
    maxPhasic = Math.max(maxPhasic, tr.conductanceUs - tr.sclUs);
    assert.ok(tr.conductanceUs >= tr.sclUs);
  }
  assert.ok(maxPhasic > 0.3, `largest response ${maxPhasic.toFixed(2)} µS`);
});

test('scenarios are validated data; the same seed gives the same subject', () => {
  for (const s of ACTIVITY_SCENARIOS) validateActivityScenario(s);
  assert.throws(() => activityScenario('nope'), (e: unknown) => e instanceof ActivityScenarioError);
  assert.throws(() => validateActivityScenario({ name: 'x', description: '', segments: [{ atS: 5, state: 'rest' }] }), /start at 0/);
  assert.throws(() => validateActivityScenario({ name: 'x', description: '', segments: [{ atS: 0, state: 'rest' }, { atS: 0, state: 'walking' }] }), /increase/);
  assert.throws(() => validateActivityScenario({ name: 'x', description: '', segments: [{ atS: 0, state: 'sleep' as ActivityState }] }), /unknown state/);
  assert.equal(drawStressSubject(new Rng(4)), drawStressSubject(new Rng(4)));
  assert.not.equal(drawStressSubject(new Rng(4)), drawStressSubject(new Rng(5)));
});

test.run();
