// The 4-bit parallel wiring in the simulator: six SimDigitalOut wires (RS, E, D4–D7; R/W tied to
// ground) drive an Hd44780Model. Firmware writes pins synchronously while the virtual clock stands
// still, but on the johnny-five target every pin write is a Firmata DIGITAL_MESSAGE (3 bytes at
// 57600 baud, about 0.52 ms on the wire). The wiring therefore stamps each level change no earlier
// than `pinWriteMs` after the previous one, so the model sees the spacing the real link produces.
import type { Clock } from '../../hal/clock.ts';
import type { SimDigitalOut } from '../pins.ts';
import type { Hd44780Model, Hd44780PinLevels } from './hd44780.ts';

export interface ParallelLcdPins {
  rs: SimDigitalOut;
  e: SimDigitalOut;
  d4: SimDigitalOut;
  d5: SimDigitalOut;
  d6: SimDigitalOut;
  d7: SimDigitalOut;
}

/** One Firmata digital message: 3 bytes x 10 bits at 57600 baud. */
export const FIRMATA_PIN_WRITE_MS = (3 * 10 * 1000) / 57600;

/**
 * DB0–DB3 are not wired in 4-bit mode; the HD44780's inputs have pull-ups, so they read high while
 * the controller is still in 8-bit mode after power-on.
 */
export const UNWIRED_LOW_NIBBLE = 0x0f;

export interface ParallelWiringOptions {
  /** Minimum spacing of successive pin changes on the wire, ms. */
  pinWriteMs?: number;
}

/** Connects the pins to the model; returns a function that disconnects them. */
export function wireParallel(model: Hd44780Model, pins: ParallelLcdPins, clock: Clock, opts: ParallelWiringOptions = {}): () => void {
  const spacing = opts.pinWriteMs ?? FIRMATA_PIN_WRITE_MS;
  let last = Number.NEGATIVE_INFINITY;
  const levels = (): Hd44780PinLevels => ({
    rs: pins.rs.level,
    rw: false,
    e: pins.e.level,
    db: (pins.d4.level ? 0x10 : 0) | (pins.d5.level ? 0x20 : 0) | (pins.d6.level ? 0x40 : 0) | (pins.d7.level ? 0x80 : 0) | UNWIRED_LOW_NIBBLE,
  });
  model.connectPins(levels());
  // One record reused for every edge (the model copies what it keeps).
  const now: Hd44780PinLevels = levels();
  const changed = (): void => {
    last = Math.max(clock.now(), last + spacing);
    now.rs = pins.rs.level;
    now.e = pins.e.level;
    now.db = (pins.d4.level ? 0x10 : 0) | (pins.d5.level ? 0x20 : 0) | (pins.d6.level ? 0x40 : 0) | (pins.d7.level ? 0x80 : 0) | UNWIRED_LOW_NIBBLE;
    model.drive(now, last);
  };
  const offs = [pins.rs, pins.e, pins.d4, pins.d5, pins.d6, pins.d7].map((p) => p.onChange(changed));
  return () => offs.forEach((off) => off());
}
