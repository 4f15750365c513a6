// The simulated I2C bus (hal/i2c.ts I2cBus) and the PCF8574 expander on it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { SimI2cBus, type SimI2cDevice } from '../../sim/i2c-bus.ts';
import { Pcf8574 } from '../../sim/lcd/pcf8574.ts';
import { I2cError } from '../../hal/i2c.ts';

class Recorder implements SimI2cDevice {
  writes: { bytes: number[]; at: number[] }[] = [];
  i2cWrite(bytes: Uint8Array, at: readonly number[]): void {
    this.writes.push({ bytes: [...bytes], at: [...at] });
  }
  i2cRead(length: number): Uint8Array {
    return Uint8Array.from({ length }, (_, i) => 0xa0 + i);
  }
}

test('write to an attached device delivers the bytes; an absent address NACKs (false)', () => {
  const bus = new SimI2cBus(new VirtualClock());
  const dev = new Recorder();
  bus.attach(0x27, dev);
  assert.is(bus.write(0x27, Uint8Array.of(1, 2, 3)), true);
  assert.equal(dev.writes[0]!.bytes, [1, 2, 3]);
  assert.is(bus.write(0x3f, Uint8Array.of(9)), false);
  assert.is(dev.writes.length, 1);
  assert.equal(bus.stats, { transactions: 2, bytesWritten: 3, bytesRead: 0, nacks: 1 });
});

test('read returns device bytes; an absent address rejects with I2cError carrying the address', async () => {
  const bus = new SimI2cBus(new VirtualClock());
  bus.attach(0x50, new Recorder());
  assert.equal([...(await bus.read(0x50, 3))], [0xa0, 0xa1, 0xa2]);
  try {
    await bus.read(0x51, 1);
    assert.unreachable('should reject');
  } catch (e) {
    assert.instance(e, I2cError);
    assert.is((e as I2cError).address, 0x51);
    assert.match((e as Error).message, /0x51/);
  }
});

test('bad addresses and double attachment are errors; detach makes the address NACK', async () => {
  const bus = new SimI2cBus(new VirtualClock());
  assert.throws(() => bus.write(0x80, Uint8Array.of(0)), RangeError);
  assert.throws(() => bus.write(1.5, Uint8Array.of(0)), RangeError);
  await bus.read(-1, 1).then(() => assert.unreachable(), (e: unknown) => assert.instance(e, RangeError));
  bus.attach(0x20, new Recorder());
  assert.throws(() => bus.attach(0x20, new Recorder()), /already in use/);
  bus.detach(0x20);
  assert.is(bus.write(0x20, Uint8Array.of(0)), false);
});

test('wire time: bytes are stamped at their ACK at 100 kHz, back-to-back transactions queue', async () => {
  const clock = new VirtualClock();
  const bus = new SimI2cBus(clock);
  const dev = new Recorder();
  bus.attach(0x27, dev);
  bus.write(0x27, Uint8Array.of(1, 2));
  bus.write(0x27, Uint8Array.of(3));
  // START + address + ACK = 10 bits, then 9 per byte, STOP 1 bit; 10 µs per bit.
  assert.equal(dev.writes[0]!.at.map((t) => +t.toFixed(6)), [0.19, 0.28]);
  assert.equal(dev.writes[1]!.at.map((t) => +t.toFixed(6)), [0.29 + 0.19]);
  assert.ok(Math.abs(bus.busyUntil - (0.29 + 0.2)) < 1e-9);
  await clock.runUntil(5);
  bus.write(0x27, Uint8Array.of(4));
  assert.ok(Math.abs(dev.writes[2]!.at[0]! - 5.19) < 1e-9, 'an idle bus starts now');
  const fast = new SimI2cBus(clock, { bitRateHz: 400_000 });
  const d2 = new Recorder();
  fast.attach(0x27, d2);
  fast.write(0x27, Uint8Array.of(1));
  assert.ok(Math.abs(d2.writes[0]!.at[0]! - (5 + 19 * 0.0025)) < 1e-9);
});

test('a bus that cannot see write NACKs (Firmata) returns true, but reads still reject', async () => {
  const bus = new SimI2cBus(new VirtualClock(), { reportsAck: false });
  assert.is(bus.write(0x27, Uint8Array.of(0)), true);
  assert.is(bus.stats.nacks, 1);
  await bus.read(0x27, 1).then(() => assert.unreachable(), (e: unknown) => assert.instance(e, I2cError));
});

test('PCF8574: powers up with all outputs high; writes set the port; reads AND with outside drivers', async () => {
  const bus = new SimI2cBus(new VirtualClock());
  const pcf = new Pcf8574();
  bus.attach(0x27, pcf);
  assert.is(pcf.port, 0xff);
  const seen: number[] = [];
  pcf.onOutput((port) => seen.push(port));
  bus.write(0x27, Uint8Array.of(0x0c, 0x08));
  assert.equal(seen, [0x0c, 0x08]);
  assert.is(pcf.port, 0x08);
  bus.write(0x27, Uint8Array.of(0xf0));
  pcf.externalLevels = () => 0b0111_1111; // something pulls P7 low
  assert.equal([...(await bus.read(0x27, 2))], [0x70, 0x70]);
});

test.run();
