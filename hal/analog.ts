/** An ADC channel. On the Uno: 10 bits against a 5 V reference. */
export interface AnalogIn {
  /** The latest conversion, 0 .. 2^bits - 1. */
  read(): number;
  /** Full-scale reference in volts. */
  readonly vref: number;
  /** Resolution in bits. */
  readonly bits: number;
}

/** Counts to volts at the ADC input. */
export function countsToVolts(counts: number, adc: Pick<AnalogIn, 'vref' | 'bits'>): number {
  return (counts * adc.vref) / (1 << adc.bits);
}
