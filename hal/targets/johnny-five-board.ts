// The hal/ Board on a real Arduino (or the emulated Uno) running Firmata, driven through
// johnny-five and its Firmata client (firmata-io). Pin names are those of wiring.md.
//
// What Firmata can and cannot do shapes this target:
// - analog inputs are reported by the board at the sampling interval (StandardFirmata 2.4:
//   10 ms minimum, 2.5+: 1 ms); AnalogIn.read() returns the latest reported value;
// - digital inputs are reported on change; DigitalIn.read() returns the latest reported level;
// - I2C writes cannot observe the ACK (write() returns true); a read of an absent device gives
//   an I2cError (Firmata's "Too few bytes" string message, or a timeout);
// - there is no EEPROM or flash access, so both stores live on the host (host-store.ts: files
//   in `bsn-care run --store DIR`);
// - the modem serial port is a host serial port (USB-RS232 adapter into the MAX232) or, on
//   StandardFirmataPlus >= 2.5, the board's SoftwareSerial through Firmata SERIAL messages.
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import type { AnalogIn, BufferedAnalogIn, BufferedAnalogOptions } from '../analog.ts';
import { PolledBufferedAnalogIn } from '../polled-buffer.ts';
import { ANALOG_PINS, DIGITAL_PINS, PWM_PINS, PinError, type AnalogPin, type Board, type BoardCapabilities, type DigitalPin, type PwmPin } from '../board.ts';
import type { Scheduler } from '../clock.ts';
import type { DigitalIn, DigitalOut } from '../digital.ts';
import { I2cError, type I2cBus } from '../i2c.ts';
import type { PwmOut } from '../pwm.ts';
import type { SerialPort } from '../serial.ts';
import type { NonVolatileStore } from '../storage.ts';
import { FIRMATA_MODE, createFirmataIo, type FirmataIo } from './firmata-io.ts';
import { BoardWriteGate, FirmataSerialPort } from './firmata-serial.ts';
import { FileStore, HOST_EEPROM_BYTES, HOST_FLASH_BYTES } from './host-store.ts';

/** The board did not complete the Firmata handshake (version, firmware, capabilities) in time. */
export class FirmataTimeoutError extends Error {
  override readonly name = 'FirmataTimeoutError';
}

export interface FirmataFirmwareInfo {
  name: string;
  major: number;
  minor: number;
}

export interface JohnnyFiveBoardOptions {
  /** The byte stream to the board: a serialport stream, or the emulated Uno's USART. */
  transport: Duplex;
  /** Time for firmware: the wall clock on hardware, the emulator's clock in tests. */
  scheduler: Scheduler;
  /** A host serial port wired to the modem; else Firmata serial passthrough if the board has it. */
  modemSerial?: SerialPort;
  /** Firmata SoftwareSerial pins for the passthrough (default RX = D2, TX = D3; wiring.md). */
  passthroughPins?: { rx: DigitalPin; tx: DigitalPin };
  /** The host-side EEPROM and flash (openHostStores; in memory if absent, closed by the caller). */
  stores?: { eeprom: NonVolatileStore; flash: NonVolatileStore };
  /** How long to wait for the Firmata handshake, in the scheduler's ms (default 10 s). */
  readyTimeoutMs?: number;
  /**
   * Wall-clock ms after which firmata-io asks for the version itself, for a board that did not
   * announce it (no reset on open). Default: 5000, or half the ready timeout if that is shorter.
   */
  versionQueryAfterMs?: number;
  /** How long an I2C read may take, in the scheduler's ms (default 200). */
  i2cReadTimeoutMs?: number;
  name?: string;
}

/** Default SoftwareSerial pins of the Firmata serial passthrough (wiring.md: free with the backpack). */
export const FIRMATA_SERIAL_PINS = { serialRx: 'D2', serialTx: 'D3' } as const satisfies Record<string, DigitalPin>;

/** Firmata's minimum sampling interval by firmware version: 10 ms before 2.5, 1 ms from 2.5. */
export function minSampleIntervalMs(fw: FirmataFirmwareInfo): number {
  return fw.major > 2 || (fw.major === 2 && fw.minor >= 5) ? 1 : 10;
}

/**
 * StandardFirmataPlus 2.5+ on an AVR board has SoftwareSerial passthrough, but its capability
 * response lists SERIAL only for hardware UART pins (none free on the Uno), so the firmware's
 * name and version are what tell.
 */
export function hasSoftwareSerial(fw: FirmataFirmwareInfo): boolean {
  return /^StandardFirmataPlus\b/.test(fw.name) && (fw.major > 2 || (fw.major === 2 && fw.minor >= 5));
}

const digitalNumber = (pin: DigitalPin): number => Number(pin.slice(1));
const analogChannel = (pin: AnalogPin): number => Number(pin.slice(1));

type PinUse = 'analog-in' | 'digital-in' | 'digital-out' | 'pwm' | 'i2c' | 'serial';

export class JohnnyFiveBoard implements Board {
  readonly name: string;
  readonly capabilities: BoardCapabilities;
  readonly scheduler: Scheduler;
  readonly firmware: FirmataFirmwareInfo;
  private readonly uses = new Map<string, PinUse>();
  private readonly analogValues = new Map<AnalogPin, { value: number; reports: number }>();
  private readonly digitalValues = new Map<DigitalPin, boolean>();
  private readonly outs = new Map<DigitalPin, DigitalOut>();
  private readonly pwms = new Map<PwmPin, PwmOut>();
  private bus: I2cBus | null = null;
  /** The passthrough's write gate, once the modem port is in use (figures). */
  gate: BoardWriteGate | null = null;
  private serial: SerialPort | null;
  private samplingMs: number;
  private readonly eepromStore: NonVolatileStore;
  private readonly flashStore: NonVolatileStore;

  private constructor(readonly io: FirmataIo, private readonly opts: JohnnyFiveBoardOptions, fw: FirmataFirmwareInfo) {
    this.name = opts.name ?? `Arduino (${fw.name} ${fw.major}.${fw.minor})`;
    this.scheduler = opts.scheduler;
    this.firmware = fw;
    const hasMode = (mode: number): boolean => io.pins.some((p) => p.supportedModes.includes(mode));
    this.capabilities = {
      minSampleIntervalMs: minSampleIntervalMs(fw),
      modemSerial: opts.modemSerial !== undefined || hasMode(FIRMATA_MODE.SERIAL) || hasSoftwareSerial(fw),
      i2c: hasMode(FIRMATA_MODE.I2C),
    };
    this.serial = opts.modemSerial ?? null;
    this.samplingMs = this.capabilities.minSampleIntervalMs;
    io.setSamplingInterval(this.samplingMs);
    this.eepromStore = opts.stores?.eeprom ?? new FileStore(HOST_EEPROM_BYTES);
    this.flashStore = opts.stores?.flash ?? new FileStore(HOST_FLASH_BYTES);
  }

  /**
   * Opens Firmata on `transport` through johnny-five and resolves once the board has reported its
   * version, firmware and capabilities; rejects with FirmataTimeoutError if it does not answer.
   */
  static connect(opts: JohnnyFiveBoardOptions): Promise<JohnnyFiveBoard> {
    const timeoutMs = opts.readyTimeoutMs ?? 10_000;
    // firmata-io asks for the version itself if the board has not announced it by then (a board
    // that was not reset on open stays silent).
    const io = createFirmataIo(opts.transport, opts.versionQueryAfterMs ?? Math.min(5000, timeoutMs / 2));
    return new Promise((resolve, reject) => {
      const five = johnnyFive();
      // johnny-five has its own wall-clock connect timeout; ours (on the board's scheduler) is the
      // one that counts: theirs is set beyond it and cleared when ours fires, so a failed connect
      // leaves no timer keeping the process alive.
      const j5 = new five.Board({ io, repl: false, debug: false, sigint: false, timeout: timeoutMs * 4 });
      const timer = opts.scheduler.after(timeoutMs, () => {
        if (j5.timer !== undefined) clearTimeout(j5.timer);
        reject(new FirmataTimeoutError(`the board did not answer Firmata within ${timeoutMs} ms (is Firmata flashed? try: bsn-care flash --port PATH)`));
      });
      opts.transport.once('error', (e: Error) => {
        timer.cancel();
        reject(e);
      });
      j5.on('error', (e: unknown) => {
        timer.cancel();
        reject(new FirmataTimeoutError(`johnny-five: ${e instanceof Error ? e.message : String(e)}`));
      });
      // johnny-five passes Firmata's 'ready' on only after a 'connect' (the port's 'open'); a port
      // we opened beforehand (to report a busy or missing port) has already sent it.
      if ((opts.transport as Duplex & { isOpen?: boolean }).isOpen === true) queueMicrotask(() => io.emit('connect'));
      j5.once('ready', () => {
        timer.cancel();
        const f = io.firmware;
        const fw: FirmataFirmwareInfo = {
          name: f.name ?? 'Firmata',
          major: f.version?.major ?? io.version.major ?? 0,
          minor: f.version?.minor ?? io.version.minor ?? 0,
        };
        resolve(new JohnnyFiveBoard(io, opts, fw));
      });
    });
  }

  private claim(pin: string, use: PinUse): boolean {
    const had = this.uses.get(pin);
    if (had !== undefined && had !== use) throw new PinError(`${pin} is already in use as ${had}, cannot be ${use}`);
    this.uses.set(pin, use);
    return had === undefined;
  }

  /** Sets Firmata's analog reporting interval (clamped to the firmware's minimum); returns it. */
  setSamplingInterval(ms: number): number {
    this.samplingMs = Math.max(this.capabilities.minSampleIntervalMs, Math.round(ms));
    this.io.setSamplingInterval(this.samplingMs);
    return this.samplingMs;
  }

  get samplingIntervalMs(): number {
    return this.samplingMs;
  }

  /** Analog reports received on a pin so far (for rate figures). */
  analogReports(pin: AnalogPin): number {
    return this.analogValues.get(pin)?.reports ?? 0;
  }

  analogIn(pin: AnalogPin): AnalogIn {
    if (!ANALOG_PINS.includes(pin)) throw new PinError(`${pin} is not an analog pin`);
    if (this.claim(pin, 'analog-in')) {
      const slot = { value: 0, reports: 0 };
      this.analogValues.set(pin, slot);
      this.io.analogRead(analogChannel(pin), (v) => {
        slot.value = v;
        slot.reports++;
      });
    }
    const slot = this.analogValues.get(pin)!;
    // Until the board's first report the value is a placeholder 0: hasSample() tells the firmware.
    return { vref: 5, bits: 10, read: () => slot.value, hasSample: () => slot.reports > 0 };
  }

  /** Firmata streams the pin's reports; the latest is copied into a ring buffer every period. */
  bufferedAnalogIn(pin: AnalogPin, opts: BufferedAnalogOptions): BufferedAnalogIn {
    return new PolledBufferedAnalogIn(this.scheduler, this.analogIn(pin), (opts.lines ?? []).map((l) => this.digitalIn(l)), opts);
  }

  digitalIn(pin: DigitalPin): DigitalIn {
    if (!DIGITAL_PINS.includes(pin)) throw new PinError(`${pin} is not a digital pin`);
    if (this.claim(pin, 'digital-in')) {
      const n = digitalNumber(pin);
      this.digitalValues.set(pin, false);
      this.io.pinMode(n, this.io.MODES.INPUT);
      this.io.digitalRead(n, (v) => this.digitalValues.set(pin, v !== 0));
    }
    return { read: () => this.digitalValues.get(pin) ?? false };
  }

  digitalOut(pin: DigitalPin): DigitalOut {
    if (!DIGITAL_PINS.includes(pin)) throw new PinError(`${pin} is not a digital pin`);
    this.claim(pin, 'digital-out');
    let out = this.outs.get(pin);
    if (!out) {
      const n = digitalNumber(pin);
      const io = this.io;
      io.pinMode(n, io.MODES.OUTPUT);
      let level = false;
      out = {
        write(high: boolean) {
          level = high;
          io.digitalWrite(n, high ? 1 : 0);
        },
        get level() {
          return level;
        },
      };
      this.outs.set(pin, out);
    }
    return out;
  }

  pwmOut(pin: PwmPin): PwmOut {
    if (!PWM_PINS.includes(pin)) throw new PinError(`${pin} has no PWM timer`);
    this.claim(pin, 'pwm');
    let out = this.pwms.get(pin);
    if (!out) {
      const n = digitalNumber(pin);
      const io = this.io;
      io.pinMode(n, io.MODES.PWM);
      let duty = 0;
      out = {
        setDuty(fraction: number) {
          duty = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
          io.analogWrite(n, Math.round(duty * 255));
        },
        get duty() {
          return duty;
        },
      };
      this.pwms.set(pin, out);
    }
    return out;
  }

  /** The I2C bus on A4 (SDA) / A5 (SCL). */
  i2c(): I2cBus {
    if (!this.capabilities.i2c) throw new PinError('this Firmata build has no I2C support');
    this.claim('A4', 'i2c');
    this.claim('A5', 'i2c');
    if (!this.bus) {
      const io = this.io;
      const sched = this.scheduler;
      const timeoutMs = this.opts.i2cReadTimeoutMs ?? 200;
      io.i2cConfig({ delay: 0 });
      this.bus = {
        write(address: number, bytes: Uint8Array): boolean {
          io.i2cWrite(address, Array.from(bytes));
          return true; // Firmata does not report the ACK
        },
        read(address: number, length: number): Promise<Uint8Array> {
          return new Promise((resolve, reject) => {
            let done = false;
            // StandardFirmata answers a read the device did not acknowledge with a string
            // message ("I2C: Too few bytes received") and then a reply of stale bytes; the string
            // is how a missing device shows up over Firmata.
            let short = false;
            const onString = (text: unknown): void => {
              if (typeof text === 'string' && /I2C: Too few bytes/i.test(text)) short = true;
            };
            io.on('string', onString);
            const finish = (): void => {
              done = true;
              io.removeListener('string', onString);
            };
            const t = sched.after(timeoutMs, () => {
              if (done) return;
              finish();
              reject(new I2cError(address, `no I2C reply from 0x${address.toString(16)} within ${timeoutMs} ms`));
            });
            io.i2cReadOnce(address, length, (data) => {
              if (done) return;
              finish();
              t.cancel();
              if (short) reject(new I2cError(address, `no device acknowledged I2C address 0x${address.toString(16)}`));
              else resolve(Uint8Array.from(data));
            });
          });
        },
      };
    }
    return this.bus;
  }

  modemSerial(): SerialPort {
    if (this.serial) return this.serial;
    if (!this.capabilities.modemSerial) {
      throw new PinError(`no modem serial port: give a host serial port (--modem PATH); ${this.firmware.name} ${this.firmware.major}.${this.firmware.minor} has no Firmata serial passthrough (needs StandardFirmataPlus 2.5 or later)`);
    }
    const pins = this.opts.passthroughPins ?? { rx: FIRMATA_SERIAL_PINS.serialRx, tx: FIRMATA_SERIAL_PINS.serialTx };
    this.claim(pins.rx, 'serial');
    this.claim(pins.tx, 'serial');
    // From now on every message to the board goes through the gate (firmata-io writes to its
    // transport's write(); the gate holds messages while the board bit-bangs the modem's bytes).
    const transport = (this.io as FirmataIo & { transport: { write(data: Buffer, cb?: () => void): boolean } }).transport;
    const send = transport.write.bind(transport);
    const gate = new BoardWriteGate(this.scheduler, (data, cb) => void send(data, cb));
    transport.write = (data: Buffer, cb?: () => void) => {
      gate.write(data, cb);
      return true;
    };
    this.io.on('reportversion', () => gate.acknowledged());
    this.gate = gate;
    this.serial = new FirmataSerialPort(this.io, { rx: digitalNumber(pins.rx), tx: digitalNumber(pins.tx) }, gate);
    return this.serial;
  }

  /** Host-side store (Firmata cannot reach the ATmega's EEPROM). */
  eeprom(): NonVolatileStore {
    return this.eepromStore;
  }

  /** Host-side store standing in for the serial flash chip. */
  flash(): NonVolatileStore {
    return this.flashStore;
  }

  /** Calls `listener` once if the link to the board goes away (cable pulled, port closed). */
  onConnectionLost(listener: () => void): void {
    let fired = false;
    const once = (): void => {
      if (fired || this.closing) return;
      fired = true;
      listener();
    };
    this.opts.transport.once('close', once);
    this.opts.transport.once('error', once);
  }

  private closing = false;

  /** Releases the transport (the stores belong to whoever opened them). */
  close(): void {
    this.closing = true;
    closeTransport(this.opts.transport);
  }
}

/** Closes a serialport stream (its destroy() leaves the device open) or ends another stream. */
export function closeTransport(t: Duplex): void {
  const closable = t as Duplex & { close?: (cb?: (err?: Error | null) => void) => void; isOpen?: boolean };
  if (typeof closable.close === 'function') {
    if (closable.isOpen !== false) closable.close(() => undefined);
  } else {
    t.destroy();
  }
}

interface FiveBoard {
  timer?: ReturnType<typeof setTimeout>;
  once(event: 'ready', listener: () => void): void;
  on(event: 'error', listener: (e: unknown) => void): void;
}
type FiveModule = { Board: new (opts: { io: FirmataIo; repl: boolean; debug: boolean; sigint: boolean; timeout: number }) => FiveBoard };

let fiveModule: FiveModule | null = null;
function johnnyFive(): FiveModule {
  // Loaded on first use: johnny-five pulls in a lot, and only this target needs it.
  fiveModule ??= createRequire(import.meta.url)('johnny-five') as FiveModule;
  return fiveModule;
}
