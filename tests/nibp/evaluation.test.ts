// The ISO 81060-2 style evaluation on a smaller population (30 subjects) and its determinism.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateNibp } from '../../cli/commands/eval-nibp.ts';

test('30 subjects meet the ISO 81060-2 criterion (|mean| <= 5, SD <= 8 mmHg) with no faults', async () => {
  const ev = await evaluateNibp(30, 101);
  assert.is(ev.readings, 30, JSON.stringify(ev.faults));
  for (const [name, e] of [['SBP', ev.systolic], ['DBP', ev.diastolic]] as const) {
    assert.ok(Math.abs(e.meanMmHg) <= 5, `${name} mean ${e.meanMmHg.toFixed(2)}`);
    assert.ok(e.sdMmHg <= 8, `${name} SD ${e.sdMmHg.toFixed(2)}`);
    // The model is not trivially perfect: errors do occur.
    assert.ok(e.sdMmHg > 0.5, `${name} SD ${e.sdMmHg.toFixed(2)} suspiciously small`);
  }
  assert.ok(ev.passes);
  // The population spans what the standard asks for.
  const sbp = ev.outcomes.map((o) => o.subject.pressure.systolicMmHg);
  const dbp = ev.outcomes.map((o) => o.subject.pressure.diastolicMmHg);
  assert.ok(Math.min(...sbp) < 110 && Math.max(...sbp) > 170);
  assert.ok(Math.min(...dbp) < 65 && Math.max(...dbp) > 100);
  assert.ok(ev.outcomes.every((o) => o.subject.pressure.diastolicMmHg < o.subject.pressure.systolicMmHg - 20));
  assert.ok(ev.maxCycleS < 120);
  assert.ok(ev.distribution.meetsIso, JSON.stringify(ev.distribution));
});

test('same seed, same evaluation; another seed, another population', async () => {
  const strip = (e: Awaited<ReturnType<typeof evaluateNibp>>) => e.outcomes.map((o) => [o.subject, o.result]);
  const a = await evaluateNibp(8, 55);
  const b = await evaluateNibp(8, 55);
  assert.equal(strip(a), strip(b));
  assert.equal(a.systolic, b.systolic);
  const c = await evaluateNibp(8, 56);
  assert.not.equal(strip(c), strip(a));
});

test.run();
