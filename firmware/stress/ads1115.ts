// TI ADS1115 16-bit delta-sigma ADC over I2C (data sheet SBAS444): single-shot conversions of one
// single-ended input. Sequence: write the config register (OS = 1 starts a conversion), wait one
// conversion period (1/DR, +10 % for the internal oscillator's tolerance), check OS reads back 1
// (conversion done), then read the conversion register. All I2C reads are asynchronous in the HAL,
// so this runs in an async task beside the synchronous per-sample path, never inside it.
import type { Scheduler } from '../../hal/clock.ts';
import { I2cError, type I2cBus } from '../../hal/i2c.ts';

export const ADS1115_DEFAULT_ADDRESS = 0x48; // ADDR pin to GND

const REG_CONVERSION = 0x00;
const REG_CONFIG = 0x01;

/** Full-scale ranges of the programmable gain amplifier, V, by PGA code. */
export const ADS1115_RANGES_V = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256] as const;
export type Ads1115RangeV = (typeof ADS1115_RANGES_V)[number];
export const ADS1115_DATA_RATES_SPS = [8, 16, 32, 64, 128, 250, 475, 860] as const;
export type Ads1115DataRate = (typeof ADS1115_DATA_RATES_SPS)[number];

export type Ads1115Error = 'nack' | 'busy' | 'saturated';
export type Ads1115Result = { ok: true; volts: number; raw: number } | { ok: false; error: Ads1115Error };

/** The config word for a single-shot, single-ended conversion with the comparator disabled. */
export function ads1115Config(channel: 0 | 1 | 2 | 3, rangeV: Ads1115RangeV, rateSps: Ads1115DataRate): number {
  const mux = 0b100 + channel; // AINx against GND
  const pga = ADS1115_RANGES_V.indexOf(rangeV);
  const dr = ADS1115_DATA_RATES_SPS.indexOf(rateSps);
  return (1 << 15) | (mux << 12) | (pga << 9) | (1 << 8) | (dr << 5) | 0b00011;
}

export class Ads1115 {
  constructor(private readonly bus: I2cBus, private readonly scheduler: Scheduler, readonly address = ADS1115_DEFAULT_ADDRESS) {}

  async readSingleEnded(channel: 0 | 1 | 2 | 3, rangeV: Ads1115RangeV = 4.096, rateSps: Ads1115DataRate = 128): Promise<Ads1115Result> {
    const cfg = ads1115Config(channel, rangeV, rateSps);
    try {
      if (!this.bus.write(this.address, Uint8Array.of(REG_CONFIG, cfg >> 8, cfg & 0xff))) return { ok: false, error: 'nack' };
      await this.scheduler.sleep(Math.ceil((1.1 * 1000) / rateSps) + 1);
      let done = false;
      for (let attempt = 0; attempt < 3 && !done; attempt++) {
        if (attempt > 0) await this.scheduler.sleep(2);
        if (!this.bus.write(this.address, Uint8Array.of(REG_CONFIG))) return { ok: false, error: 'nack' };
        const c = await this.bus.read(this.address, 2);
        done = (c[0]! & 0x80) !== 0;
      }
      if (!done) return { ok: false, error: 'busy' };
      if (!this.bus.write(this.address, Uint8Array.of(REG_CONVERSION))) return { ok: false, error: 'nack' };
      const b = await this.bus.read(this.address, 2);
      const u = (b[0]! << 8) | b[1]!;
      const raw = u >= 0x8000 ? u - 0x10000 : u;
      // Codes at the ends of the range mean the input is at or beyond full scale.
      if (raw >= 0x7fff || raw <= -0x8000) return { ok: false, error: 'saturated' };
      return { ok: true, raw, volts: (raw * rangeV) / 32768 };
    } catch (e) {
      if (e instanceof I2cError) return { ok: false, error: 'nack' };
      throw e;
    }
  }
}
