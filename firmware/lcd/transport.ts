// The one seam between the HD44780 driver and its wiring. The driver speaks in nibbles and bytes
// with a register select; a transport turns that into pin writes (4-bit parallel) or I2C bytes (a
// PCF8574 backpack). Writes are synchronous, as pin writes and I2C writes are on every target.
import type { Clock, Scheduler } from '../../hal/clock.ts';

export interface Hd44780Transport {
  /** For error messages: "PCF8574 backpack at 0x27", "4-bit parallel". */
  readonly description: string;
  /** Whether setBacklight does anything (a backpack switches the LED; bare parallel wiring does not). */
  readonly hasBacklight: boolean;
  /** Makes sure the module is there, where the wiring can tell; rejects with LcdError('not-found'). */
  open(scheduler: Scheduler): Promise<void>;
  /** Clocks the low 4 bits of `nibble` into D4–D7 with one E pulse. */
  writeNibble(nibble: number, rs: boolean): void;
  /** Clocks a byte as two nibbles, high first. */
  writeByte(byte: number, rs: boolean): void;
  setBacklight(on: boolean): void;
  /**
   * Estimated time until everything written so far has reached the module's pins, ms. Writes are
   * queued (a serial link to Firmata, an I2C bus), so a wait the datasheet demands after an
   * instruction must start when the instruction arrives, not when it was queued.
   */
  backlogMs(): number;
}

/**
 * Tracks a link's backlog from the cost of each write: the link is busy until `freeAt`, a new write
 * starts when it is free (or now, if idle) and occupies it for its cost.
 */
export class LinkBacklog {
  private freeAt = Number.NEGATIVE_INFINITY;
  private clock: Clock | undefined;

  attach(clock: Clock): void {
    this.clock = clock;
  }

  add(costMs: number): void {
    this.freeAt = Math.max(this.now(), this.freeAt) + costMs;
  }

  pendingMs(): number {
    return Math.max(0, this.freeAt - this.now());
  }

  private now(): number {
    return this.clock?.now() ?? 0;
  }
}

export type LcdErrorKind =
  /** No module answered (I2C NACK or no reply). */
  | 'not-found'
  /** A write failed mid-operation; the controller state is unknown until init() runs again. */
  | 'bus'
  /** Used before init() succeeded, or after a bus error. */
  | 'not-initialised'
  /** A write while clear() or home() is still waiting out its 1.52 ms. */
  | 'busy'
  /** A bad argument (cursor outside the glass, CGRAM slot > 7, a glyph row wider than 5 dots). */
  | 'argument';

export class LcdError extends Error {
  override readonly name = 'LcdError';
  constructor(readonly kind: LcdErrorKind, message: string) {
    super(message);
  }
}
