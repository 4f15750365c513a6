// Test rigs: the full stack from the firmware driver through a wiring to the HD44780 model.
import { VirtualClock } from '../../sim/clock.ts';
import { SimDigitalOut } from '../../sim/pins.ts';
import { SimI2cBus, type SimI2cBusOptions } from '../../sim/i2c-bus.ts';
import { Hd44780Model } from '../../sim/lcd/hd44780.ts';
import { wireParallel, type ParallelLcdPins } from '../../sim/lcd/parallel.ts';
import { Pcf8574, wireBackpack } from '../../sim/lcd/pcf8574.ts';
import { renderLines } from '../../sim/lcd/render.ts';
import { Hd44780, type Hd44780Options } from '../../firmware/lcd/hd44780.ts';
import { Parallel4BitTransport } from '../../firmware/lcd/parallel-4bit.ts';
import { Pcf8574Backpack } from '../../firmware/lcd/pcf8574-backpack.ts';
import { GLYPH_SYMBOLS_BY_SLOT } from '../../firmware/lcd/glyphs.ts';

export interface Rig {
  clock: VirtualClock;
  model: Hd44780Model;
  lcd: Hd44780;
  text(): string[];
  /** Runs an async driver call to completion on the virtual clock. */
  run<T>(op: () => Promise<T>): Promise<T>;
}

function finish(clock: VirtualClock, model: Hd44780Model, lcd: Hd44780): Rig {
  return {
    clock, model, lcd,
    text: () => renderLines(model, GLYPH_SYMBOLS_BY_SLOT),
    async run<T>(op: () => Promise<T>): Promise<T> {
      let done = false;
      const p = op().finally(() => (done = true));
      p.catch(() => {});
      for (;;) {
        // Let continuations run first, so the next event is one they scheduled.
        await new Promise((r) => setImmediate(r));
        if (done) break;
        const next = clock.nextEventAt();
        if (next === undefined) throw new Error('driver operation is waiting on nothing');
        await clock.runUntil(next);
      }
      return p;
    },
  };
}

export function parallelRig(opts: { driver?: Hd44780Options; pinWriteMs?: number } = {}): Rig & { pins: ParallelLcdPins } {
  const clock = new VirtualClock();
  const model = new Hd44780Model({ powerOnAtMs: 0 });
  const pins: ParallelLcdPins = { rs: new SimDigitalOut('D12'), e: new SimDigitalOut('D9'), d4: new SimDigitalOut('D4'), d5: new SimDigitalOut('D7'), d6: new SimDigitalOut('D3'), d7: new SimDigitalOut('D2') };
  wireParallel(model, pins, clock, opts.pinWriteMs === undefined ? {} : { pinWriteMs: opts.pinWriteMs });
  const lcd = new Hd44780(new Parallel4BitTransport(pins), clock, opts.driver);
  return { ...finish(clock, model, lcd), pins };
}

export function backpackRig(opts: { driver?: Hd44780Options; deviceAt?: number; driverAddress?: number; bus?: SimI2cBusOptions } = {}): Rig & { bus: SimI2cBus; expander: Pcf8574 } {
  const clock = new VirtualClock();
  const model = new Hd44780Model({ powerOnAtMs: 0 });
  const bus = new SimI2cBus(clock, opts.bus);
  const expander = new Pcf8574();
  bus.attach(opts.deviceAt ?? 0x27, expander);
  wireBackpack(expander, model);
  const lcd = new Hd44780(new Pcf8574Backpack(bus, { address: opts.driverAddress ?? 0x27 }), clock, opts.driver);
  return { ...finish(clock, model, lcd), bus, expander };
}
