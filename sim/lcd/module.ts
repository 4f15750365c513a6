// A simulated 1602 LCD module, attached the way the firmware wiring expects: either an HD44780
// behind a PCF8574 on the simulated I2C bus, or an HD44780 on six simulated digital pins.
import type { Clock } from '../../hal/clock.ts';
import type { SimI2cBus } from '../i2c-bus.ts';
import { Hd44780Model, type Hd44780ModelOptions } from './hd44780.ts';
import { wireParallel, type ParallelLcdPins, type ParallelWiringOptions } from './parallel.ts';
import { Pcf8574, wireBackpack } from './pcf8574.ts';
import { renderBox, renderLines } from './render.ts';

export interface SimLcd {
  readonly model: Hd44780Model;
  /** The visible lines, custom glyphs as `slotSymbols`. */
  lines(slotSymbols?: readonly string[]): string[];
  box(slotSymbols?: readonly string[]): string;
  detach(): void;
}

function simLcd(model: Hd44780Model, detach: () => void): SimLcd {
  return { model, lines: (s) => renderLines(model, s), box: (s) => renderBox(model, s), detach };
}

/** Powers the module on now and puts its backpack on the bus (default 0x27). */
export function attachBackpackLcd(clock: Clock, bus: SimI2cBus, address = 0x27, opts: Hd44780ModelOptions = {}): SimLcd & { expander: Pcf8574 } {
  const model = new Hd44780Model({ powerOnAtMs: clock.now(), ...opts });
  const expander = new Pcf8574();
  const unwire = wireBackpack(expander, model);
  bus.attach(address, expander);
  return {
    ...simLcd(model, () => {
      bus.detach(address);
      unwire();
    }),
    expander,
  };
}

/** Powers the module on now and connects it to six simulated digital outputs. */
export function attachParallelLcd(clock: Clock, pins: ParallelLcdPins, opts: Hd44780ModelOptions & ParallelWiringOptions = {}): SimLcd {
  const model = new Hd44780Model({ powerOnAtMs: clock.now(), ...opts });
  return simLcd(model, wireParallel(model, pins, clock, opts));
}
