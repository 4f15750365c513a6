import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../sim/clock.ts';
import { Rng } from '../../sim/rng.ts';
import { VirtualUno, adcCounts } from '../../sim/uno.ts';
import { PinError } from '../../hal/board.ts';
import { StorageRangeError } from '../../hal/storage.ts';
import type { I2cBus } from '../../hal/i2c.ts';
import { World } from '../../sim/world.ts';

const uno = (opts: Partial<ConstructorParameters<typeof VirtualUno>[0]> = {}) => new VirtualUno({ clock: new VirtualClock(), rng: new Rng(1), ...opts });

test('ADC quantises floor(V/5*1024) and clamps to 0..1023', () => {
  assert.is(adcCounts(0), 0);
  assert.is(adcCounts(-0.3), 0);
  assert.is(adcCounts(2.5), 512);
  assert.is(adcCounts(2.5 - 1e-9), 511);
  assert.is(adcCounts(4.999), 1023);
  assert.is(adcCounts(7), 1023);
  assert.is(adcCounts(0.37), 75); // 0.37 / 5 * 1024 = 75.776
});

test('noise-free ADC reads the attached source exactly; noisy ADC dithers around it', () => {
  const quiet = uno({ adcNoiseLsb: 0 });
  quiet.attachAnalog('A2', () => 0.37);
  const a2 = quiet.analogIn('A2');
  assert.is(a2.read(), 75);
  assert.is(a2.vref, 5);
  assert.is(a2.bits, 10);
  const noisy = uno({ adcNoiseLsb: 0.5 });
  noisy.attachAnalog('A0', () => 0.37);
  const a0 = noisy.analogIn('A0');
  const counts = new Map<number, number>();
  let sum = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const c = a0.read();
    counts.set(c, (counts.get(c) ?? 0) + 1);
    sum += c;
  }
  // 0.5 LSB rms noise spreads readings over a few codes, and the mean of floor() is the true
  // value minus half an LSB: 75.776 - 0.5.
  assert.ok(counts.size >= 3 && counts.size <= 7, `codes seen: ${[...counts.keys()]}`);
  assert.ok(Math.abs(sum / n - 75.276) < 0.05, `mean ${sum / n}`);
});

test('an analog pin with nothing attached reads 0 V (pull-down); sources see virtual time', async () => {
  const clock = new VirtualClock();
  const u = new VirtualUno({ clock, rng: new Rng(2), adcNoiseLsb: 0 });
  const a1 = u.analogIn('A1');
  assert.is(a1.read(), 0);
  u.attachAnalog('A1', (t) => t / 1000); // 1 V per second
  await clock.runUntil(2000);
  assert.is(a1.read(), adcCounts(2));
  u.detachAnalog('A1');
  assert.is(a1.read(), 0);
});

test('pins asked for in conflicting modes throw PinError; the same mode twice is the same pin', () => {
  const u = uno();
  const d = u.digitalOut('D13');
  assert.is(u.digitalOut('D13'), d);
  assert.throws(() => u.digitalIn('D13'), (e: unknown) => e instanceof PinError);
  u.pwmOut('D5');
  assert.throws(() => u.digitalOut('D5'), (e: unknown) => e instanceof PinError);
  assert.throws(() => u.pwmOut('D4' as never), (e: unknown) => e instanceof PinError);
  assert.throws(() => u.analogIn('A7' as never), (e: unknown) => e instanceof PinError);
  // No UART or I2C model connected
  assert.throws(() => u.modemSerial(), (e: unknown) => e instanceof PinError);
  assert.throws(() => u.i2c(), (e: unknown) => e instanceof PinError);
  assert.is(u.capabilities.modemSerial, false);
  // I2C takes A4/A5
  const bus: I2cBus = { write: () => true, read: async () => new Uint8Array() };
  const v = uno({ i2c: bus });
  assert.is(v.capabilities.i2c, true);
  assert.is(v.i2c(), bus);
  assert.throws(() => v.analogIn('A4'), (e: unknown) => e instanceof PinError);
  const w = uno({ i2c: bus });
  w.analogIn('A5');
  assert.throws(() => w.i2c(), (e: unknown) => e instanceof PinError);
});

test('digital inputs read their driver (pull-down when undriven); outputs notify watchers; PWM is 8-bit', () => {
  const u = uno();
  const lo = u.digitalIn('D10');
  assert.is(lo.read(), false);
  let level = true;
  u.driveDigital('D10', () => level);
  assert.is(lo.read(), true);
  level = false;
  assert.is(lo.read(), false);
  const seen: boolean[] = [];
  u.outputWire('D8').onChange((h) => seen.push(h));
  const buzzer = u.digitalOut('D8');
  buzzer.write(true);
  buzzer.write(true);
  buzzer.write(false);
  assert.equal(seen, [true, false]);
  const pump = u.pwmOut('D5');
  pump.setDuty(0.5);
  assert.is(pump.duty, 128 / 255);
  pump.setDuty(3);
  assert.is(pump.duty, 1);
});

test('EEPROM is 1 KiB erased to 0xFF and survives a power cycle on the same file; flash too', () => {
  const dir = mkdtempSync(join(tmpdir(), 'uno-'));
  try {
    const eepromPath = join(dir, 'eeprom.bin');
    const flashPath = join(dir, 'flash.bin');
    const a = uno({ eepromPath, flashPath, flashBytes: 65536 });
    assert.is(a.eeprom().size, 1024);
    assert.equal([...a.eeprom().read(0, 4)], [0xff, 0xff, 0xff, 0xff]);
    a.eeprom().write(1020, new Uint8Array([1, 2, 3, 4]));
    a.flash().write(60000, new Uint8Array([9, 8, 7]));
    assert.throws(() => a.eeprom().write(1022, new Uint8Array([1, 2, 3])), (e: unknown) => e instanceof StorageRangeError);
    // No power-off: the writes are already on disk (a crash keeps them).
    const b = uno({ eepromPath, flashPath, flashBytes: 65536 });
    assert.equal([...b.eeprom().read(1018, 6)], [0xff, 0xff, 1, 2, 3, 4]);
    assert.equal([...b.flash().read(60000, 4)], [9, 8, 7, 0xff]);
    assert.is(statSync(eepromPath).size, 1024);
    a.powerOff();
    assert.throws(() => a.eeprom().write(0, new Uint8Array([1])));
    b.powerOff();
    // A fresh Uno without files starts erased.
    assert.equal([...uno().eeprom().read(1020, 4)], [0xff, 0xff, 0xff, 0xff]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a world power-cycled on the same EEPROM file keeps its settings', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'world-'));
  try {
    const eepromPath = join(dir, 'eeprom.bin');
    const first = new World({ scenario: 'normal', seed: 1, eepromPath });
    first.clock.after(1000, () => first.uno.eeprom().write(0, new Uint8Array([0x42, 0x43])));
    await first.runUntil(2000);
    first.uno.powerOff();
    const second = new World({ scenario: 'normal', seed: 2, eepromPath });
    assert.equal([...second.uno.eeprom().read(0, 3)], [0x42, 0x43, 0xff]);
    second.uno.powerOff();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
