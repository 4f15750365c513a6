// The part of firmata-io (the Firmata host library johnny-five uses) this target calls, typed.
// firmata-io ships no types; this is the narrow surface, checked once at the module boundary.
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';

export interface FirmataPinInfo {
  supportedModes: number[];
  analogChannel: number;
}

export interface FirmataIo {
  readonly isReady: boolean;
  readonly firmware: { name?: string; version?: { major: number; minor: number } };
  readonly version: { major?: number; minor?: number };
  readonly pins: FirmataPinInfo[];
  readonly analogPins: number[];
  readonly MODES: { INPUT: number; OUTPUT: number; ANALOG: number; PWM: number; I2C: number; SERIAL: number; PULLUP: number };
  readonly SERIAL_PORT_IDs: { SW_SERIAL0: number; HW_SERIAL1: number };
  on(event: string, listener: (...args: unknown[]) => void): void;
  emit(event: string, ...args: unknown[]): boolean;
  once(event: string, listener: (...args: unknown[]) => void): void;
  removeListener(event: string, listener: (...args: unknown[]) => void): void;
  pinMode(pin: number, mode: number): void;
  digitalWrite(pin: number, value: 0 | 1): void;
  digitalRead(pin: number, callback: (value: number) => void): void;
  analogRead(channel: number, callback: (value: number) => void): void;
  analogWrite(pin: number, value: number): void;
  setSamplingInterval(ms: number): void;
  i2cConfig(options: { delay: number }): void;
  i2cWrite(address: number, bytes: number[]): void;
  i2cReadOnce(address: number, length: number, callback: (bytes: number[]) => void): void;
  serialConfig(options: { portId: number; baud: number; rxPin?: number; txPin?: number }): void;
  serialWrite(portId: number, bytes: number[]): void;
  serialRead(portId: number, callback: (bytes: number[]) => void): void;
  serialClose(portId: number): void;
  reset(): void;
}

/** Pin mode numbers of the Firmata protocol (as in the capability response). */
export const FIRMATA_MODE = { INPUT: 0x00, OUTPUT: 0x01, ANALOG: 0x02, PWM: 0x03, I2C: 0x06, SERIAL: 0x0a } as const;

type FirmataCtor = new (transport: Duplex, options: { reportVersionTimeout?: number; skipCapabilities?: boolean }) => FirmataIo;

const require = createRequire(import.meta.url);
const FirmataClass = (require('firmata-io') as { Firmata: FirmataCtor }).Firmata;

/** A firmata-io client speaking over `transport` (a serialport stream or the emulator's USART). */
export function createFirmataIo(transport: Duplex, reportVersionTimeoutMs: number): FirmataIo {
  return new FirmataClass(transport, { reportVersionTimeout: reportVersionTimeoutMs });
}
