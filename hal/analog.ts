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
