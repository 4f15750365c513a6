// A simulated I2C bus: devices attach at 7-bit addresses; the master side implements hal/i2c.ts.
// The bus also models wire time. Firmware calls write() synchronously and the virtual clock does
// not move during the call, yet on a real bus every byte takes 9 bit times (8 data + ACK). The bus
// keeps a "wire cursor": a transaction starts when the wire is free (not before now) and each byte
// is delivered to the device stamped with the time its ACK completes. Device models that care
// about timing (the PCF8574 driving an HD44780) use those stamps, not clock.now().
import type { Clock } from '../hal/clock.ts';
import { I2cError, type I2cBus } from '../hal/i2c.ts';

export interface SimI2cDevice {
  /** A write transaction addressed to this device; `ackAtMs[i]` is when byte i was acknowledged. */
  i2cWrite(bytes: Uint8Array, ackAtMs: readonly number[]): void;
  /** A read transaction; `atMs[i]` is when byte i is clocked out. */
  i2cRead(length: number, atMs: readonly number[]): Uint8Array;
}

export interface SimI2cBusOptions {
  /** SCL rate; the Uno's Wire library defaults to 100 kHz. */
  bitRateHz?: number;
  /**
   * Whether write() reports a missing acknowledgement (false). Firmata does not pass the ACK back to
   * the host, so a johnny-five board always returns true; set false to simulate that.
   */
  reportsAck?: boolean;
}

export interface SimI2cStats {
  transactions: number;
  bytesWritten: number;
  bytesRead: number;
  nacks: number;
}

function checkAddress(address: number): void {
  if (!Number.isInteger(address) || address < 0 || address > 0x7f) {
    throw new RangeError(`I2C address must be a 7-bit integer, got ${address}`);
  }
}

const hex = (a: number): string => `0x${a.toString(16).padStart(2, '0').toUpperCase()}`;

export class SimI2cBus implements I2cBus {
  private readonly devices = new Map<number, SimI2cDevice>();
  private readonly bitMs: number;
  private readonly reportsAck: boolean;
  private wireFreeAt = Number.NEGATIVE_INFINITY;
  readonly stats: SimI2cStats = { transactions: 0, bytesWritten: 0, bytesRead: 0, nacks: 0 };

  constructor(private readonly clock: Clock, opts: SimI2cBusOptions = {}) {
    const rate = opts.bitRateHz ?? 100_000;
    if (!(rate > 0)) throw new RangeError(`bit rate must be > 0, got ${rate}`);
    this.bitMs = 1000 / rate;
    this.reportsAck = opts.reportsAck ?? true;
  }

  attach(address: number, device: SimI2cDevice): void {
    checkAddress(address);
    if (this.devices.has(address)) throw new Error(`I2C address ${hex(address)} already in use`);
    this.devices.set(address, device);
  }

  detach(address: number): void {
    this.devices.delete(address);
  }

  /** Time the wire becomes idle (after the last queued transaction), ms. */
  get busyUntil(): number {
    return Math.max(this.clock.now(), this.wireFreeAt);
  }

  /**
   * Reserves the wire for one transaction of `dataBytes` after the address byte and returns the
   * time each data byte completes. START + address/R-W + ACK = 10 bits, 9 per byte, STOP = 1.
   */
  private occupy(dataBytes: number, acked: boolean): number[] {
    const start = Math.max(this.clock.now(), this.wireFreeAt);
    const times: number[] = [];
    const n = acked ? dataBytes : 0; // a NACKed address ends the transaction at once
    for (let i = 0; i < n; i++) times.push(start + (10 + 9 * (i + 1)) * this.bitMs);
    this.wireFreeAt = start + (10 + 9 * n + 1) * this.bitMs;
    this.stats.transactions++;
    return times;
  }

  write(address: number, bytes: Uint8Array): boolean {
    checkAddress(address);
    const dev = this.devices.get(address);
    const times = this.occupy(bytes.length, dev !== undefined);
    if (!dev) {
      this.stats.nacks++;
      return !this.reportsAck;
    }
    this.stats.bytesWritten += bytes.length;
    dev.i2cWrite(bytes.slice(), times);
    return true;
  }

  read(address: number, length: number): Promise<Uint8Array> {
    try {
      checkAddress(address);
      if (!Number.isInteger(length) || length < 0) throw new RangeError(`read length must be a non-negative integer, got ${length}`);
    } catch (e) {
      return Promise.reject(e);
    }
    const dev = this.devices.get(address);
    const times = this.occupy(length, dev !== undefined);
    if (!dev) {
      this.stats.nacks++;
      return Promise.reject(new I2cError(address, `no device acknowledged I2C address ${hex(address)}`));
    }
    const data = dev.i2cRead(length, times);
    this.stats.bytesRead += length;
    return Promise.resolve(data.slice(0, length));
  }
}
