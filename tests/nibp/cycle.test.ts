// A full oscillometric cycle on the simulated cuff: accuracy on one subject, the inflation target,
// the deflation rate measured on the true cuff pressure, determinism.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeBench, slopeMmHgPerS, NORMAL } from './harness.ts';

test('a normal subject reads within a few mmHg, with MAP and pulse rate', async () => {
  const b = makeBench(NORMAL, 11);
  const r = await b.cycle();
  assert.ok(r && r.kind === 'reading', JSON.stringify(r));
  if (r.kind !== 'reading') return;
  assert.ok(Math.abs(r.systolicMmHg - 120) <= 5, `SBP ${r.systolicMmHg}`);
  assert.ok(Math.abs(r.diastolicMmHg - 80) <= 5, `DBP ${r.diastolicMmHg}`);
  const trueMap = b.patient.truth(0).meanArterialMmHg;
  assert.ok(Math.abs(r.meanArterialMmHg - trueMap) <= 6, `MAP ${r.meanArterialMmHg} vs ${trueMap.toFixed(1)}`);
  assert.ok(r.pulseRateBpm !== undefined && Math.abs(r.pulseRateBpm - 72) <= 3, `PR ${r.pulseRateBpm}`);
  // The cycle is over: idle, pump off, valve open, cuff vented.
  assert.is(b.ctl.state, 'idle');
  assert.is(b.rig.pump.level, false);
  assert.is(b.rig.valve.duty, 0);
  assert.ok(b.rig.pressureMmHg() < 10);
});

test('hypotensive, hypertensive, slow and fast subjects', async () => {
  const cases = [
    { systolicMmHg: 90, diastolicMmHg: 55, heartRateBpm: 110 },
    { systolicMmHg: 165, diastolicMmHg: 100, heartRateBpm: 50 },
    { systolicMmHg: 140, diastolicMmHg: 90, heartRateBpm: 135 },
  ];
  for (const [i, s] of cases.entries()) {
    const r = await makeBench(s, 20 + i).cycle();
    assert.ok(r && r.kind === 'reading', `${JSON.stringify(s)} -> ${JSON.stringify(r)}`);
    if (r.kind !== 'reading') continue;
    assert.ok(Math.abs(r.systolicMmHg - s.systolicMmHg) <= 8, `SBP ${r.systolicMmHg} vs ${s.systolicMmHg}`);
    assert.ok(Math.abs(r.diastolicMmHg - s.diastolicMmHg) <= 8, `DBP ${r.diastolicMmHg} vs ${s.diastolicMmHg}`);
  }
});

test('first cycle inflates to 180 mmHg, the next to the last systolic + 30', async () => {
  const b = makeBench(NORMAL, 12);
  assert.is(b.ctl.inflationTargetMmHg, 180);
  const r1 = await b.cycle();
  assert.ok(r1?.kind === 'reading');
  if (r1?.kind !== 'reading') return;
  // True peak: the target plus at most the overshoot while the pump stops (one sample, sensor error).
  const peak1 = b.rig.maxPressureMmHg;
  assert.ok(peak1 >= 178 && peak1 <= 186, `first peak ${peak1.toFixed(1)}`);
  const target2 = r1.systolicMmHg + 30;
  assert.is(b.ctl.inflationTargetMmHg, target2);
  b.rig.maxPressureMmHg = 0;
  const r2 = await b.cycle();
  assert.ok(r2?.kind === 'reading', JSON.stringify(r2));
  const peak2 = b.rig.maxPressureMmHg;
  assert.ok(peak2 >= target2 - 2 && peak2 <= target2 + 6, `second peak ${peak2.toFixed(1)} for target ${target2}`);
  // And the second cycle is quicker: less to inflate and deflate.
  if (r2?.kind === 'reading') assert.ok(Math.abs(r2.systolicMmHg - 120) <= 5);
});

test('back-to-back cycles: the auto-zero waits for the cuff to finish venting', async () => {
  // Before the zero settles the cuff still holds a few mmHg from the dump; zeroing on that would
  // read every later pressure low by as much.
  for (const seed of [1, 2, 3]) {
    const b = makeBench(NORMAL, seed);
    const r1 = await b.cycle();
    const r2 = await b.cycle();
    assert.ok(r1?.kind === 'reading' && r2?.kind === 'reading', `${JSON.stringify(r1)} ${JSON.stringify(r2)}`);
    if (r1?.kind !== 'reading' || r2?.kind !== 'reading') continue;
    assert.ok(Math.abs(r2.systolicMmHg - r1.systolicMmHg) <= 4 && Math.abs(r2.diastolicMmHg - r1.diastolicMmHg) <= 4, `${r1.systolicMmHg}/${r1.diastolicMmHg} then ${r2.systolicMmHg}/${r2.diastolicMmHg}`);
    assert.ok(Math.abs(r2.systolicMmHg - 120) <= 5 && Math.abs(r2.diastolicMmHg - 80) <= 5);
  }
});

test('subject with systolic above 180: the controller re-inflates higher and still reads it', async () => {
  const s = { systolicMmHg: 195, diastolicMmHg: 110, heartRateBpm: 80 };
  const b = makeBench(s, 13);
  const r = await b.cycle();
  assert.ok(r?.kind === 'reading', JSON.stringify(r));
  if (r?.kind !== 'reading') return;
  assert.ok(b.rig.maxPressureMmHg > 215, `re-inflated to ${b.rig.maxPressureMmHg.toFixed(1)}`);
  assert.ok(Math.abs(r.systolicMmHg - 195) <= 8, `SBP ${r.systolicMmHg}`);
  assert.ok(r.at < 120_000);
});

test('deflation rate measured on the true cuff pressure stays within 2-4 mmHg/s', async () => {
  for (const [i, s] of [NORMAL, { systolicMmHg: 100, diastolicMmHg: 60, heartRateBpm: 60 }].entries()) {
    const b = makeBench(s, 30 + i);
    const r = await b.cycle();
    assert.ok(r?.kind === 'reading');
    const defl = b.trace.filter((p) => p.state === 'deflating');
    // Skip the 2 s hold and the first second of the ramp.
    const t0 = defl[0]!.tMs + 3000;
    const t1 = defl[defl.length - 1]!.tMs;
    const overall = -slopeMmHgPerS(defl.filter((p) => p.tMs >= t0));
    assert.ok(overall >= 2.5 && overall <= 3.5, `overall ${overall.toFixed(2)} mmHg/s`);
    // Every 5 s window, beats included.
    for (let w = t0; w + 5000 <= t1; w += 5000) {
      const rate = -slopeMmHgPerS(defl.filter((p) => p.tMs >= w && p.tMs < w + 5000));
      assert.ok(rate >= 2 && rate <= 4, `window at ${(w / 1000).toFixed(0)} s: ${rate.toFixed(2)} mmHg/s`);
    }
  }
});

test('same seed, same cycle; another seed, another noise', async () => {
  const run = async (seed: number) => {
    const b = makeBench({ systolicMmHg: 133, diastolicMmHg: 77, heartRateBpm: 88 }, seed);
    const r = await b.cycle();
    return { r, max: b.rig.maxPressureMmHg, trace: b.trace.map((p) => p.pressureMmHg) };
  };
  const a = await run(5);
  const b = await run(5);
  assert.equal(a.r, b.r);
  assert.is(a.max, b.max);
  assert.equal(a.trace, b.trace);
  const c = await run(6);
  assert.not.equal(c.trace, a.trace);
});

test('start() while a cycle runs is refused; abort() dumps at once', async () => {
  const b = makeBench(NORMAL, 14);
  assert.ok(b.ctl.start());
  assert.not.ok(b.ctl.start());
  await b.clock.runFor(5000);
  assert.is(b.ctl.state, 'inflating');
  assert.is(b.rig.pump.level, true);
  b.ctl.abort();
  assert.is(b.ctl.state, 'idle');
  assert.is(b.rig.pump.level, false);
  assert.is(b.rig.valve.duty, 0);
  await b.clock.runFor(8000);
  assert.ok(b.rig.pressureMmHg() < 10);
  assert.is(b.results.length, 0);
});

test.run();
