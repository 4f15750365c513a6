// The Uno's 10-bit successive-approximation ADC on a 5 V reference, as the quantiser the
// simulated analog pins go through: counts = floor(V / 5 * 1024), clamped to 0..1023.
import type { AnalogIn } from '../../hal/analog.ts';

export const UNO_ADC_BITS = 10;
export const UNO_ADC_VREF = 5;

export function quantise(volts: number, vref = UNO_ADC_VREF, bits = UNO_ADC_BITS): number {
  const full = 1 << bits;
  return Math.min(full - 1, Math.max(0, Math.floor((volts / vref) * full)));
}

/** An analog input reading whatever voltage `source` yields at the moment of conversion. */
export class QuantisingAnalogIn implements AnalogIn {
  readonly vref = UNO_ADC_VREF;
  readonly bits = UNO_ADC_BITS;
  constructor(private readonly source: () => number) {}
  read(): number {
    return quantise(this.source(), this.vref, this.bits);
  }
}
