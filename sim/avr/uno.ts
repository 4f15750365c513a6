// An ATmega328P at 16 MHz on avr8js, wired as an Arduino Uno, running a real flash image (the
// StandardFirmata build in the tests). The CPU runs in time slices: run(ms) executes cycles
// synchronously; the EmulatorScheduler (emulator-clock.ts) interleaves slices with Node's event
// loop. Emulated time is cycles / 16,000 ms, so everything here is deterministic given the inputs.
//
// What the world attaches: voltages on A0–A5 (the ADC samples them at conversion time, with the
// Uno's AVcc = 5 V reference), levels on digital inputs (PINx), I2C devices (the sim's
// SimI2cDevice models) on the TWI, and the host end of the USART. Pin watchers see PORTx/DDRx.
import { AVRADC, AVRIOPort, AVRTimer, AVRTWI, AVRUSART, ADCMuxInputType, CPU, PinState, adcConfig, avrInstruction, portBConfig, portCConfig, portDConfig, timer0Config, timer1Config, timer2Config, twiConfig, usart0Config } from 'avr8js';
import type { SimI2cDevice } from '../i2c-bus.ts';
import { unoPin, type AvrPortName } from './pins.ts';
import { TwiBridge } from './twi-bridge.ts';

export const UNO_CLOCK_HZ = 16_000_000;
export const UNO_FLASH_BYTES = 32 * 1024;
const CYCLES_PER_MS = UNO_CLOCK_HZ / 1000;

/** ATmega328P compare outputs of the Uno's PWM pins: OCR register, TCCRnA and its COMnx1 bit. */
const PWM_REGISTERS: Record<string, { ocr: number; tccr: number; comBit: number }> = {
  D6: { ocr: 0x47, tccr: 0x44, comBit: 0x80 }, // OC0A
  D5: { ocr: 0x48, tccr: 0x44, comBit: 0x20 }, // OC0B
  D9: { ocr: 0x88, tccr: 0x80, comBit: 0x80 }, // OC1A (low byte; 8-bit PWM on the Arduino core)
  D10: { ocr: 0x8a, tccr: 0x80, comBit: 0x20 }, // OC1B
  D11: { ocr: 0xb3, tccr: 0xb0, comBit: 0x80 }, // OC2A
  D3: { ocr: 0xb4, tccr: 0xb0, comBit: 0x20 }, // OC2B
};

/** Volts at an analog pin as a function of emulated time (ms). */
export type AnalogSource = (tMs: number) => number;
/** A digital output changed: its new level (null when the pin is an input), at emulated ms. */
export type PinListener = (level: boolean | null, atMs: number) => void;

export interface UnoStats {
  adcConversions: number;
  usartBytesOut: number;
  usartBytesIn: number;
}

export class EmulatedUno {
  readonly cpu: CPU;
  readonly ports: Record<AvrPortName, AVRIOPort>;
  readonly usart: AVRUSART;
  readonly adc: AVRADC;
  readonly twi: AVRTWI;
  readonly i2c: TwiBridge;
  readonly stats: UnoStats = { adcConversions: 0, usartBytesOut: 0, usartBytesIn: 0 };
  private readonly analog: (AnalogSource | null)[] = [null, null, null, null, null, null];
  private readonly rxQueue: number[] = [];
  private readonly txListeners: ((byte: number, atMs: number) => void)[] = [];

  constructor(flash: Uint8Array) {
    if (flash.length > UNO_FLASH_BYTES) throw new RangeError(`flash image of ${flash.length} bytes exceeds 32 KiB`);
    const program = new Uint16Array(UNO_FLASH_BYTES / 2);
    new Uint8Array(program.buffer).set(flash);
    this.cpu = new CPU(program);
    // Timers: timer0 drives millis()/delay(), timers 0–2 the PWM outputs.
    new AVRTimer(this.cpu, timer0Config);
    new AVRTimer(this.cpu, timer1Config);
    new AVRTimer(this.cpu, timer2Config);
    this.ports = { B: new AVRIOPort(this.cpu, portBConfig), C: new AVRIOPort(this.cpu, portCConfig), D: new AVRIOPort(this.cpu, portDConfig) };
    this.usart = new AVRUSART(this.cpu, usart0Config, UNO_CLOCK_HZ);
    this.usart.onByteTransmit = (b) => {
      this.stats.usartBytesOut++;
      const at = this.nowMs;
      for (const l of this.txListeners) l(b, at);
    };
    // The next queued host byte starts when the receiver has taken the previous one.
    this.usart.onRxComplete = () => this.feedRx();
    this.adc = new AVRADC(this.cpu, adcConfig);
    this.adc.onADCRead = (input) => {
      this.stats.adcConversions++;
      let volts = 0;
      if (input.type === ADCMuxInputType.SingleEnded) {
        const src = this.analog[input.channel];
        volts = src ? src(this.nowMs) : 0; // unconnected inputs have pull-downs (wiring.md)
      } else if (input.type === ADCMuxInputType.Constant) {
        volts = input.voltage;
      }
      const raw = Math.floor((volts / this.adc.referenceVoltage) * 1024);
      const counts = raw < 0 ? 0 : raw > 1023 ? 1023 : raw;
      this.cpu.addClockEvent(() => this.adc.completeADCRead(counts), this.adc.sampleCycles);
    };
    this.twi = new AVRTWI(this.cpu, twiConfig, UNO_CLOCK_HZ);
    this.i2c = new TwiBridge(this.twi, this.cpu, () => this.nowMs);
    this.twi.eventHandler = this.i2c;
  }

  /** Emulated time since reset, ms. */
  get nowMs(): number {
    return this.cpu.cycles / CYCLES_PER_MS;
  }

  /** Executes until emulated time reaches `untilMs`. */
  runUntil(untilMs: number): void {
    const cpu = this.cpu;
    const end = untilMs * CYCLES_PER_MS;
    while (cpu.cycles < end) {
      avrInstruction(cpu);
      cpu.tick();
    }
  }

  run(ms: number): void {
    this.runUntil(this.nowMs + ms);
  }

  // ---- USART: the host side of the Uno's USB-serial link ----

  /** Bytes from the host; they arrive one character time apart at the baud rate the sketch set. */
  hostWrite(bytes: Uint8Array): void {
    for (const b of bytes) this.rxQueue.push(b);
    this.feedRx();
  }

  private feedRx(): void {
    if (this.rxQueue.length === 0 || this.usart.rxBusy || !this.usart.rxEnable) return;
    if (this.usart.writeByte(this.rxQueue[0]!)) {
      this.rxQueue.shift();
      this.stats.usartBytesIn++;
    }
  }

  /** Host bytes not yet delivered to the USART receiver. */
  get hostBacklog(): number {
    return this.rxQueue.length;
  }

  /** Call once per slice: retries a byte that could not start (receiver was disabled). */
  pumpRx(): void {
    this.feedRx();
  }

  onTransmit(listener: (byte: number, atMs: number) => void): () => void {
    this.txListeners.push(listener);
    return () => {
      const i = this.txListeners.indexOf(listener);
      if (i >= 0) this.txListeners.splice(i, 1);
    };
  }

  // ---- pins ----

  attachAnalog(pin: string, source: AnalogSource | null): void {
    const ref = unoPin(pin);
    if (!ref || ref.port !== 'C') throw new RangeError(`${pin} is not an analog pin`);
    this.analog[ref.bit] = source;
  }

  /** Drives a digital input (what PINx reads). */
  setInput(pin: string, high: boolean): void {
    const ref = unoPin(pin);
    if (!ref) throw new RangeError(`the Uno has no pin ${pin}`);
    this.ports[ref.port].setPin(ref.bit, high);
  }

  /** The pin's output level, or null when the sketch has it as an input. */
  outputLevel(pin: string): boolean | null {
    const ref = unoPin(pin);
    if (!ref) throw new RangeError(`the Uno has no pin ${pin}`);
    const s = this.ports[ref.port].pinState(ref.bit);
    return s === PinState.High ? true : s === PinState.Low ? false : null;
  }

  /** Watches an output pin; called only when its level (or direction) changes. */
  watchPin(pin: string, listener: PinListener): () => void {
    const ref = unoPin(pin);
    if (!ref) throw new RangeError(`the Uno has no pin ${pin}`);
    const port = this.ports[ref.port];
    let last = this.outputLevel(pin);
    const l = (): void => {
      const now = this.outputLevel(pin);
      if (now !== last) {
        last = now;
        listener(now, this.nowMs);
      }
    };
    port.addListener(l);
    return () => port.removeListener(l);
  }

  /**
   * Duty cycle a PWM-capable pin outputs now: OCRnx / 255 while its compare output is connected
   * (COMnx1 set, as analogWrite leaves it), else 0 or 1 by the pin's level (analogWrite 0 and 255
   * are plain digital writes on the Arduino core).
   */
  pwmDuty(pin: string): number {
    const oc = PWM_REGISTERS[pin];
    if (!oc) throw new RangeError(`${pin} has no PWM timer`);
    const connected = (this.cpu.data[oc.tccr]! & oc.comBit) !== 0;
    if (connected) return this.cpu.data[oc.ocr]! / 255;
    return this.outputLevel(pin) === true ? 1 : 0;
  }

  attachI2c(address: number, device: SimI2cDevice): void {
    this.i2c.attach(address, device);
  }
}
