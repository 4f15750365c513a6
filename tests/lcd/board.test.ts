// createLcd on a Board and the simulator's module helpers: the way the lead wires the LCD in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { SimDigitalOut } from '../../sim/pins.ts';
import { SimI2cBus } from '../../sim/i2c-bus.ts';
import { attachBackpackLcd, attachParallelLcd } from '../../sim/lcd/module.ts';
import { createLcd, DEFAULT_PARALLEL_PINS } from '../../firmware/lcd/board.ts';
import { DisplayController } from '../../firmware/display/controller.ts';
import { GLYPH_SYMBOLS_BY_SLOT } from '../../firmware/lcd/glyphs.ts';
import { PinError, type Board, type DigitalPin } from '../../hal/board.ts';

/** Just enough of a simulated Uno for the LCD: digital outputs, the I2C bus, the clock. */
function miniBoard(clock: VirtualClock) {
  const outs = new Map<DigitalPin, SimDigitalOut>();
  const bus = new SimI2cBus(clock);
  const none = (what: string) => () => {
    throw new PinError(`${what} not in this test board`);
  };
  const board: Board = {
    name: 'test-uno',
    capabilities: { minSampleIntervalMs: 10, modemSerial: false, i2c: true },
    scheduler: clock,
    digitalOut(pin) {
      if (!outs.has(pin)) outs.set(pin, new SimDigitalOut(pin));
      return outs.get(pin)!;
    },
    i2c: () => bus,
    analogIn: none('analogIn'),
    bufferedAnalogIn: none('bufferedAnalogIn'),
    digitalIn: none('digitalIn'),
    pwmOut: none('pwmOut'),
    modemSerial: none('modemSerial'),
    eeprom: none('eeprom'),
    flash: none('flash'),
  };
  return { board, outs, bus };
}

const model = { heartRateBpm: 61, tempC: 37.1, faults: [], network: { registered: true, signalBars: 2, gprs: true, server: 'ok' as const, queued: 3 } };

test('backpack on the board I2C bus, driven by the display controller', async () => {
  const clock = new VirtualClock();
  const { board, bus } = miniBoard(clock);
  const sim = attachBackpackLcd(clock, bus);
  const ctl = new DisplayController(createLcd(board), clock, () => model);
  ctl.start();
  await clock.runUntil(500);
  assert.equal(sim.lines(GLYPH_SYMBOLS_BY_SLOT), ['♥ 61 P -- 37.1°C', 'BP --/--        ']);
  assert.match(sim.box(GLYPH_SYMBOLS_BY_SLOT), /┌─{16}┐\n│♥ 61 P -- 37\.1°C│/);
  assert.is(sim.model.timingViolations, 0);
  ctl.stop();
  sim.detach();
  assert.is(bus.write(0x27, Uint8Array.of(0)), false);
});

test('the controller loads the glyphs even when the LCD was initialised elsewhere', async () => {
  const clock = new VirtualClock();
  const { board, bus } = miniBoard(clock);
  const sim = attachBackpackLcd(clock, bus);
  const lcd = createLcd(board);
  let done = false;
  void lcd.init().then(() => (done = true));
  while (!done) await clock.runFor(10);
  const ctl = new DisplayController(lcd, clock, () => model);
  ctl.start();
  await clock.runFor(500);
  assert.is(sim.lines(GLYPH_SYMBOLS_BY_SLOT)[0], '♥ 61 P -- 37.1°C');
  ctl.stop();
});

test('parallel wiring on the proposed free pins D12, D9, D4, D7, D3, D2', async () => {
  const clock = new VirtualClock();
  const { board, outs } = miniBoard(clock);
  const lcd = createLcd(board, { kind: 'parallel' });
  assert.equal([...outs.keys()].sort(), ['D12', 'D2', 'D3', 'D4', 'D7', 'D9']);
  const p = DEFAULT_PARALLEL_PINS;
  const sim = attachParallelLcd(clock, { rs: outs.get(p.rs)!, e: outs.get(p.e)!, d4: outs.get(p.d4)!, d5: outs.get(p.d5)!, d6: outs.get(p.d6)!, d7: outs.get(p.d7)! });
  const ctl = new DisplayController(lcd, clock, () => model);
  ctl.start();
  await clock.runUntil(3500);
  assert.equal(sim.lines(GLYPH_SYMBOLS_BY_SLOT), ['Ψ⣠  GPRS      Q3', 'Server ok       ']);
  assert.is(sim.model.timingViolations, 0);
  ctl.stop();
});

test.run();
