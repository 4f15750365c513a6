// The virtual Arduino Uno: the hal/ Board the firmware runs on in the simulator. Analog pins are
// sampled by a 10-bit ADC against a 5 V reference (floor(V / 5 * 1024), clamped to 0..1023) with a
// little Gaussian input noise (each pin its own stream, so what one pin reads never depends on how
// often the others are read); what drives each analog pin is a voltage source (tMs) => volts that
// the world attaches (a sensor front-end). An analog pin with nothing attached reads 0 V: the
// wiring puts a pull-down on every sensor input, so an unplugged sensor reads as a fault rather
// than floating to a plausible value. Digital inputs read whatever model drives them (pull-down
// otherwise), as functions of virtual time like the analog sources; digital and PWM outputs are wires that peripheral models watch. EEPROM (1 KiB) and
// serial flash (4 MiB) may persist to files. The modem UART and the I2C bus are other models,
// injected here. Time is the virtual clock.
import type { AnalogIn, BufferedAnalogIn, BufferedAnalogOptions } from '../hal/analog.ts';
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

/**
 * The same source over many instants at once: out[k] = source(times[k]) for k < n (times
 * non-decreasing, continuing the source's own sequence). It must give exactly what the per-instant
 * source gives; it exists so that a buffered conversion runs one tight loop inside the model
 * instead of one indirect call per sample.
 */
export type BlockVoltageSource = (times: Float64Array, out: Float64Array, n: number) => void;

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
  /** The source's block form, if the model has one (used by buffered conversions). */
  fill: BlockVoltageSource | null;
  conversions: number;
  /** The pin's input noise stream. */
  noise: GaussianNoise;
}

/** A digital input's level as a function of virtual time. */
export type LogicSource = (tMs: number) => boolean;

/**
 * The same logic source over many instants: for k < n, sets `bit` in out[k] where the level at
 * times[k] is high (leaves it alone where low). Must agree exactly with the per-instant source.
 */
export type BlockLogicSource = (times: Float64Array, out: Uint8Array, n: number, bit: number) => void;

/** What drives a digital input: the level at an instant, and optionally its block form. */
interface LineDrive {
  drive: LogicSource | undefined;
  fill: BlockLogicSource | undefined;
}

/**
 * The Uno's timer-triggered ADC with a DMA-style buffer: the conversion at each instant
 * start + k * period is made when the firmware takes the buffer, by evaluating the pin's source and
 * the latched lines at that instant - the same values as converting then, since sources are
 * functions of virtual time - so sampling costs no clock event per sample. Samples older than the
 * buffer's capacity are lost (overruns), as on the hardware.
 */
class UnoBufferedAnalogIn implements BufferedAnalogIn {
  readonly vref = UNO_VREF_V;
  readonly bits = UNO_ADC_BITS;
  overruns = 0;
  /** Samples taken so far (the next is due at start + (taken + 1) * period). */
  private taken = 0;
  private stopped = false;
  /** Scratch for the block path: the instants and their voltages. */
  private times = new Float64Array(0);
  private volts = new Float64Array(0);
  constructor(
    private readonly uno: VirtualUno,
    private readonly channel: AnalogChannel,
    private readonly lineDrives: ReadonlyArray<LineDrive>,
    private readonly start: number,
    readonly periodMs: number,
    private readonly capacity: number,
    private readonly onStop: () => void,
  ) {}

  take(counts: Uint16Array, lines: Uint8Array): number {
    if (this.stopped) return 0;
    const now = this.uno.scheduler.now();
    const p = this.periodMs, start = this.start;
    // Due instants are computed as the clock computes a periodic task's (start + n * period).
    const due = Math.floor((now - start) / p);
    let n = due;
    while (start + (n + 1) * p <= now) n++;
    while (n > 0 && start + n * p > now) n--;
    const lost = n - this.taken - this.capacity;
    if (lost > 0) {
      this.overruns += lost;
      this.taken += lost;
    }
    const max = Math.min(counts.length, lines.length, n - this.taken);
    if (max <= 0) return 0;
    // The conversion (as convertAt) inlined, with the pin's source and noise in locals: this loop
    // runs once per sample.
    const c = this.channel, ld = this.lineDrives, nl = ld.length;
    const source = c.source, noise = c.noise, noiseV = this.uno.adcNoiseV;
    let taken = this.taken;
    if (c.fill) {
      // Block path: the instants first, then the model fills the voltages in one call. Each
      // pin's noise is its own stream and the sources are functions of time, so the order of the
      // calls does not change any value.
      if (this.times.length < max) {
        this.times = new Float64Array(max);
        this.volts = new Float64Array(max);
      }
      const times = this.times, volts = this.volts;
      for (let k = 0; k < max; k++) times[k] = start + ++taken * p;
      c.fill(times, volts, max);
      lines.fill(0, 0, max);
      for (let l = 0; l < nl; l++) {
        const d = ld[l]!;
        if (d.fill) d.fill(times, lines, max, 1 << l);
        else if (d.drive) {
          const drive = d.drive;
          for (let k = 0; k < max; k++) if (drive(times[k]!)) lines[k]! |= 1 << l;
        }
      }
      for (let k = 0; k < max; k++) counts[k] = adcCounts(volts[k]! + noiseV * noise.next());
      this.taken = taken;
      c.conversions += max;
      return max;
    }
    for (let k = 0; k < max; k++) {
      const t = start + ++taken * p;
      let bits = 0;
      for (let l = 0; l < nl; l++) if (ld[l]!.drive?.(t)) bits |= 1 << l;
      counts[k] = adcCounts((source ? source(t) : 0) + noiseV * noise.next());
      lines[k] = bits;
    }
    this.taken = taken;
    c.conversions += max;
    return max;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop();
  }
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
  private readonly channels: Map<AnalogPin, AnalogChannel>;
  private readonly analogIns = new Map<AnalogPin, UnoAnalogIn>();
  private readonly buffered = new Set<AnalogPin>();
  /** What drives each digital input, in a holder the pin reads directly (no lookup per read). */
  private readonly inputDrives = new Map<DigitalPin, LineDrive>();
  private readonly digitalIns = new Map<DigitalPin, SimDigitalIn>();
  private readonly outputs = new Map<DigitalPin, SimDigitalOut>();
  private readonly pwms = new Map<PwmPin, SimPwmOut>();
  private readonly eepromStore: PersistentMemory;
  private readonly flashStore: PersistentMemory;
  private readonly noiseV: number;
  /** @internal ADC input noise, V rms. */
  get adcNoiseV(): number {
    return this.noiseV;
  }
  private readonly serial: SerialPort | undefined;
  private readonly bus: I2cBus | undefined;

  constructor(opts: UnoOptions) {
    this.name = opts.name ?? 'virtual Arduino Uno';
    this.scheduler = opts.clock;
    this.channels = new Map(ANALOG_PINS.map((p) => [p, { source: null, fill: null, conversions: 0, noise: new GaussianNoise(opts.rng.fork(p)) }]));
    this.noiseV = ((opts.adcNoiseLsb ?? 0.5) * UNO_VREF_V) / FULL_SCALE;
    this.serial = opts.modemSerial;
    this.bus = opts.i2c;
    this.capabilities = { minSampleIntervalMs: 1, modemSerial: opts.modemSerial !== undefined, i2c: opts.i2c !== undefined };
    this.eepromStore = new PersistentMemory(UNO_EEPROM_BYTES, opts.eepromPath);
    this.flashStore = new PersistentMemory(opts.flashBytes ?? SERIAL_FLASH_BYTES, opts.flashPath);
  }

  // ---- world side: what drives the pins and what watches them ----

  /**
   * Connects a voltage source (a sensor's output) to an analog pin; `fill`, if given, is the same
   * source over many instants at once (see BlockVoltageSource).
   */
  attachAnalog(pin: AnalogPin, source: VoltageSource, fill?: BlockVoltageSource): void {
    if (!ANALOG_PINS.includes(pin)) throw new PinError(`${pin} is not an analog pin`);
    const c = this.channels.get(pin)!;
    c.source = source;
    c.fill = fill ?? null;
  }

  /** Unplugs whatever drives an analog pin; it then reads 0 V through the pull-down. */
  detachAnalog(pin: AnalogPin): void {
    const c = this.channels.get(pin);
    if (c) {
      c.source = null;
      c.fill = null;
    }
  }

  /** The voltage at an analog pin now, before the ADC. */
  pinVolts(pin: AnalogPin): number {
    const s = this.channels.get(pin)?.source;
    return s ? s(this.scheduler.now()) : 0;
  }

  /** Connects a model's logic output (e.g. the AD8232's LO+), a function of virtual time, to a digital pin. */
  driveDigital(pin: DigitalPin, drive: LogicSource, fill?: BlockLogicSource): void {
    if (!DIGITAL_PINS.includes(pin)) throw new PinError(`${pin} is not a digital pin`);
    const h = this.inputDrive(pin);
    h.drive = drive;
    h.fill = fill;
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

  private inputDrive(pin: DigitalPin): LineDrive {
    let h = this.inputDrives.get(pin);
    if (!h) this.inputDrives.set(pin, (h = { drive: undefined, fill: undefined }));
    return h;
  }

  /** One ADC conversion on a pin (used by the AnalogIn objects). */
  convert(pin: AnalogPin): number {
    return this.convertChannel(this.channels.get(pin)!);
  }

  /** @internal the conversion itself. */
  convertChannel(c: AnalogChannel): number {
    return this.convertAt(c, this.scheduler.now());
  }

  /** @internal a conversion at virtual time `tMs` (now, or a buffered instant not after now). */
  convertAt(c: AnalogChannel, tMs: number): number {
    c.conversions++;
    const v = c.source ? c.source(tMs) : 0;
    return adcCounts(v + this.noiseV * c.noise.next());
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

  bufferedAnalogIn(pin: AnalogPin, opts: BufferedAnalogOptions): BufferedAnalogIn {
    if (!ANALOG_PINS.includes(pin)) throw new PinError(`${pin} is not an analog pin`);
    if (!(opts.periodMs >= this.capabilities.minSampleIntervalMs)) throw new RangeError(`sampling period ${opts.periodMs} ms is below the board's ${this.capabilities.minSampleIntervalMs} ms`);
    if (!(opts.capacity >= 1)) throw new RangeError(`buffer capacity must be >= 1, got ${opts.capacity}`);
    const lines = opts.lines ?? [];
    if (lines.length > 8) throw new RangeError('at most 8 latched lines');
    // One sampler per pin: a second one would convert the pin's instants twice.
    if (this.buffered.has(pin)) throw new PinError(`${pin} is already sampled into a buffer`);
    this.claim(pin, 'analog-in');
    for (const l of lines) this.digitalIn(l);
    this.buffered.add(pin);
    return new UnoBufferedAnalogIn(this, this.channels.get(pin)!, lines.map((l) => this.inputDrive(l)), this.scheduler.now(), opts.periodMs, opts.capacity, () => this.buffered.delete(pin));
  }

  digitalIn(pin: DigitalPin): SimDigitalIn {
    if (!DIGITAL_PINS.includes(pin)) throw new PinError(`${pin} is not a digital pin`);
    this.claim(pin, 'digital-in');
    let d = this.digitalIns.get(pin);
    if (!d) {
      const holder = this.inputDrive(pin);
      const clock = this.scheduler;
      this.digitalIns.set(pin, (d = new SimDigitalIn(pin, () => holder.drive?.(clock.now()) ?? false)));
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
