// The PCF8574 remote 8-bit I/O expander on the simulated I2C bus, and the common "LCD backpack"
// wiring that puts it in front of an HD44780 module.
//
// The PCF8574's port is quasi-bidirectional: every byte written sets the output latches (a 0 pulls
// the pin low hard, a 1 is a weak pull-up that an outside driver may pull low); a read returns the
// pin levels. At power-on all latches are 1. Each written byte reaches the pins when its ACK
// completes, which is the stamp the bus passes us.
import type { SimI2cDevice } from '../i2c-bus.ts';
import type { Hd44780Model, Hd44780PinLevels } from './hd44780.ts';
import { UNWIRED_LOW_NIBBLE } from './parallel.ts';

export type PortListener = (port: number, atMs: number) => void;

export class Pcf8574 implements SimI2cDevice {
  private latch = 0xff;
  private readonly listeners: PortListener[] = [];
  /** Levels outside drivers force on the pins (1 = not pulled low); ANDed with the latches on reads. */
  externalLevels: () => number = () => 0xff;
  writes = 0;

  /** The output latches. */
  get port(): number {
    return this.latch;
  }

  onOutput(listener: PortListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  i2cWrite(bytes: Uint8Array, ackAtMs: readonly number[]): void {
    bytes.forEach((b, i) => {
      this.latch = b & 0xff;
      this.writes++;
      for (const l of this.listeners) l(this.latch, ackAtMs[i]!);
    });
  }

  i2cRead(length: number): Uint8Array {
    return new Uint8Array(length).fill(this.latch & this.externalLevels());
  }
}

/**
 * The usual backpack wiring (the boards sold with 1602 modules): P0 = RS, P1 = R/W, P2 = E,
 * P3 = backlight transistor (1 = on), P4–P7 = D4–D7. PCF8574 boards answer at 0x20–0x27
 * (0x27 with A0–A2 open), PCF8574A boards at 0x38–0x3F.
 */
export const BACKPACK_BITS = { rs: 0x01, rw: 0x02, e: 0x04, backlight: 0x08, dataShift: 4 } as const;

export function wireBackpack(expander: Pcf8574, model: Hd44780Model): () => void {
  const levels = (port: number): Hd44780PinLevels => ({
    rs: (port & BACKPACK_BITS.rs) !== 0,
    rw: (port & BACKPACK_BITS.rw) !== 0,
    e: (port & BACKPACK_BITS.e) !== 0,
    db: (port & 0xf0) | UNWIRED_LOW_NIBBLE,
  });
  model.connectPins(levels(expander.port));
  model.backlight = (expander.port & BACKPACK_BITS.backlight) !== 0;
  return expander.onOutput((port, atMs) => {
    model.backlight = (port & BACKPACK_BITS.backlight) !== 0;
    model.drive(levels(port), atMs);
  });
}
