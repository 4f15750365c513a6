import type { DigitalPin } from './board.ts';

/** An ADC channel. On the Uno: 10 bits against a 5 V reference. */
export interface AnalogIn {
  /** The latest conversion, 0 .. 2^bits - 1. */
  read(): number;
  /** Full-scale reference in volts. */
  readonly vref: number;
  /** Resolution in bits. */
  readonly bits: number;
  /**
   * False while the input has no conversion yet (a board that reports samples over a link has
   * none until its first report, and read() then returns 0, which would look like an open input).
   * Absent: read() always has a conversion.
   */
  hasSample?(): boolean;
}

/** Counts to volts at the ADC input. */
export function countsToVolts(counts: number, adc: Pick<AnalogIn, 'vref' | 'bits'>): number {
  return (counts * adc.vref) / (1 << adc.bits);
}

/**
 * An analog input the board samples at a fixed rate into a buffer, as a timer-triggered ADC with
 * DMA does on a microcontroller (Firmata's streamed analog reports on the johnny-five target):
 * conversions happen at the exact instants start + k * periodMs (k = 1, 2, ...) whatever the
 * firmware is doing, and the firmware takes them in blocks. Digital lines named at creation (the
 * AD8232's lead-off comparators) are latched with each conversion.
 */
export interface BufferedAnalogIn {
  readonly vref: number;
  readonly bits: number;
  readonly periodMs: number;
  /**
   * Moves the oldest buffered samples (taken at or before now) into `counts`, and the latched lines
   * into `lines` (bit i = line i high); returns how many, at most `counts.length`. Call again
   * while it fills `counts`: the rest stay buffered.
   */
  take(counts: Uint16Array, lines: Uint8Array): number;
  /** Samples lost because the buffer was full when they were taken (taken too late). */
  readonly overruns: number;
  /** Stops sampling; the buffer is dropped. */
  stop(): void;
}

export interface BufferedAnalogOptions {
  periodMs: number;
  /** Buffer size in samples; older samples are overwritten when it is full. */
  capacity: number;
  /** Digital inputs latched with each conversion (at most 8). */
  lines?: readonly DigitalPin[];
}
