// The cuff's oscillation amplifier into its own ADS1115 on the I2C bus (hal/wiring.ts
// CUFF_OSCILLATION_ADC: 0x49, AIN0), the wiring that leaves A4/A5 to the bus.
import { CUFF_OSCILLATION_ADC } from '../../hal/wiring.ts';
import type { SimI2cBus } from '../i2c-bus.ts';
import type { Rng } from '../rng.ts';
import { Ads1115Model } from '../stress/ads1115.ts';
import type { CuffRig } from './cuff-rig.ts';

export function attachOscillationAdc(bus: SimI2cBus, rig: CuffRig, rng: Rng): Ads1115Model {
  const adc = new Ads1115Model({ rng });
  // The rig integrates up to the clock's now; the converter samples mid-conversion, < 1.2 ms earlier.
  adc.connect(CUFF_OSCILLATION_ADC.channel, () => rig.oscillationVolts());
  bus.attach(CUFF_OSCILLATION_ADC.address, adc);
  return adc;
}
