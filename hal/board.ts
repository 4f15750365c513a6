// A board hands out peripherals by pin name, as an embedded-hal board crate does. Firmware asks
// for what wiring.md assigns; the simulator and the johnny-five target both implement this.
import type { AnalogIn, BufferedAnalogIn, BufferedAnalogOptions } from './analog.ts';
import type { DigitalIn, DigitalOut } from './digital.ts';
import type { PwmOut } from './pwm.ts';
import type { I2cBus } from './i2c.ts';
import type { SerialPort } from './serial.ts';
import type { NonVolatileStore } from './storage.ts';
import type { Scheduler } from './clock.ts';

export const ANALOG_PINS = ['A0', 'A1', 'A2', 'A3', 'A4', 'A5'] as const;
export const DIGITAL_PINS = ['D2', 'D3', 'D4', 'D5', 'D6', 'D7', 'D8', 'D9', 'D10', 'D11', 'D12', 'D13'] as const;
/** Uno pins with a hardware PWM timer. */
export const PWM_PINS = ['D3', 'D5', 'D6', 'D9', 'D10', 'D11'] as const;

export type AnalogPin = (typeof ANALOG_PINS)[number];
export type DigitalPin = (typeof DIGITAL_PINS)[number];
export type PwmPin = (typeof PWM_PINS)[number];

export interface BoardCapabilities {
  /** Shortest analog sampling interval the board can sustain, ms (Firmata 2.4: 10 ms). */
  minSampleIntervalMs: number;
  /** A serial port for the modem is available. */
  modemSerial: boolean;
  i2c: boolean;
}

export interface Board {
  readonly name: string;
  readonly capabilities: BoardCapabilities;
  readonly scheduler: Scheduler;
  analogIn(pin: AnalogPin): AnalogIn;
  /** An analog pin sampled by the board at a fixed rate into a buffer (claims the latched lines as inputs). */
  bufferedAnalogIn(pin: AnalogPin, opts: BufferedAnalogOptions): BufferedAnalogIn;
  digitalIn(pin: DigitalPin): DigitalIn;
  digitalOut(pin: DigitalPin): DigitalOut;
  pwmOut(pin: PwmPin): PwmOut;
  i2c(): I2cBus;
  /** The UART wired to the modem's MAX232. */
  modemSerial(): SerialPort;
  /** Small non-volatile memory for credentials and settings (Uno: 1 KiB EEPROM). */
  eeprom(): NonVolatileStore;
  /** Larger non-volatile memory for the store-and-forward queue (serial flash). */
  flash(): NonVolatileStore;
}

/** A pin asked for twice in incompatible modes, or not present on the board. */
export class PinError extends Error {
  override readonly name = 'PinError';
}
