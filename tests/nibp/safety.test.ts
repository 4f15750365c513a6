// IEC 80601-2-30 style safety of the automated cycle: over-pressure cut-off, 120 s limit, leaks,
// sensor faults, no pulse. Each ends with the pump off, the valve open and a fault, never a reading.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeBench, NORMAL, type Bench } from './harness.ts';
import { SAFETY } from '../../firmware/nibp/safety.ts';

function assertDumping(b: Bench, label: string): void {
  assert.is(b.rig.pump.level, false, `${label}: pump off`);
  assert.is(b.rig.valve.duty, 0, `${label}: valve open`);
}

test('a controller driven beyond 300 mmHg: cut-off fires, the cuff dumps, true pressure stays <= 300', async () => {
  // Fault injection: a target the production limits would never choose.
  for (const seed of [1, 2, 3, 4]) {
    const b = makeBench(NORMAL, seed, {}, { firstTargetMmHg: 350, maxTargetMmHg: 400 });
    const r = await b.cycle();
    assert.equal(r?.kind === 'fault' ? r.fault : r, 'overpressure');
    const peak = b.rig.maxPressureMmHg;
    assert.ok(peak <= SAFETY.standardLimitMmHg, `seed ${seed}: true peak ${peak.toFixed(2)} mmHg`);
    assert.ok(peak >= 285, `seed ${seed}: it did get near the limit (${peak.toFixed(1)})`);
    // The fault is raised within one sample of the reading crossing the cut-off, and from then on
    // the pressure only falls.
    const at = r!.at;
    const afterCut = b.trace.filter((p) => p.tMs > at + 20);
    assert.ok(afterCut.length > 0 && afterCut.every((p) => !p.pumpOn && p.valveDuty === 0));
    const rise = Math.max(...b.trace.filter((p) => p.tMs > at).map((p) => p.pressureMmHg)) - b.trace.find((p) => p.tMs >= at)!.pressureMmHg;
    assert.ok(rise <= 1, `rose ${rise.toFixed(2)} mmHg after the cut-off`);
    assertDumping(b, 'after overpressure');
    assert.ok(b.rig.pressureMmHg() < 10, 'vented');
  }
});

test('a cycle that exceeds 120 s (clogged valve: the cuff barely deflates) is stopped with a timeout', async () => {
  const b = makeBench(NORMAL, 3);
  b.rig.cuff.valveFault = 'clogged';
  const r = await b.cycle(300_000);
  assert.ok(r?.kind === 'fault' && r.fault === 'timeout', JSON.stringify(r));
  // The cycle started at 0: raised at the first sample past 120 s.
  assert.ok(r!.at > SAFETY.maxCycleMs && r!.at <= SAFETY.maxCycleMs + 20, `at ${r!.at} ms`);
  const dumpStart = b.trace.find((p) => p.tMs > r!.at - 1000 && p.state === 'dumping');
  assert.ok(dumpStart, 'dumping');
  // The dump was commanded at the timeout: pump off, valve open from then on.
  assert.ok(b.trace.filter((p) => p.tMs > r!.at - 5000 + 5020 && p.tMs < r!.at).every((p) => !p.pumpOn && p.valveDuty === 0));
  assertDumping(b, 'after timeout');
});

test('a disconnected hose (huge leak): no pressure rise, cuff-leak after 10 s of pumping', async () => {
  const b = makeBench(NORMAL, 4, { cuffLeakMmHgPerS: 500 });
  const r = await b.cycle();
  assert.ok(r?.kind === 'fault' && r.fault === 'cuff-leak', JSON.stringify(r));
  assert.ok(b.rig.maxPressureMmHg < 30, `peak ${b.rig.maxPressureMmHg.toFixed(1)}`);
  const pumping = b.trace.filter((p) => p.pumpOn);
  const pumpedMs = pumping[pumping.length - 1]!.tMs - pumping[0]!.tMs;
  assert.ok(pumpedMs >= 9_900 && pumpedMs <= 10_200, `pumped ${pumpedMs} ms`);
  assertDumping(b, 'after leak');
  assert.ok(b.results.every((x) => x.kind === 'fault'));
});

test('a large leak the pump can only balance: cuff-leak, not a reading', async () => {
  const b = makeBench(NORMAL, 5, { cuffLeakMmHgPerS: 60 });
  const r = await b.cycle();
  assert.ok(r?.kind === 'fault' && r.fault === 'cuff-leak', JSON.stringify(r));
  assert.ok(b.rig.maxPressureMmHg < 180);
});

test('a leak that deflates faster than the ramp: cuff-leak; a small one is compensated', async () => {
  const big = makeBench(NORMAL, 6, { cuffLeakMmHgPerS: 6 });
  const r = await big.cycle();
  assert.ok(r?.kind === 'fault' && r.fault === 'cuff-leak', JSON.stringify(r));
  const small = makeBench(NORMAL, 6, { cuffLeakMmHgPerS: 0.5 });
  const r2 = await small.cycle();
  assert.ok(r2?.kind === 'reading', JSON.stringify(r2));
  if (r2?.kind === 'reading') assert.ok(Math.abs(r2.systolicMmHg - 120) <= 6 && Math.abs(r2.diastolicMmHg - 80) <= 6);
});

test('sensor open (reads 0 V) at start: sensor-fault before the pump ever runs', async () => {
  const b = makeBench(NORMAL, 7);
  b.rig.sensor.fault = 'open';
  const r = await b.cycle();
  assert.ok(r?.kind === 'fault' && r.fault === 'sensor-fault', JSON.stringify(r));
  assert.ok(b.trace.every((p) => !p.pumpOn));
});

test('sensor output saturated high mid-deflation: sensor-fault at the next sample, dump', async () => {
  const b = makeBench(NORMAL, 8);
  let failAt = 0;
  b.clock.after(20_000, () => {
    failAt = b.clock.now();
    b.rig.sensor.fault = 'shorted-high';
  });
  const r = await b.cycle();
  assert.ok(r?.kind === 'fault' && r.fault === 'sensor-fault', JSON.stringify(r));
  assert.ok(r!.at - failAt <= 20, `${r!.at - failAt} ms after the fault`);
  // Not mistaken for an over-pressure, and the cuff is vented although the sensor cannot say so.
  assertDumping(b, 'after sensor fault');
  assert.ok(b.rig.pressureMmHg() < 10);
});

test('no pulse under the cuff: no-oscillations, never a reading', async () => {
  const b = makeBench({ ...NORMAL, pulseless: true }, 9);
  const r = await b.cycle();
  assert.ok(r?.kind === 'fault' && r.fault === 'no-oscillations', JSON.stringify(r));
});

test('a pump that runs on when switched off: pump-fault before inflating, or during the hold', async () => {
  // Stuck from power-up: the vented cuff's pressure rises while the zero is being taken.
  const early = makeBench(NORMAL, 10);
  early.rig.cuff.pumpFault = 'stuck-on';
  const r1 = await early.cycle();
  assert.ok(r1?.kind === 'fault' && r1.fault === 'pump-fault', JSON.stringify(r1));
  assert.ok(early.rig.maxPressureMmHg < 25, `peak ${early.rig.maxPressureMmHg.toFixed(1)}`);
  // Sticks while inflating: caught when it keeps pumping after the target.
  const late = makeBench(NORMAL, 10);
  late.clock.after(5000, () => void (late.rig.cuff.pumpFault = 'stuck-on'));
  const r2 = await late.cycle();
  assert.ok(r2?.kind === 'fault' && r2.fault === 'pump-fault', JSON.stringify(r2));
  // Caught within 10 mmHg of the 180 target (plus a sample and the valve's response).
  assert.ok(late.rig.maxPressureMmHg <= 195, `peak ${late.rig.maxPressureMmHg.toFixed(1)}`);
  for (const b of [early, late]) {
    // The open valve out-flows the running pump: the cuff settles at a low pressure.
    assert.is(b.rig.valve.duty, 0);
    assert.ok(b.rig.pressureMmHg() < 20, `residual ${b.rig.pressureMmHg().toFixed(1)} mmHg`);
  }
});

test('arm movement during deflation: a motion fault or a correct reading, never a wrong one', async () => {
  let motionFaults = 0;
  let cases = 0;
  for (const [bursts, ml] of [[1, 3], [1, 8], [3, 5], [4, 6]] as const) {
    for (const seed of [1, 2, 3, 4]) {
      const b = makeBench(NORMAL, seed);
      for (let i = 0; i < bursts; i++) b.rig.addMotion(14_000 + i * 4000 + seed * 300, 2000, ml);
      const r = await b.cycle();
      cases++;
      assert.ok(r !== undefined);
      if (r!.kind === 'fault') {
        assert.ok(r!.fault === 'motion' || r!.fault === 'no-oscillations', JSON.stringify(r));
        if (r!.fault === 'motion') motionFaults++;
      } else {
        assert.ok(Math.abs(r!.systolicMmHg - 120) <= 8 && Math.abs(r!.diastolicMmHg - 80) <= 8, `bursts ${bursts} x ${ml} mL seed ${seed}: ${JSON.stringify(r)}`);
      }
      assertDumping(b, 'after movement');
    }
  }
  assert.ok(motionFaults >= cases / 2, `${motionFaults} motion faults in ${cases} cases`);
});

test.run();
