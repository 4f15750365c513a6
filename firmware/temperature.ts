// Body temperature from an LM35 (10 mV/°C) on a 10-bit ADC. At 5 V reference one count is 0.49 °C,
// so the reading is a median of the last 5 samples (rejects spikes) followed by an exponential
// average over ~10 s: the ADC's own noise dithers the input, and averaging recovers a resolution
// well below one count. Counts are taken at the middle of their step ((n + 0.5) LSB), undoing
// the floor() of the converter. An input at 0 V (open wire, pull-down), pinned to full scale
// (short), or a temperature no body has, is a fault rather than a reading.
import { countsToVolts, type AnalogIn } from '../hal/analog.ts';
import type { Scheduler } from '../hal/clock.ts';
import { SampledMonitor } from './sampled-monitor.ts';

export type TemperatureFault = 'open-input' | 'saturated' | 'implausible' | 'settling';
export type TemperatureReading = { kind: 'ok'; tempC: number } | { kind: 'fault'; fault: TemperatureFault };

export interface TemperatureOptions {
  sampleRateHz: number;
  vref?: number;
  bits?: number;
  /** This probe's known error, °C (from a calibration stored in EEPROM); subtracted. */
  calibrationOffsetC?: number;
  /** Time constant of the average, s. */
  smoothingS?: number;
  /** Plausible body temperatures, °C. */
  minC?: number;
  maxC?: number;
}

const MEDIAN_N = 5;

export class TemperatureEstimator {
  private readonly window = new Float64Array(MEDIAN_N);
  private readonly scratch = new Float64Array(MEDIAN_N);
  private filled = 0;
  private next = 0;
  private ema = Number.NaN;
  private emaSamples = 0;
  private lastMedian = 0;
  private readonly alpha: number;
  private readonly fullScale: number;
  private readonly adc: { vref: number; bits: number };
  private readonly offsetC: number;
  private readonly minC: number;
  private readonly maxC: number;
  private readonly settleSamples: number;

  constructor(opts: TemperatureOptions) {
    const bits = opts.bits ?? 10;
    this.adc = { vref: opts.vref ?? 5, bits };
    this.fullScale = (1 << bits) - 1;
    const tauS = opts.smoothingS ?? 10;
    this.alpha = 1 - Math.exp(-1 / (tauS * opts.sampleRateHz));
    this.settleSamples = Math.ceil(2 * tauS * opts.sampleRateHz);
    this.offsetC = opts.calibrationOffsetC ?? 0;
    this.minC = opts.minC ?? 25;
    this.maxC = opts.maxC ?? 45;
  }

  push(counts: number): void {
    this.window[this.next] = counts;
    this.next = (this.next + 1) % MEDIAN_N;
    if (this.filled < MEDIAN_N) this.filled++;
    const m = this.median();
    this.lastMedian = m;
    if (m <= 1 || m >= this.fullScale - 1) {
      // A fault: forget the average so a reconnected probe starts afresh.
      this.ema = Number.NaN;
      this.emaSamples = 0;
      return;
    }
    const c = countsToVolts(m + 0.5, this.adc) * 100 - this.offsetC;
    if (Number.isNaN(this.ema)) this.ema = c;
    else this.ema += (c - this.ema) * this.alpha;
    this.emaSamples++;
  }

  reading(): TemperatureReading {
    if (this.filled === 0) return { kind: 'fault', fault: 'settling' };
    if (this.lastMedian <= 1) return { kind: 'fault', fault: 'open-input' };
    if (this.lastMedian >= this.fullScale - 1) return { kind: 'fault', fault: 'saturated' };
    if (this.emaSamples < this.settleSamples) return { kind: 'fault', fault: 'settling' };
    if (this.ema < this.minC || this.ema > this.maxC) return { kind: 'fault', fault: 'implausible' };
    return { kind: 'ok', tempC: this.ema };
  }

  private median(): number {
    const k = this.filled;
    for (let i = 0; i < k; i++) this.scratch[i] = this.window[i]!;
    for (let i = 1; i < k; i++) {
      const v = this.scratch[i]!;
      let j = i - 1;
      while (j >= 0 && this.scratch[j]! > v) {
        this.scratch[j + 1] = this.scratch[j]!;
        j--;
      }
      this.scratch[j + 1] = v;
    }
    return this.scratch[k >> 1]!;
  }
}

/** Samples the LM35's pin at a fixed rate on the board's scheduler. */
export class TemperatureMonitor extends SampledMonitor<TemperatureReading, TemperatureEstimator> {
  constructor(input: AnalogIn, scheduler: Scheduler, sampleRateHz: number, opts: Omit<TemperatureOptions, 'sampleRateHz' | 'vref' | 'bits'> = {}) {
    super(input, scheduler, sampleRateHz, new TemperatureEstimator({ ...opts, sampleRateHz, vref: input.vref, bits: input.bits }));
  }
}
