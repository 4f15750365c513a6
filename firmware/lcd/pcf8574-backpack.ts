// HD44780 behind a PCF8574 I2C "backpack". Bit mapping of the common boards (document of record):
//   P0 = RS, P1 = R/W, P2 = E, P3 = backlight (1 = on), P4–P7 = D4–D7.
// PCF8574 boards answer at 0x20–0x27 (0x27 with the A0–A2 jumpers open, the usual default);
// PCF8574A boards at 0x38–0x3F (0x3F).
//
// Each byte written sets all eight outputs at once when its ACK completes (9 bit times, 90 µs at
// 100 kHz). A nibble is three bytes: data with E low (RS settles before E rises: address set-up),
// the same with E high (90 µs pulse), the same with E low (falling edge latches; data unchanged).
// A full byte goes in one 5-byte transaction: hi, hi+E, hi, lo+E, lo — data may change together
// with E rising, since it only has to be stable before E falls. R/W is always written 0.
import type { Scheduler } from '../../hal/clock.ts';
import { I2cError, type I2cBus } from '../../hal/i2c.ts';
import { LcdError, LinkBacklog, type Hd44780Transport } from './transport.ts';

export const BACKPACK_ADDRESS = 0x27;
export const BACKPACK_ADDRESS_ALT = 0x3f;

const RS = 0x01;
const E = 0x04;
const BACKLIGHT = 0x08;

export interface Pcf8574BackpackOptions {
  address?: number;
  /** How long open() waits for the presence read before giving up, ms. */
  probeTimeoutMs?: number;
  /** I2C clock, for the backlog estimate (the Uno's Wire default is 100 kHz). */
  busHz?: number;
}

const hex = (a: number): string => `0x${a.toString(16).padStart(2, '0').toUpperCase()}`;

export class Pcf8574Backpack implements Hd44780Transport {
  readonly address: number;
  readonly hasBacklight = true;
  private readonly probeTimeoutMs: number;
  private backlight = BACKLIGHT;
  private readonly bitMs: number;
  private readonly link = new LinkBacklog();

  constructor(private readonly bus: I2cBus, opts: Pcf8574BackpackOptions = {}) {
    this.address = opts.address ?? BACKPACK_ADDRESS;
    if (!Number.isInteger(this.address) || this.address < 0x08 || this.address > 0x77) {
      throw new LcdError('argument', `I2C address must be 0x08..0x77, got ${this.address}`);
    }
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 200;
    this.bitMs = 1000 / (opts.busHz ?? 100_000);
  }

  backlogMs(): number {
    return this.link.pendingMs();
  }

  get description(): string {
    return `PCF8574 backpack at ${hex(this.address)}`;
  }

  /**
   * Presence check: a write the expander must acknowledge (all outputs low, E low), then a one-byte
   * read. The read matters on Firmata, whose writes cannot report a NACK; a board whose read never
   * answers is caught by the timeout.
   */
  async open(scheduler: Scheduler): Promise<void> {
    this.link.attach(scheduler);
    const other = this.address === BACKPACK_ADDRESS ? BACKPACK_ADDRESS_ALT : BACKPACK_ADDRESS;
    const notFound = (why: string) =>
      new LcdError('not-found', `no LCD backpack at I2C ${hex(this.address)}: ${why} (check the address; common ones are ${hex(this.address)} and ${hex(other)})`);
    if (!this.bus.write(this.address, Uint8Array.of(this.backlight))) throw notFound('write not acknowledged');
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = scheduler.after(this.probeTimeoutMs, () => reject(notFound(`no reply within ${this.probeTimeoutMs} ms`)));
    });
    try {
      await Promise.race([this.bus.read(this.address, 1), timeout]);
    } catch (e) {
      if (e instanceof I2cError) throw notFound('read not acknowledged');
      throw e;
    } finally {
      timer?.cancel();
    }
  }

  writeNibble(nibble: number, rs: boolean): void {
    const b = this.bits(nibble, rs);
    this.send(Uint8Array.of(b, b | E, b));
  }

  writeByte(byte: number, rs: boolean): void {
    const hi = this.bits(byte >> 4, rs);
    const lo = this.bits(byte, rs);
    this.send(Uint8Array.of(hi, hi | E, hi, lo | E, lo));
  }

  setBacklight(on: boolean): void {
    this.backlight = on ? BACKLIGHT : 0;
    this.send(Uint8Array.of(this.backlight));
  }

  private bits(nibble: number, rs: boolean): number {
    return ((nibble & 0x0f) << 4) | (rs ? RS : 0) | this.backlight;
  }

  private send(bytes: Uint8Array): void {
    // START, address + ACK, 9 bits per byte, STOP.
    this.link.add((11 + 9 * bytes.length) * this.bitMs);
    if (!this.bus.write(this.address, bytes)) {
      throw new LcdError('bus', `I2C write to ${this.description} not acknowledged`);
    }
  }
}
