// The GSR conversion, and the ADS1115 and MPU-6050 drivers against their models on the sim I2C bus.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { SimI2cBus } from '../../sim/i2c-bus.ts';
import { Rng } from '../../sim/rng.ts';
import { Ads1115Model } from '../../sim/stress/ads1115.ts';
import { GroveGsr } from '../../sim/stress/gsr-sensor.ts';
import { Mpu6050Model } from '../../sim/stress/mpu6050.ts';
import { Ads1115, ads1115Config } from '../../firmware/stress/ads1115.ts';
import { conductanceFromVolts, GROVE_GSR_DEFAULT, sweatFromConductance, voltsFromConductance } from '../../firmware/stress/gsr.ts';
import { Mpu6050 } from '../../firmware/stress/mpu6050.ts';

test('GSR: conversion agrees with Seeed\'s published resistance formula at 10-bit counts', () => {
  for (const x of [100, 150, 300, 400, 450, 490, 505]) {
    const seeedOhms = ((1024 + 2 * x) * 10000) / (512 - x);
    const r = conductanceFromVolts((x / 1024) * 5);
    assert.is(r.kind, 'ok', `count ${x}`);
    if (r.kind === 'ok') assert.ok(Math.abs(r.conductanceUs - 1e6 / seeedOhms) < 1e-9 * (1e6 / seeedOhms) + 1e-12, `count ${x}: ${r.conductanceUs} µS vs ${1e6 / seeedOhms}`);
  }
  for (const g of [0.3, 1, 2.5, 7, 20, 35]) {
    const r = conductanceFromVolts(voltsFromConductance(g));
    assert.ok(r.kind === 'ok' && Math.abs(r.conductanceUs - g) < 1e-9, `${g} µS round trip`);
  }
});

test('GSR: faults, never numbers, for open electrodes, a short and an impossible voltage', () => {
  assert.equal(conductanceFromVolts(GROVE_GSR_DEFAULT.openCircuitV), { kind: 'fault', fault: 'no-contact' });
  assert.equal(conductanceFromVolts(2.499), { kind: 'fault', fault: 'no-contact' }, 'R ≈ 100 MΩ is no contact');
  assert.equal(conductanceFromVolts(0), { kind: 'fault', fault: 'saturated' });
  assert.equal(conductanceFromVolts(0.2), { kind: 'fault', fault: 'saturated' }, '> 40 µS');
  assert.equal(conductanceFromVolts(3.3), { kind: 'fault', fault: 'out-of-range' });
  assert.equal(conductanceFromVolts(Number.NaN), { kind: 'fault', fault: 'out-of-range' });
});

test('GSR: sweat scale mapping (assumption) puts typical levels in Table I ranges', () => {
  assert.is(sweatFromConductance(0), 10);
  assert.is(sweatFromConductance(1.5), 13); // resting finger -> low (10-15)
  assert.is(sweatFromConductance(3.5), 17); // active -> normal (15-20)
  assert.is(sweatFromConductance(7), 24); // aroused / sweating -> high (20-30)
  assert.is(sweatFromConductance(25), 30); // clamped at the top of the scale
});

test('Grove GSR model: output follows the bridge, rails and faults', () => {
  const gsr = new GroveGsr(() => 4, { rng: new Rng(1), noiseMv: 0 });
  assert.ok(Math.abs(gsr.outputV(0) - voltsFromConductance(4)) < 1e-12);
  gsr.fault = 'electrodes-off';
  assert.ok(Math.abs(gsr.outputV(1000) - 2.5) < 1e-6);
  gsr.fault = 'shorted';
  assert.ok(gsr.outputV(2000) < 1e-6);
});

function adsRig(sources: ((t: number) => number)[]) {
  const clock = new VirtualClock();
  const bus = new SimI2cBus(clock);
  const model = new Ads1115Model({ rng: new Rng(2), noiseLsb: 0 });
  sources.forEach((s, i) => model.connect(i as 0 | 1 | 2 | 3, s));
  bus.attach(0x48, model);
  return { clock, bus, model, ads: new Ads1115(bus, clock) };
}

async function settle<T>(clock: VirtualClock, p: Promise<T>): Promise<T> {
  let done = false;
  let value: T | undefined;
  void p.then((v) => {
    done = true;
    value = v;
  });
  for (let i = 0; i < 1000 && !done; i++) await clock.runFor(1);
  if (!done) throw new Error('did not settle');
  return value as T;
}

test('ADS1115: config words per the data sheet', () => {
  assert.is(ads1115Config(0, 2.048, 128), 0xc583, 'OS | AIN0 | ±2.048 | single | 128 SPS | comparator off');
  assert.is(ads1115Config(1, 4.096, 128), 0xd383);
  assert.is(ads1115Config(3, 1.024, 860), 0xf7e3);
});

test('ADS1115: reads each input to within one code, at the range asked for', async () => {
  const { clock, ads, model } = adsRig([() => 1.7, () => 0.3123, () => 3.0, () => 0.0]);
  const a = await settle(clock, ads.readSingleEnded(0, 4.096));
  assert.ok(a.ok && Math.abs(a.volts - 1.7) <= 4.096 / 32768, JSON.stringify(a));
  const b = await settle(clock, ads.readSingleEnded(1, 1.024));
  assert.ok(b.ok && Math.abs(b.volts - 0.3123) <= 1.024 / 32768, JSON.stringify(b));
  const c = await settle(clock, ads.readSingleEnded(2, 2.048));
  assert.equal(c, { ok: false, error: 'saturated' }, '3 V on the ±2.048 V range is beyond full scale');
  const d = await settle(clock, ads.readSingleEnded(3, 4.096));
  assert.ok(d.ok && d.volts === 0);
  assert.is(model.conversions, 4);
});

test('ADS1115 model: OS reads 0 during a conversion and the old result stays until it ends', async () => {
  const { clock, bus, model } = adsRig([() => 1.0]);
  const cfg = ads1115Config(0, 4.096, 8); // 125 ms conversion
  bus.write(0x48, Uint8Array.of(0x01, cfg >> 8, cfg & 0xff));
  bus.write(0x48, Uint8Array.of(0x01));
  const busy = await bus.read(0x48, 2);
  assert.is(busy[0]! & 0x80, 0, 'converting');
  bus.write(0x48, Uint8Array.of(0x00));
  assert.equal([...(await bus.read(0x48, 2))], [0, 0], 'previous result (power-on 0)');
  await clock.runFor(130);
  bus.write(0x48, Uint8Array.of(0x01));
  assert.is((await bus.read(0x48, 2))[0]! & 0x80, 0x80, 'done');
  bus.write(0x48, Uint8Array.of(0x00));
  const r = await bus.read(0x48, 2);
  assert.is((r[0]! << 8) | r[1]!, 8000, '1.0 V at ±4.096 V is 8000 codes');
  assert.is(model.conversions, 1);
});

test('ADS1115: an absent converter is a typed error, not a reading', async () => {
  const clock = new VirtualClock();
  const bus = new SimI2cBus(clock);
  const r = await settle(clock, new Ads1115(bus, clock).readSingleEnded(0));
  assert.equal(r, { ok: false, error: 'nack' });
});

function mpuRig(source: (t: number) => readonly [number, number, number], noiseUgPerRtHz = 400) {
  const clock = new VirtualClock();
  const bus = new SimI2cBus(clock);
  const model = new Mpu6050Model(source, { rng: new Rng(3), offsetG: [0, 0, 0], noiseUgPerRtHz });
  bus.attach(0x68, model);
  return { clock, bus, model, mpu: new Mpu6050(bus) };
}

test('MPU-6050: asleep at power-on (zeros), woken and configured by init, then reads g', async () => {
  const { clock, bus, model, mpu } = mpuRig(() => [0.1, -0.98, 0.2]);
  assert.ok(model.sleeping);
  const before = await settle(clock, mpu.readAcceleration());
  assert.equal(before, { ok: true, value: { xG: 0, yG: 0, zG: 0 } }, 'data registers stay 0 while asleep');
  assert.equal(await settle(clock, mpu.init()), { ok: true, value: undefined });
  assert.not.ok(model.sleeping);
  assert.is(model.regs[0x1c], 0x08, '±4 g');
  assert.is(model.regs[0x19], 39, '25 Hz');
  await clock.runFor(100);
  const a = await settle(clock, mpu.readAcceleration());
  assert.ok(a.ok);
  if (a.ok) {
    // Noise: 400 µg/√Hz over 21 Hz ≈ 1.8 mg rms; one code is 0.12 mg.
    assert.ok(Math.abs(a.value.xG - 0.1) < 0.01 && Math.abs(a.value.yG + 0.98) < 0.01 && Math.abs(a.value.zG - 0.2) < 0.01, JSON.stringify(a.value));
  }
  assert.ok(bus.stats.nacks === 0);
});

test('MPU-6050: data registers update on the 25 Hz sample grid, and clip at ±4 g', async () => {
  const { clock, mpu } = mpuRig((t) => [Math.floor(t / 40) * 0.01, 0, 9]);
  await settle(clock, mpu.init());
  await clock.runUntil(1000);
  const a = await settle(clock, mpu.readAcceleration());
  assert.ok(a.ok && Math.abs(a.value.xG - 0.25) < 0.01, JSON.stringify(a));
  assert.ok(a.ok && a.value.zG > 3.99 && a.value.zG < 4.0001, 'clipped at +4 g');
});

test('MPU-6050 FIFO: every 25 Hz sample once, in order, in bursts of <= 30 bytes; overflow reported and reset', async () => {
  // x counts the samples: sample k (at k * 40 ms) reads k mg.
  const { clock, bus, model, mpu } = mpuRig((t) => [Math.round(t / 40) / 1000, 0, 1], 0);
  const sizes: number[] = [];
  const read = bus.read.bind(bus);
  bus.read = (a: number, n: number) => {
    sizes.push(n);
    return read(a, n);
  };
  await clock.runUntil(1000); // asleep: nothing queued, and none of this time is made up later
  assert.ok((await settle(clock, mpu.init())).ok);
  const seen: number[] = [];
  for (let i = 0; i < 20; i++) {
    await clock.runFor(i % 3 === 0 ? 530 : 170); // irregular polling
    const b = await settle(clock, mpu.readFifo());
    assert.ok(b.ok && !b.value.overflowed);
    if (b.ok) for (const s of b.value.samples) seen.push(Math.round(s.xG * 1000));
  }
  assert.is(seen.length, 148, '5.92 s of polling at 25 Hz');
  for (let i = 1; i < seen.length; i++) assert.is(seen[i], seen[i - 1]! + 1, `sample ${i}: ${seen[i - 1]} then ${seen[i]}`);
  assert.ok(seen[0]! >= 25 && seen[0]! <= 32, `first sample at ${seen[0]! * 40} ms: after the wake-up, not during sleep`);
  assert.ok(Math.max(...sizes) <= 30, `largest read ${Math.max(...sizes)}`);
  // Not read for 8 s: more than 1024 bytes -> overflow, reported once, FIFO reset.
  await clock.runFor(8000);
  const over = await settle(clock, mpu.readFifo());
  assert.equal(over, { ok: true, value: { samples: [], overflowed: true } });
  assert.ok(model.fifoOverflows > 0);
  await clock.runFor(400);
  const after = await settle(clock, mpu.readFifo());
  assert.ok(after.ok && !after.value.overflowed && after.value.samples.length >= 9 && after.value.samples.length <= 11, JSON.stringify(after.ok && after.value.samples.length));
  if (after.ok) for (let i = 1; i < after.value.samples.length; i++) assert.ok(Math.abs(after.value.samples[i]!.xG - after.value.samples[i - 1]!.xG - 0.001) < 2e-4, 'aligned frames after the reset');
});

test('MPU-6050: a different part at 0x68 is wrong-device; none is nack', async () => {
  const clock = new VirtualClock();
  const bus = new SimI2cBus(clock);
  bus.attach(0x68, new Ads1115Model({ rng: new Rng(1) })); // answers, but not with WHO_AM_I 0x68
  assert.equal(await settle(clock, new Mpu6050(bus).init()), { ok: false, error: 'wrong-device' });
  bus.detach(0x68);
  assert.equal(await settle(clock, new Mpu6050(bus).init()), { ok: false, error: 'nack' });
  assert.equal(await settle(clock, new Mpu6050(bus).readAcceleration()), { ok: false, error: 'nack' });
});

test.run();
