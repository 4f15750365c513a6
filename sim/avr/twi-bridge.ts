// The emulated TWI (I2C master) connected to the simulator's I2C device models (SimI2cDevice: the
// PCF8574 backpack in front of the HD44780 model). avr8js reports each bus event; we answer after
// the time the bus would take at the SCL rate the sketch set (9 bit times per byte), so devices get
// byte stamps in emulated time exactly as on a real wire and the HD44780 model's timing checks
// (E pulse width, busy times) apply.
import type { AVRTWI, CPU, TWIEventHandler } from 'avr8js';
import type { SimI2cDevice } from '../i2c-bus.ts';

export interface TwiStats {
  transactions: number;
  bytesWritten: number;
  bytesRead: number;
  nacks: number;
}

export class TwiBridge implements TWIEventHandler {
  private readonly devices = new Map<number, SimI2cDevice>();
  private current: SimI2cDevice | null = null;
  readonly stats: TwiStats = { transactions: 0, bytesWritten: 0, bytesRead: 0, nacks: 0 };

  constructor(private readonly twi: AVRTWI, private readonly cpu: CPU, private readonly nowMs: () => number) {}

  attach(address: number, device: SimI2cDevice): void {
    if (this.devices.has(address)) throw new Error(`I2C address 0x${address.toString(16)} already in use`);
    this.devices.set(address, device);
  }

  private cycles(bits: number): number {
    const f = this.twi.sclFrequency;
    return Math.max(1, Math.round((bits * 16_000_000) / (f > 0 ? f : 100_000)));
  }

  start(): void {
    this.cpu.addClockEvent(() => this.twi.completeStart(), this.cycles(1));
  }

  stop(): void {
    this.current = null;
    this.cpu.addClockEvent(() => this.twi.completeStop(), this.cycles(1));
  }

  connectToSlave(addr: number): void {
    this.current = this.devices.get(addr) ?? null;
    this.stats.transactions++;
    if (!this.current) this.stats.nacks++;
    const ack = this.current !== null;
    this.cpu.addClockEvent(() => this.twi.completeConnect(ack), this.cycles(9));
  }

  writeByte(value: number): void {
    const dev = this.current;
    const ack = dev !== null;
    this.cpu.addClockEvent(() => {
      if (dev) {
        this.stats.bytesWritten++;
        dev.i2cWrite(Uint8Array.of(value), [this.nowMs()]);
      }
      this.twi.completeWrite(ack);
    }, this.cycles(9));
  }

  readByte(): void {
    const dev = this.current;
    this.cpu.addClockEvent(() => {
      const v = dev ? dev.i2cRead(1, [this.nowMs()])[0]! : 0xff;
      this.stats.bytesRead++;
      this.twi.completeRead(v);
    }, this.cycles(9));
  }
}
