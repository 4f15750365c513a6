// The whole chain on the virtual clock: physiology -> MPU-6050 / Grove GSR / skin LM35 -> ADS1115
// -> I2C bus -> StressMonitor (async polling) -> fuzzy level. Scenarios, the exercise guarantee,
// sensor faults, determinism.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { SimI2cBus } from '../../sim/i2c-bus.ts';
import { Rng } from '../../sim/rng.ts';
import { StressRig, STRESS_BUS } from '../../sim/stress/rig.ts';
import { World } from '../../sim/world.ts';
import { PinError } from '../../hal/board.ts';
import { StressMonitor, type StressReading } from '../../firmware/stress/monitor.ts';
import type { StressLevel } from '../../firmware/stress/stress.ts';

function rig(scenario: string, seed: number) {
  const clock = new VirtualClock({ yieldEveryMs: 1000 });
  const bus = new SimI2cBus(clock);
  const sensors = new StressRig(bus, { scenario, rng: new Rng(seed) });
  const monitor = new StressMonitor(bus, clock);
  monitor.start();
  return { clock, bus, sensors, monitor };
}

/** Readings every 10 s from fromS to toS. */
async function trace(r: ReturnType<typeof rig>, fromS: number, toS: number): Promise<StressReading[]> {
  const out: StressReading[] = [];
  for (let t = fromS; t <= toS; t += 10) {
    await r.clock.runUntil(t * 1000);
    out.push(r.monitor.reading());
  }
  return out;
}

const levels = (rs: StressReading[]) => rs.map((x) => (x.kind === 'ok' ? x.assessment.level : x.fault));
const count = (rs: StressReading[], l: StressLevel) => rs.filter((x) => x.kind === 'ok' && x.assessment.level === l).length;

test('settling first, then rest reads low, walking normal (5 subjects each)', async () => {
  for (let seed = 1; seed <= 5; seed++) {
    const rest = rig('rest', seed);
    const early = await trace(rest, 5, 15);
    assert.ok(early.every((x) => x.kind === 'fault' && x.fault === 'settling'), `seed ${seed}: ${levels(early)}`);
    const r = await trace(rest, 60, 300);
    assert.is(count(r, 'low'), r.length, `rest seed ${seed}: ${levels(r)}`);
    rest.monitor.stop();
    const walk = rig('walking', seed);
    const w = await trace(walk, 60, 300);
    assert.is(count(w, 'normal'), w.length, `walking seed ${seed}: ${levels(w)}`);
    const last = w[w.length - 1]!;
    if (last.kind === 'ok') {
      const truth = walk.sensors.physiology.truth(walk.clock.now());
      assert.ok(Math.abs(last.measuredStepsPerMin - truth.cadenceSpm) < 0.04 * truth.cadenceSpm, `steps ${last.measuredStepsPerMin} vs ${truth.cadenceSpm}`);
      assert.ok(Math.abs(last.skinConductanceUs - truth.sclUs) < 0.1 * truth.sclUs, `conductance ${last.skinConductanceUs} vs ${truth.sclUs}`);
      assert.ok(Math.abs(last.skinTempC - truth.skinTempC) < 0.6, `skin ${last.skinTempC} vs ${truth.skinTempC}`);
    }
    walk.monitor.stop();
  }
});

test('exercise never reads as stress: no "high" from the first stride to 6 min after stopping (8 subjects)', async () => {
  for (let seed = 1; seed <= 8; seed++) {
    // rest 0-5 min, walk 5-10, jog 10-15, rest 15-20, stressor 20-25, rest
    const day = rig('day', seed);
    const before = await trace(day, 60, 1190);
    const highs = before.filter((x) => x.kind === 'ok' && x.assessment.level === 'high').length;
    assert.is(highs, 0, `seed ${seed}: ${levels(before).join(' ')}`);
    const jog = before.slice((660 - 60) / 10, (900 - 60) / 10);
    assert.ok(jog.every((x) => x.kind === 'ok' && x.assessment.level === 'normal' && x.features.sweat >= 20), `seed ${seed}: jogging sweats (high sweat) and reads normal`);
    // The stressor that follows is detected within 4 minutes of its onset.
    const stress = await trace(day, 1200, 1500);
    const firstHigh = stress.findIndex((x) => x.kind === 'ok' && x.assessment.level === 'high');
    assert.ok(firstHigh >= 0 && firstHigh * 10 <= 240, `seed ${seed}: first high ${firstHigh * 10} s after the stressor`);
    assert.ok(count(stress.slice(24), 'high') === stress.length - 24, `seed ${seed}: stays high`);
    day.monitor.stop();
  }
});

test('acute stress at rest reads high once sweat and finger cooling develop', async () => {
  for (let seed = 11; seed <= 15; seed++) {
    const s = rig('acute-stress', seed);
    const [rest] = await trace(s, 110, 110);
    assert.ok(rest?.kind === 'ok' && rest.assessment.level === 'low', `seed ${seed}: rest before the stressor`);
    const r = await trace(s, 480, 600);
    assert.is(count(r, 'high'), r.length, `seed ${seed}: ${levels(r)}`);
    const last = r[r.length - 1]!;
    assert.ok(last.kind === 'ok' && rest.kind === 'ok', 'readings');
    if (last.kind === 'ok' && rest.kind === 'ok') {
      const f = last.features;
      assert.ok(f.skinTempF < rest.features.skinTempF - 2, `finger cooled: ${rest.features.skinTempF.toFixed(1)} -> ${f.skinTempF.toFixed(1)} °F`);
      assert.ok(f.sweat > rest.features.sweat + 4 && f.stepsPerMin < 15, JSON.stringify(f));
    }
    s.monitor.stop();
  }
});

test('faults are reported as faults, never as a level, and recover', async () => {
  const r = rig('acute-stress', 3);
  await r.clock.runUntil(60_000);
  assert.is(r.monitor.reading().kind, 'ok');
  r.sensors.gsr.fault = 'electrodes-off';
  await r.clock.runUntil(62_000);
  assert.equal(r.monitor.reading(), { kind: 'fault', fault: 'gsr-no-contact', at: 62_000 });
  r.sensors.gsr.fault = 'shorted';
  await r.clock.runUntil(64_000);
  assert.equal(r.monitor.reading(), { kind: 'fault', fault: 'gsr-saturated', at: 64_000 });
  r.sensors.gsr.fault = 'none';
  await r.clock.runUntil(66_000);
  assert.equal(r.monitor.reading(), { kind: 'fault', fault: 'settling', at: 66_000 }, 'the average restarts after contact returns');
  await r.clock.runUntil(90_000);
  assert.is(r.monitor.reading().kind, 'ok');
  r.sensors.skinProbe.fault = 'open';
  await r.clock.runUntil(92_000);
  assert.equal(r.monitor.reading(), { kind: 'fault', fault: 'skin-temp-sensor', at: 92_000 });
  r.sensors.skinProbe.fault = 'none';
  r.bus.detach(STRESS_BUS.mpu6050);
  await r.clock.runUntil(94_000);
  assert.equal(r.monitor.reading(), { kind: 'fault', fault: 'accelerometer', at: 94_000 });
  r.bus.attach(STRESS_BUS.mpu6050, r.sensors.mpu);
  await r.clock.runUntil(96_000);
  assert.not.equal(r.monitor.reading(), { kind: 'fault', fault: 'accelerometer', at: 96_000 }, 're-initialised');
  r.bus.detach(STRESS_BUS.ads1115);
  await r.clock.runUntil(98_000);
  assert.equal(r.monitor.reading(), { kind: 'fault', fault: 'adc', at: 98_000 });
  r.bus.attach(STRESS_BUS.ads1115, r.sensors.ads);
  await r.clock.runUntil(150_000);
  assert.is(r.monitor.reading().kind, 'ok', 'everything back');
  r.monitor.stop();
});

test('the monitor shares the bus politely: about 50 transactions a second at 100 kHz', async () => {
  const r = rig('walking', 1);
  await r.clock.runUntil(60_000);
  const perS = r.bus.stats.transactions / 60;
  // FIFO every 200 ms: 3 x (pointer + read) = 30/s; ADS1115 2 Hz x 2 channels x 5 = 20/s.
  assert.ok(perS > 45 && perS < 55, `${perS.toFixed(1)} transactions/s`);
  // 25 samples/s x 6 bytes from the FIFO, plus status, counts and conversions.
  assert.ok(r.bus.stats.bytesRead / 60 > 150 && r.bus.stats.bytesRead / 60 < 200, `${(r.bus.stats.bytesRead / 60).toFixed(0)} bytes/s`);
  assert.is(r.sensors.mpu.fifoOverflows, 0);
  assert.is(r.bus.stats.nacks, 0);
  r.monitor.stop();
});

test('GSR open-circuit calibration removes a trimmer error (+60 mV: a resting SCL reads ~20 % low)', async () => {
  const clock = new VirtualClock({ yieldEveryMs: 1000 });
  const bus = new SimI2cBus(clock);
  const sensors = new StressRig(bus, { scenario: 'rest', rng: new Rng(21), gsrTrimErrorV: 0.06 });
  const monitor = new StressMonitor(bus, clock);
  const settle = async <T,>(p: Promise<T>): Promise<T> => {
    let v: { value: T } | null = null;
    void p.then((x) => (v = { value: x }));
    while (!v) await clock.runFor(10);
    return (v as { value: T }).value;
  };
  sensors.gsr.fault = 'electrodes-off';
  const cal = await settle(monitor.calibrateGsrOpenCircuit());
  assert.ok(cal.ok && Math.abs(cal.openCircuitV - 2.56) < 0.002, JSON.stringify(cal));
  assert.is(monitor.gsrCalibration.openCircuitV, cal.ok ? cal.openCircuitV : Number.NaN);
  sensors.gsr.fault = 'shorted';
  assert.equal(await settle(monitor.calibrateGsrOpenCircuit()), { ok: false, error: 'out-of-range' }, 'shorted: not an open circuit');
  sensors.gsr.fault = 'none';
  monitor.start();
  assert.equal(await settle(monitor.calibrateGsrOpenCircuit()), { ok: false, error: 'running' });
  await clock.runUntil(120_000);
  const r = monitor.reading();
  const truth = sensors.physiology.truth(clock.now());
  assert.ok(r.kind === 'ok' && Math.abs(r.skinConductanceUs - truth.sclUs) < 0.08 * truth.sclUs, `${r.kind === 'ok' ? r.skinConductanceUs : r.fault} vs ${truth.sclUs}`);
  monitor.stop();
  // Without calibration the same board reads low.
  const clock2 = new VirtualClock({ yieldEveryMs: 1000 });
  const bus2 = new SimI2cBus(clock2);
  const s2 = new StressRig(bus2, { scenario: 'rest', rng: new Rng(21), gsrTrimErrorV: 0.06 });
  const m2 = new StressMonitor(bus2, clock2);
  m2.start();
  await clock2.runUntil(120_000);
  const r2 = m2.reading();
  const t2 = s2.physiology.truth(clock2.now());
  assert.ok(r2.kind === 'ok' && r2.skinConductanceUs < 0.85 * t2.sclUs, `uncalibrated ${r2.kind === 'ok' ? r2.skinConductanceUs : r2.fault} vs ${t2.sclUs}`);
  m2.stop();
});

test('in a World: the Uno\'s I2C bus (A4/A5) carries the stress sensors beside the patient model', async () => {
  const clock = new VirtualClock({ yieldEveryMs: 1000 });
  const bus = new SimI2cBus(clock);
  const world = new World({ scenario: 'normal', seed: 5, clock, i2c: bus });
  const sensors = new StressRig(bus, { scenario: 'acute-stress', rng: world.rng.fork('stress') });
  const monitor = new StressMonitor(world.uno.i2c(), world.uno.scheduler);
  assert.throws(() => world.uno.analogIn('A4'), (e: unknown) => e instanceof PinError, 'A4 is the I2C bus now');
  monitor.start();
  await world.runUntil(600_000);
  const r = monitor.reading();
  assert.ok(r.kind === 'ok' && r.assessment.level === 'high', JSON.stringify(r));
  assert.is(sensors.physiology.stateAt(clock.now()), 'acute-stress');
  monitor.stop();
});

test('stop then start at once runs one pair of loops, not two', async () => {
  const r = rig('rest', 2);
  await r.clock.runUntil(30_000);
  const before = r.bus.stats.transactions;
  await r.clock.runUntil(40_000);
  const perTen = r.bus.stats.transactions - before;
  r.monitor.stop();
  r.monitor.start();
  const mid = r.bus.stats.transactions;
  await r.clock.runUntil(50_000);
  assert.ok(Math.abs(r.bus.stats.transactions - mid - perTen) < 0.05 * perTen, `${r.bus.stats.transactions - mid} vs ${perTen} per 10 s`);
  r.monitor.stop();
});

test('same seed, same readings', async () => {
  const run = async () => {
    const r = rig('day', 77);
    const t = await trace(r, 100, 400);
    r.monitor.stop();
    return JSON.stringify(t);
  };
  assert.is(await run(), await run());
});

test.run();
