// The pin decision of issue 8 (hal/wiring.ts CUFF_OSCILLATION_ADC): the cuff's oscillation
// channel through its own ADS1115 on the I2C bus, so A4/A5 stay the bus for the stress add-on and
// the LCD backpack. The channel tracks its input; a missing converter reads as a rail, never as a
// signal; the ISO 81060-2 evaluation passes through it; and the whole device runs the cuff, the
// stress sensors and the backpack LCD on one bus.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { I2cOscillationChannel } from '../../firmware/nibp/i2c-oscillation.ts';
import { ADC_VOLTS_PER_COUNT } from '../../firmware/nibp/channels.ts';
import { SensingDevice } from '../../firmware/sensing/device.ts';
import { CUFF_OSCILLATION_ADC } from '../../hal/wiring.ts';
import { evaluateNibp } from '../../cli/commands/eval-nibp.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { createDeviceWorld } from '../../sim/device-world.ts';
import { SimI2cBus } from '../../sim/i2c-bus.ts';
import { Rng } from '../../sim/rng.ts';
import { Ads1115Model } from '../../sim/stress/ads1115.ts';
import { StressRig } from '../../sim/stress/rig.ts';

test('the channel follows its input within a count and ~6 ms; an absent converter reads 0 (a rail)', async () => {
  const clock = new VirtualClock();
  const bus = new SimI2cBus(clock);
  const adc = new Ads1115Model({ rng: new Rng(1) });
  const source = (t: number) => 2.5 + 0.8 * Math.sin((2 * Math.PI * 1.2 * t) / 1000);
  adc.connect(0, source);
  bus.attach(CUFF_OSCILLATION_ADC.address, adc);
  const ch = new I2cOscillationChannel(bus, clock, CUFF_OSCILLATION_ADC);
  ch.start();
  let worst = 0;
  let n = 0;
  clock.every(20, () => {
    if (clock.now() < 100) return;
    const got = ch.read();
    // The newest conversion is at most one poll period plus a conversion and a transfer old.
    const lo = Math.min(source(clock.now()), source(clock.now() - 8)) / ADC_VOLTS_PER_COUNT;
    const hi = Math.max(source(clock.now()), source(clock.now() - 8)) / ADC_VOLTS_PER_COUNT;
    worst = Math.max(worst, got < lo ? lo - got : got > hi ? got - hi : 0);
    n++;
  });
  await clock.runUntil(5_000);
  ch.stop();
  assert.ok(n > 200);
  assert.ok(worst <= 1, `worst deviation ${worst.toFixed(2)} counts`);
  assert.ok(ch.fetched > 600, `${ch.fetched} conversions fetched in 5 s`);
  assert.is(ch.failures, 0);

  const clock2 = new VirtualClock();
  const empty = new I2cOscillationChannel(new SimI2cBus(clock2), clock2, CUFF_OSCILLATION_ADC);
  empty.start();
  await clock2.runUntil(500);
  assert.is(empty.read(), 0);
  assert.ok(empty.failures > 10);
  empty.stop();
});

test('ISO 81060-2 through the I2C converter (20 subjects, both patient models)', async () => {
  for (const model of ['uno', 'arterial'] as const) {
    const viaI2c = await evaluateNibp(20, 101, model, false, 'i2c-adc');
    assert.ok(viaI2c.passes, `${model}: ${JSON.stringify({ r: viaI2c.readings, f: viaI2c.faults, s: viaI2c.systolic, d: viaI2c.diastolic })}`);
    assert.is(viaI2c.readings, 20);
    assert.ok(Math.abs(viaI2c.systolic.meanMmHg) <= 3 && viaI2c.systolic.sdMmHg <= 5, JSON.stringify(viaI2c.systolic));
    assert.ok(Math.abs(viaI2c.diastolic.meanMmHg) <= 3 && viaI2c.diastolic.sdMmHg <= 5, JSON.stringify(viaI2c.diastolic));
  }
});

test('the device: cuff via the I2C converter, stress add-on and LCD backpack on one bus', async () => {
  const dw = createDeviceWorld({ scenario: 'normal', seed: 8, lcd: 'backpack', cuff: 'oscillation-i2c' });
  new StressRig(dw.bus, { scenario: 'rest', rng: new Rng(8).fork('stress') });
  const device = new SensingDevice(dw.world.uno, { lcd: { kind: 'backpack' }, cuff: { oscillationChannel: true, oscillationVia: 'i2c-adc' }, stress: {} });
  const stressSeen = new Set<string>();
  dw.world.clock.every(500, () => { const l = dw.lcd!.lines()[0]!; if (l.startsWith('Stress')) stressSeen.add(l.trim()); });
  device.start();
  await dw.world.runUntil(4 * 60_000);
  device.stop();
  const s = device.snapshot();
  assert.is(s.bloodPressure.kind, 'value', JSON.stringify(s.bloodPressure));
  if (s.bloodPressure.kind === 'value') {
    const truth = dw.world.truth();
    assert.ok(Math.abs(s.bloodPressure.systolicMmHg - truth.systolicMmHg) <= 12, `${s.bloodPressure.systolicMmHg} vs ${truth.systolicMmHg}`);
  }
  assert.ok([...stressSeen].some((l) => /^Stress (low|normal)/.test(l)), [...stressSeen].join(', '));
  assert.is(s.stress?.kind, 'value');
  // A4 is the bus: it refuses to be an analog input.
  assert.throws(() => dw.world.uno.analogIn('A4'), /already in use/);
});

test.run();
