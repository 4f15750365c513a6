// The NIBP oscillation channel read through an ADS1115 on the I2C bus (hal/wiring.ts
// CUFF_OSCILLATION_ADC), so that A4/A5 stay the I2C bus for the stress add-on and the LCD
// backpack. The amplifier's output (0-5 V around 2.5 V) goes to the ADC's AIN0 at the +/-6.144 V
// range; the ADC converts continuously at 860 SPS on its own clock, and an async loop on the board
// scheduler fetches the newest conversion every `pollMs` (2 ms). The controller's synchronous
// 50 Hz sample path reads the cached value through the ordinary AnalogIn interface, scaled to the
// Uno's 10-bit counts on 5 V (so channels.ts's constants hold): at most one poll period plus one
// conversion (~3 ms) old. The poll period matters more than its 0.01 mmHg of cuff pressure
// suggests: at 5 ms the 50 Hz reads see values of varying age, and the beat detector lost 2 of 85
// subjects of eval-nibp seed 1 (one 'motion' fault, one cycle ended early with DBP 39 mmHg high);
// at 2 ms both read like the A4 channel. Bus load: 500 two-byte reads/s, ~15 % of a 100 kHz bus
// (~4 % at 400 kHz); on a Firmata link that rate is not reachable, the native firmware's job.
//
// Faults: a NACK or a conversion that stops changing is an I2C fault: the channel then reads 0,
// a rail value, which the controller treats as a clipped oscillation channel (a 'motion' fault for
// that cycle), never as a plausible signal.
import type { AnalogIn } from '../../hal/analog.ts';
import type { Scheduler } from '../../hal/clock.ts';
import { I2cError, type I2cBus } from '../../hal/i2c.ts';
import { ADS1115_DATA_RATES_SPS, ADS1115_RANGES_V, type Ads1115DataRate, type Ads1115RangeV } from '../stress/ads1115.ts';
import { ADC_VOLTS_PER_COUNT } from './channels.ts';

const REG_CONVERSION = 0x00;
const REG_CONFIG = 0x01;

export interface I2cOscillationOptions {
  address: number;
  channel: 0 | 1 | 2 | 3;
  rangeV?: Ads1115RangeV;
  rateSps?: Ads1115DataRate;
  /** How often the conversion register is fetched, ms (default 2). */
  pollMs?: number;
}

/** The config word for continuous conversions of one single-ended input, comparator off. */
export function ads1115ContinuousConfig(channel: 0 | 1 | 2 | 3, rangeV: Ads1115RangeV, rateSps: Ads1115DataRate): number {
  return ((0b100 + channel) << 12) | (ADS1115_RANGES_V.indexOf(rangeV) << 9) | (ADS1115_DATA_RATES_SPS.indexOf(rateSps) << 5) | 0b00011;
}

export class I2cOscillationChannel implements AnalogIn {
  readonly vref = 5;
  readonly bits = 10;
  /** Conversions fetched, and I2C failures (for tests and diagnostics). */
  fetched = 0;
  failures = 0;
  /** Times the converter was found stuck on one code (and restarted). */
  stuck = 0;
  private latest = 0;
  private ok = false;
  private running = false;
  private generation = 0;
  private readonly rangeV: Ads1115RangeV;
  private readonly rateSps: Ads1115DataRate;
  private readonly pollMs: number;

  constructor(private readonly bus: I2cBus, private readonly scheduler: Scheduler, private readonly o: I2cOscillationOptions) {
    this.rangeV = o.rangeV ?? 6.144;
    this.rateSps = o.rateSps ?? 860;
    this.pollMs = o.pollMs ?? 2;
  }

  /** Starts the converter and the fetch loop (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const gen = ++this.generation;
    void this.loop(gen);
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.ok = false;
  }

  /** The newest conversion in 10-bit counts on 5 V; 0 (a rail) while the ADC is not answering. */
  read(): number {
    return this.ok ? this.latest : 0;
  }

  private async loop(gen: number): Promise<void> {
    const cfg = ads1115ContinuousConfig(this.o.channel, this.rangeV, this.rateSps);
    let configured = false;
    let lastRaw = Number.NaN;
    let sameSince = 0;
    while (this.running && gen === this.generation) {
      try {
        if (!configured) {
          configured = this.bus.write(this.o.address, Uint8Array.of(REG_CONFIG, cfg >> 8, cfg & 0xff)) && this.bus.write(this.o.address, Uint8Array.of(REG_CONVERSION));
          if (!configured) throw new I2cError(this.o.address, 'no acknowledgement');
          await this.scheduler.sleep(Math.ceil(1000 / this.rateSps) + 1);
        }
        const b = await this.bus.read(this.o.address, 2);
        if (gen !== this.generation) return;
        const u = (b[0]! << 8) | b[1]!;
        const raw = u >= 0x8000 ? u - 0x10000 : u;
        // A converter that stopped (reset, brown-out) repeats one code; real noise never does for long.
        sameSince = raw === lastRaw ? sameSince + 1 : 0;
        lastRaw = raw;
        const volts = (raw * this.rangeV) / 32768;
        this.latest = Math.max(0, Math.min(1023, Math.round(volts / ADC_VOLTS_PER_COUNT)));
        this.ok = sameSince < 40;
        if (!this.ok) {
          this.stuck++;
          configured = false;
        }
        this.fetched++;
      } catch (e) {
        if (!(e instanceof I2cError)) throw e;
        this.failures++;
        this.ok = false;
        configured = false;
      }
      await this.scheduler.sleep(this.pollMs);
    }
  }
}
