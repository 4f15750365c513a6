// The buffered analog input (hal BufferedAnalogIn): the virtual Uno converts at the exact sample
// instants without a clock event per sample, and gives the same counts and latched lines as
// reading the pin from a task at those instants; the polled version (johnny-five target) on a
// scheduler does the same from the latest value. Full buffers lose the oldest samples and say so.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { Rng } from '../../sim/rng.ts';
import { VirtualUno, adcCounts } from '../../sim/uno.ts';
import { PolledBufferedAnalogIn } from '../../hal/polled-buffer.ts';
import { PinError } from '../../hal/board.ts';
import { PIN_MAP, World } from '../../sim/world.ts';

// A source that changes every instant, and a lead-off line high in [1000, 1500) ms.
const source = (t: number) => 2 + Math.sin(t / 37) * 1.5;
const leadOff = (t: number) => t >= 1000 && t < 1500;

function wiredUno(clock: VirtualClock) {
  const u = new VirtualUno({ clock, rng: new Rng(7) });
  u.attachAnalog('A0', source);
  u.driveDigital('D10', leadOff);
  return u;
}

test('buffered samples equal per-sample reads at the same instants, lines latched with each', async () => {
  // Reference: a 4 ms task reading the pin and the line.
  const c1 = new VirtualClock();
  const u1 = wiredUno(c1);
  const a0 = u1.analogIn('A0'), lo = u1.digitalIn('D10');
  const ref: Array<[number, number, boolean]> = [];
  c1.every(4, () => void ref.push([c1.now(), a0.read(), lo.read()]));
  await c1.runUntil(3000);

  // Buffered: drained every 100 ms (and at odd times), no event per sample.
  const c2 = new VirtualClock();
  const u2 = wiredUno(c2);
  const b = u2.bufferedAnalogIn('A0', { periodMs: 4, capacity: 64, lines: ['D10'] });
  const got: Array<[number, boolean]> = [];
  const counts = new Uint16Array(16), lines = new Uint8Array(16);
  const drain = () => {
    for (let n = b.take(counts, lines); n > 0; n = b.take(counts, lines)) for (let i = 0; i < n; i++) got.push([counts[i]!, lines[i] === 1]);
  };
  c2.every(100, drain);
  c2.every(37, drain);
  await c2.runUntil(3000);
  drain();
  assert.is(got.length, 750);
  assert.equal(got, ref.map(([, x, l]) => [x, l]));
  assert.ok(got.some(([, l]) => l) && got.some(([, l]) => !l));
  assert.is(b.overruns, 0);
  assert.is(u2.conversions('A0'), 750);
  // Far fewer clock events than one per sample.
  assert.ok(c2.eventsRun < 120, `${c2.eventsRun} events`);
});

test('a buffer taken too late keeps only the newest samples and counts the lost ones', async () => {
  const c = new VirtualClock();
  const u = new VirtualUno({ clock: c, rng: new Rng(7), adcNoiseLsb: 0 });
  u.attachAnalog('A0', source);
  const b = u.bufferedAnalogIn('A0', { periodMs: 4, capacity: 10 });
  await c.runUntil(100); // 25 instants, room for 10
  const counts = new Uint16Array(64), lines = new Uint8Array(64);
  assert.is(b.take(counts, lines), 10);
  assert.is(b.overruns, 15);
  // The kept ones are the newest: instants 64..100 ms.
  assert.equal([...counts.slice(0, 10)], Array.from({ length: 10 }, (_, i) => adcCounts(source(64 + 4 * i))));
  assert.is(b.take(counts, lines), 0);
  await c.runUntil(104);
  assert.is(b.take(counts, lines), 1);
  assert.is(counts[0], adcCounts(source(104)));
});

test('one buffered sampler per pin; a period below the board minimum is refused; stop frees the pin', () => {
  const c = new VirtualClock();
  const u = wiredUno(c);
  const b = u.bufferedAnalogIn('A0', { periodMs: 4, capacity: 8 });
  assert.throws(() => u.bufferedAnalogIn('A0', { periodMs: 4, capacity: 8 }), (e: unknown) => e instanceof PinError);
  assert.throws(() => u.bufferedAnalogIn('A1', { periodMs: 0.5, capacity: 8 }), (e: unknown) => e instanceof RangeError);
  assert.throws(() => u.digitalOut('D10') && u.bufferedAnalogIn('A1', { periodMs: 4, capacity: 8, lines: ['D10'] }), (e: unknown) => e instanceof PinError);
  b.stop();
  assert.is(b.take(new Uint16Array(4), new Uint8Array(4)), 0);
  u.bufferedAnalogIn('A0', { periodMs: 4, capacity: 8 });
});

test('the polled buffer (Firmata boards) samples the latest value and lines every period', async () => {
  const c = new VirtualClock();
  let value = 0, line = false;
  const p = new PolledBufferedAnalogIn(c, { vref: 5, bits: 10, read: () => value }, [{ read: () => line }], { periodMs: 10, capacity: 4 });
  c.every(10, () => {
    value = Math.round(c.now());
    line = c.now() >= 30;
  });
  await c.runUntil(50);
  const counts = new Uint16Array(8), lines = new Uint8Array(8);
  // Five samples taken, four kept (the first one overwritten); each saw the value set in its own instant before it.
  assert.is(p.take(counts, lines), 4);
  assert.is(p.overruns, 1);
  assert.equal([...counts.slice(0, 4)], [10, 20, 30, 40]);
  assert.equal([...lines.slice(0, 4)], [0, 0, 1, 1]);
  p.stop();
  await c.runUntil(100);
  assert.is(p.take(counts, lines), 0);
});

test('in a world: the ECG pin sampled in blocks equals the per-sample reads (front end, noise, lead-off)', async () => {
  const run = async (buffered: boolean) => {
    const w = new World({ scenario: 'lead-off', seed: 5 });
    const out: number[] = [];
    if (buffered) {
      const b = w.uno.bufferedAnalogIn('A0', { periodMs: 4, capacity: 64, lines: ['D10', 'D11'] });
      const counts = new Uint16Array(64), lines = new Uint8Array(64);
      w.clock.every(100, () => {
        const n = b.take(counts, lines);
        for (let i = 0; i < n; i++) out.push(counts[i]! * 4 + lines[i]!);
      });
    } else {
      const a = w.uno.analogIn('A0'), lp = w.uno.digitalIn('D10'), lm = w.uno.digitalIn('D11');
      w.clock.every(4, () => void out.push(a.read() * 4 + (lp.read() ? 1 : 0) + (lm.read() ? 2 : 0)));
    }
    await w.runUntil(40_000);
    return out;
  };
  const [a, b] = [await run(false), await run(true)];
  assert.is(a.length, 10_000);
  // Electrodes off 20-35 s: both lines high there.
  assert.ok(a.filter((x) => x % 4 === 3).length >= 3700);
  assert.equal(b, a);
});

// The world's sensors hand the buffered ADC whole blocks (BlockVoltageSource, BlockLogicSource);
// they must give exactly what the per-instant sources give, lead-off lines included.
test('block-filled ECG and pulse channels give the same counts and lines as per-instant sources', async () => {
  const take = async (perInstant: boolean) => {
    const w = new World({ scenario: 'lead-off', seed: 11 });
    if (perInstant) {
      const fe = w.ecgFrontEnd, ps = w.pulseSensor;
      w.uno.attachAnalog(PIN_MAP.ecg, (t) => fe.outputV(t));
      w.uno.attachAnalog(PIN_MAP.pulse, (t) => ps.outputV(t));
      w.uno.driveDigital(PIN_MAP.leadOffPlus, (t) => fe.loPlus(t));
      w.uno.driveDigital(PIN_MAP.leadOffMinus, (t) => fe.loMinus(t));
    }
    const ecg = w.uno.bufferedAnalogIn(PIN_MAP.ecg, { periodMs: 4, capacity: 100, lines: [PIN_MAP.leadOffPlus, PIN_MAP.leadOffMinus] });
    const ppg = w.uno.bufferedAnalogIn(PIN_MAP.pulse, { periodMs: 10, capacity: 100 });
    const out: number[] = [], lines: number[] = [];
    const c = new Uint16Array(40), l = new Uint8Array(40);
    for (let t = 100; t <= 40_000; t += 100) {
      await w.clock.runUntil(t);
      for (const b of [ecg, ppg]) {
        for (let n = b.take(c, l); n > 0; n = b.take(c, l)) {
          out.push(...c.subarray(0, n));
          if (b === ecg) lines.push(...l.subarray(0, n));
        }
      }
    }
    return { out, lines };
  };
  const block = await take(false);
  const single = await take(true);
  assert.equal(block.out.length, 10_000 + 4_000);
  assert.ok(block.lines.filter((x) => x === 3).length > 3000, 'the scenario takes the electrodes off from 20 s to 35 s');
  assert.equal(block.lines, single.lines);
  assert.equal(block.out, single.out);
});

test.run();
