// The virtual Arduino Uno: the hal/ Board the firmware runs on in the simulator. Analog pins are
// sampled by a 10-bit ADC against a 5 V reference (floor(V / 5 * 1024), clamped to 0..1023) with a
// little Gaussian input noise; what drives each analog pin is a voltage source (tMs) => volts that
// the world attaches (a sensor front-end). An analog pin with nothing attached reads 0 V: the
// wiring puts a pull-down on every sensor input, so an unplugged sensor reads as a fault rather
// than floating to a plausible value. Digital inputs read whatever model drives them (pull-down
// otherwise); digital and PWM outputs are wires that peripheral models watch. EEPROM (1 KiB) and
// serial flash (4 MiB) may persist to files. The modem UART and the I2C bus are other models,
// injected here. Time is the virtual clock.
import type { AnalogIn } from '../hal/analog.ts';
import { ANALOG_PINS, DIGITAL_PINS, PWM_PINS, PinError, type AnalogPin, type Board, type BoardCapabilities, type DigitalPin, type PwmPin } from '../hal/board.ts';
import type { I2cBus } from '../hal/i2c.ts';
import type { SerialPort } from '../hal/serial.ts';
import type { NonVolatileStore } from '../hal/storage.ts';
import type { VirtualClock } from './clock.ts';
import { PersistentMemory, SERIAL_FLASH_BYTES, UNO_EEPROM_BYTES } from './eeprom.ts';
import { SimDigitalIn, SimDigitalOut } from './pins.ts';
import { SimPwmOut } from './pwm.ts';
import type { Rng } from './rng.ts';
import { GaussianNoise } from './noise.ts';

export const UNO_VREF_V = 5.0;
export const UNO_ADC_BITS = 10;
const FULL_SCALE = 1 << UNO_ADC_BITS;

/** A voltage at an analog pin as a function of virtual time. */
export type VoltageSource = (tMs: number) => number;

export interface UnoOptions {
  clock: VirtualClock;
  /** Source of the ADC's input noise (fork one from the run's Rng). */
  rng: Rng;
  /** ADC input noise, LSB rms (default 0.5: a real Uno's readings wobble by about one count). */
  adcNoiseLsb?: number;
  /** File that keeps the EEPROM across simulated power cycles (in memory if absent). */
  eepromPath?: string;
  /** File that keeps the serial flash across power cycles (in memory if absent). */
  flashPath?: string;
  flashBytes?: number;
  modemSerial?: SerialPort;
  i2c?: I2cBus;
  name?: string;
}

type PinMode = 'analog-in' | 'digital-in' | 'digital-out' | 'pwm' | 'i2c';

/** Quantises a voltage as the Uno's ADC does: floor(V / Vref * 1024), clamped to 0..1023. */
export function adcCounts(volts: number): number {
  const c = Math.floor((volts / UNO_VREF_V) * FULL_SCALE);
  return c < 0 ? 0 : c > FULL_SCALE - 1 ? FULL_SCALE - 1 : c;
}

/** What drives one analog pin, and how often it was converted. */
export interface AnalogChannel {
  source: VoltageSource | null;
  conversions: number;
}

class UnoAnalogIn implements AnalogIn {
  readonly vref = UNO_VREF_V;
  readonly bits = UNO_ADC_BITS;
  constructor(private readonly uno: VirtualUno, private readonly channel: AnalogChannel) {}
  read(): number {
    return this.uno.convertChannel(this.channel);
  }
}

export class VirtualUno implements Board {
  readonly name: string;
  readonly capabilities: BoardCapabilities;
  readonly scheduler: VirtualClock;
  private readonly modes = new Map<string, PinMode>();
  private readonly channels = new Map<AnalogPin, AnalogChannel>(ANALOG_PINS.map((p) => [p, { source: null, conversions: 0 }]));
  private readonly analogIns = new Map<AnalogPin, UnoAnalogIn>();
  /** What drives each digital input, in a holder the pin reads directly (no lookup per read). */
  private readonly inputDrives = new Map<DigitalPin, { drive: (() => boolean) | undefined }>();
  private readonly digitalIns = new Map<DigitalPin, SimDigitalIn>();
  private readonly outputs = new Map<DigitalPin, SimDigitalOut>();
  private readonly pwms = new Map<PwmPin, SimPwmOut>();
  private readonly eepromStore: PersistentMemory;
  private readonly flashStore: PersistentMemory;
  private readonly noiseV: number;
  private readonly noise: GaussianNoise;
  private readonly serial: SerialPort | undefined;
  private readonly bus: I2cBus | undefined;

  constructor(opts: UnoOptions) {
    this.name = opts.name ?? 'virtual Arduino Uno';
    this.scheduler = opts.clock;
    this.noise = new GaussianNoise(opts.rng);
    this.noiseV = ((opts.adcNoiseLsb ?? 0.5) * UNO_VREF_V) / FULL_SCALE;
    this.serial = opts.modemSerial;
    this.bus = opts.i2c;
    this.capabilities = { minSampleIntervalMs: 1, modemSerial: opts.modemSerial !== undefined, i2c: opts.i2c !== undefined };
    this.eepromStore = new PersistentMemory(UNO_EEPROM_BYTES, opts.eepromPath);
    this.flashStore = new PersistentMemory(opts.flashBytes ?? SERIAL_FLASH_BYTES, opts.flashPath);
  }

  // ---- world side: what drives the pins and what watches them ----

  /** Connects a voltage source (a sensor's output) to an analog pin. */
  attachAnalog(pin: AnalogPin, source: VoltageSource): void {
    if (!ANALOG_PINS.includes(pin)) throw new PinError(`${pin} is not an analog pin`);
    this.channels.get(pin)!.source = source;
  }

  /** Unplugs whatever drives an analog pin; it then reads 0 V through the pull-down. */
  detachAnalog(pin: AnalogPin): void {
    const c = this.channels.get(pin);
    if (c) c.source = null;
  }

  /** The voltage at an analog pin now, before the ADC. */
  pinVolts(pin: AnalogPin): number {
    const s = this.channels.get(pin)?.source;
    return s ? s(this.scheduler.now()) : 0;
  }

  /** Connects a model's logic output (e.g. the AD8232's LO+) to a digital pin. */
  driveDigital(pin: DigitalPin, drive: () => boolean): void {
    if (!DIGITAL_PINS.includes(pin)) throw new PinError(`${pin} is not a digital pin`);
    this.inputDrive(pin).drive = drive;
  }

  /** The wire on a digital output pin, for a peripheral model to watch. */
  outputWire(pin: DigitalPin): SimDigitalOut {
    if (!DIGITAL_PINS.includes(pin)) throw new PinError(`${pin} is not a digital pin`);
    let w = this.outputs.get(pin);
    if (!w) this.outputs.set(pin, (w = new SimDigitalOut(pin)));
    return w;
  }

  /** The wire on a PWM pin, for a peripheral model (pump) to watch. */
  pwmWire(pin: PwmPin): SimPwmOut {
    if (!PWM_PINS.includes(pin)) throw new PinError(`${pin} has no PWM timer`);
    let w = this.pwms.get(pin);
    if (!w) this.pwms.set(pin, (w = new SimPwmOut(pin)));
    return w;
  }

  private inputDrive(pin: DigitalPin): { drive: (() => boolean) | undefined } {
    let h = this.inputDrives.get(pin);
    if (!h) this.inputDrives.set(pin, (h = { drive: undefined }));
    return h;
  }

  /** One ADC conversion on a pin (used by the AnalogIn objects). */
  convert(pin: AnalogPin): number {
    return this.convertChannel(this.channels.get(pin)!);
  }

  /** @internal the conversion itself. */
  convertChannel(c: AnalogChannel): number {
    c.conversions++;
    const v = c.source ? c.source(this.scheduler.now()) : 0;
    return adcCounts(v + this.noiseV * this.noise.next());
  }

  /** ADC conversions done on a pin so far. */
  conversions(pin: AnalogPin): number {
    return this.channels.get(pin)?.conversions ?? 0;
  }

  /** Power-off: releases the EEPROM and flash files (their contents are already on disk). */
  powerOff(): void {
    this.eepromStore.close();
    this.flashStore.close();
  }

  // ---- firmware side: the hal/ Board ----

  private claim(pin: string, mode: PinMode): void {
    const had = this.modes.get(pin);
    if (had !== undefined && had !== mode) throw new PinError(`${pin} is already in use as ${had}, cannot be ${mode}`);
    this.modes.set(pin, mode);
  }

  analogIn(pin: AnalogPin): AnalogIn {
    if (!ANALOG_PINS.includes(pin)) throw new PinError(`${pin} is not an analog pin`);
    this.claim(pin, 'analog-in');
    let a = this.analogIns.get(pin);
    if (!a) this.analogIns.set(pin, (a = new UnoAnalogIn(this, this.channels.get(pin)!)));
    return a;
  }

  digitalIn(pin: DigitalPin): SimDigitalIn {
    if (!DIGITAL_PINS.includes(pin)) throw new PinError(`${pin} is not a digital pin`);
    this.claim(pin, 'digital-in');
    let d = this.digitalIns.get(pin);
    if (!d) {
      const holder = this.inputDrive(pin);
      this.digitalIns.set(pin, (d = new SimDigitalIn(pin, () => holder.drive?.() ?? false)));
    }
    return d;
  }

  digitalOut(pin: DigitalPin): SimDigitalOut {
    if (!DIGITAL_PINS.includes(pin)) throw new PinError(`${pin} is not a digital pin`);
    this.claim(pin, 'digital-out');
    return this.outputWire(pin);
  }

  pwmOut(pin: PwmPin): SimPwmOut {
    if (!PWM_PINS.includes(pin)) throw new PinError(`${pin} has no PWM timer`);
    this.claim(pin, 'pwm');
    return this.pwmWire(pin);
  }

  /** The I2C bus; on the Uno it takes A4 (SDA) and A5 (SCL). */
  i2c(): I2cBus {
    if (!this.bus) throw new PinError('no I2C bus model was connected to this Uno');
    this.claim('A4', 'i2c');
    this.claim('A5', 'i2c');
    return this.bus;
  }

  modemSerial(): SerialPort {
    if (!this.serial) throw new PinError('no modem UART model was connected to this Uno');
    return this.serial;
  }

  eeprom(): NonVolatileStore {
    return this.eepromStore;
  }

  flash(): NonVolatileStore {
    return this.flashStore;
  }
}
