// HD44780 4-bit parallel wiring: RS, E and D4–D7 on digital outputs, R/W tied to ground, D0–D3
// unconnected. A nibble is: RS and D4–D7 set while E is low (address and data set-up), E high,
// E low (the controller latches on the falling edge). Each of those is its own pin write, which on
// a Firmata link is ~0.5 ms apart — far above the 450 ns E pulse width and 37 µs execution time.
// Pins already at the wanted level are not written again, to save link traffic.
import type { Scheduler } from '../../hal/clock.ts';
import type { DigitalOut } from '../../hal/digital.ts';
import { LinkBacklog, type Hd44780Transport } from './transport.ts';

export interface Parallel4BitPins {
  rs: DigitalOut;
  e: DigitalOut;
  d4: DigitalOut;
  d5: DigitalOut;
  d6: DigitalOut;
  d7: DigitalOut;
}

/** A Firmata DIGITAL_MESSAGE: 3 bytes of 10 bits at 57600 baud. */
export const FIRMATA_PIN_WRITE_MS = (3 * 10 * 1000) / 57600;

export interface Parallel4BitOptions {
  /** Time one pin write takes to reach the pin (link cost), ms; 0 for native pins. */
  pinWriteMs?: number;
}

export class Parallel4BitTransport implements Hd44780Transport {
  readonly description = '4-bit parallel';
  readonly hasBacklight = false;
  private readonly data: readonly DigitalOut[];
  private readonly pinWriteMs: number;
  private readonly link = new LinkBacklog();

  constructor(private readonly pins: Parallel4BitPins, opts: Parallel4BitOptions = {}) {
    this.data = [pins.d4, pins.d5, pins.d6, pins.d7];
    this.pinWriteMs = opts.pinWriteMs ?? FIRMATA_PIN_WRITE_MS;
  }

  /** A parallel bus has no acknowledgement: nothing to probe. Park E low. */
  async open(scheduler: Scheduler): Promise<void> {
    this.link.attach(scheduler);
    this.set(this.pins.e, false);
  }

  backlogMs(): number {
    return this.link.pendingMs();
  }

  writeNibble(nibble: number, rs: boolean): void {
    this.set(this.pins.rs, rs);
    const d = this.data;
    for (let i = 0; i < d.length; i++) this.set(d[i]!, ((nibble >> i) & 1) === 1);
    this.pulse(true);
    this.pulse(false);
  }

  writeByte(byte: number, rs: boolean): void {
    this.writeNibble(byte >> 4, rs);
    this.writeNibble(byte & 0x0f, rs);
  }

  setBacklight(): void {
    // Backlight hard-wired on this wiring.
  }

  private pulse(level: boolean): void {
    this.pins.e.write(level);
    this.link.add(this.pinWriteMs);
  }

  private set(pin: DigitalOut, level: boolean): void {
    if (pin.level === level) return;
    pin.write(level);
    this.link.add(this.pinWriteMs);
  }
}

