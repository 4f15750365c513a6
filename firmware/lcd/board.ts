// Creating the LCD on a Board, in either wiring. Pins for the parallel wiring avoid what the rest
// of the device uses (A0–A3 sensors, A4/A5 I2C, D5/D6 pump/valve PWM, D8 buzzer, D10/D11 lead-off,
// D13 LED); that leaves exactly D2, D3, D4, D7, D9, D12, so the backpack (two I2C wires shared with
// other I2C parts) is the default.
import type { Board, DigitalPin } from '../../hal/board.ts';
import { LCD_BACKPACK_ADDRESS, LCD_PARALLEL_PINS } from '../../hal/wiring.ts';
import { Hd44780, type Hd44780Options } from './hd44780.ts';
import { Parallel4BitTransport } from './parallel-4bit.ts';
import { Pcf8574Backpack } from './pcf8574-backpack.ts';

export interface ParallelLcdPinNames {
  rs: DigitalPin;
  e: DigitalPin;
  d4: DigitalPin;
  d5: DigitalPin;
  d6: DigitalPin;
  d7: DigitalPin;
}

/** The parallel wiring's pins, from the device wiring (hal/wiring.ts). */
export const DEFAULT_PARALLEL_PINS: Readonly<ParallelLcdPinNames> = LCD_PARALLEL_PINS;

export type LcdWiring =
  | { kind: 'backpack'; address?: number }
  | { kind: 'parallel'; pins?: ParallelLcdPinNames; pinWriteMs?: number };

/** The driver for the board's LCD; call init() (or display/controller.ts setupLcd) before use. */
export function createLcd(board: Board, wiring: LcdWiring = { kind: 'backpack' }, opts: Hd44780Options = {}): Hd44780 {
  if (wiring.kind === 'backpack') {
    return new Hd44780(new Pcf8574Backpack(board.i2c(), { address: wiring.address ?? LCD_BACKPACK_ADDRESS }), board.scheduler, opts);
  }
  const p = wiring.pins ?? DEFAULT_PARALLEL_PINS;
  const pins = { rs: board.digitalOut(p.rs), e: board.digitalOut(p.e), d4: board.digitalOut(p.d4), d5: board.digitalOut(p.d5), d6: board.digitalOut(p.d6), d7: board.digitalOut(p.d7) };
  return new Hd44780(new Parallel4BitTransport(pins, wiring.pinWriteMs === undefined ? {} : { pinWriteMs: wiring.pinWriteMs }), board.scheduler, opts);
}
