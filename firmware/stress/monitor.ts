// The stress monitor: the MPU-6050 (steps) and the ADS1115 (Grove GSR on AIN0, skin LM35 on AIN1)
// share the I2C bus with the LCD backpack. HAL I2C reads are asynchronous, so the sensors are
// polled by two async loops that sleep on the board's scheduler (the accelerometer's FIFO every
// 200 ms, five 25 Hz samples a burst; GSR and skin temperature at 2 Hz), never on the per-sample
// path of the ECG and cuff. Every reading is
// either an assessment with its input features or a fault; the level is informational only
// (never an alarm, never an escalation).
//
// Recovery from exertion: sweat and skin temperature lag activity by minutes, while steps stop at
// once. Right after a run the skin is still wet and warm with few steps, which the rules would
// call stress. So the steps input is the larger of the last minute's steps and a peak-hold of
// recent cadence decaying with a 3 min time constant (exertion memory): after 160 steps/min it
// stays above the low/normal crossover (91.5) for ~1.7 min and is fully "low" (< 84) after ~2 min,
// by when the sweat of exertion has mostly gone (tonic conductance decays over ~40 s in the model;
// real post-exercise sweating can last longer). The cost: acute stress in the
// first minutes after exercise is masked.
import type { Scheduler } from '../../hal/clock.ts';
import type { I2cBus } from '../../hal/i2c.ts';
import { Ads1115, ADS1115_DEFAULT_ADDRESS } from './ads1115.ts';
import { conductanceFromVolts, GROVE_GSR_DEFAULT, sweatFromConductance, type GroveGsrCalibration } from './gsr.ts';
import { Mpu6050, MPU6050_DEFAULT_ADDRESS, MPU6050_SAMPLE_PERIOD_MS } from './mpu6050.ts';
import { StepCounter } from './steps.ts';
import { fahrenheitFromCelsius, StressClassifier, type StressAssessment, type StressFeatures } from './stress.ts';

export type StressFault =
  | 'settling'
  | 'accelerometer' // MPU-6050 absent or not answering
  | 'adc' // ADS1115 absent, busy or not answering
  | 'gsr-no-contact'
  | 'gsr-saturated'
  | 'gsr-out-of-range'
  | 'skin-temp-sensor';

export type StressReading =
  | {
      kind: 'ok';
      assessment: StressAssessment;
      /** The classifier's inputs (stepsPerMin includes the exertion memory). */
      features: StressFeatures;
      /** Steps counted in the last minute. */
      measuredStepsPerMin: number;
      skinConductanceUs: number;
      skinTempC: number;
      at: number;
    }
  | { kind: 'fault'; fault: StressFault; at: number };

export interface StressMonitorOptions {
  mpuAddress?: number;
  adsAddress?: number;
  gsrChannel?: 0 | 1 | 2 | 3;
  skinTempChannel?: 0 | 1 | 2 | 3;
  gsrCalibration?: GroveGsrCalibration;
  /** Known error of the skin LM35, °C (subtracted). */
  skinTempOffsetC?: number;
  /** How often the accelerometer FIFO is emptied, ms (1024 bytes hold 6.8 s). */
  accelPeriodMs?: number;
  slowPeriodMs?: number;
  /** Time constant of the tonic conductance and skin temperature averages, s. */
  smoothingS?: number;
  /** Time constant of the exertion memory, s (0 disables it). */
  exertionMemoryS?: number;
}

/** Plausible skin temperatures for a worn probe, °C (outside: detached or faulty). */
const SKIN_MIN_C = 15;
const SKIN_MAX_C = 42;
const SETTLE_MS = 20_000;
/** Short cadence window for the exertion memory, ms. */
const ONSET_WINDOW_MS = 15_000;

class Ema {
  value = Number.NaN;
  since = Number.NaN;
  private lastT = Number.NaN;
  constructor(private readonly tauMs: number) {}
  push(tMs: number, x: number): void {
    if (Number.isNaN(this.value)) {
      this.value = x;
      this.since = tMs;
    } else this.value += (x - this.value) * (1 - Math.exp(-(tMs - this.lastT) / this.tauMs));
    this.lastT = tMs;
  }
  reset(): void {
    this.value = Number.NaN;
    this.since = Number.NaN;
  }
  settled(nowMs: number): boolean {
    return !Number.isNaN(this.value) && nowMs - this.since >= SETTLE_MS;
  }
}

export class StressMonitor {
  readonly steps = new StepCounter();
  private readonly classifier = new StressClassifier();
  private readonly mpu: Mpu6050;
  private readonly ads: Ads1115;
  private readonly conductance: Ema;
  private readonly skinTemp: Ema;
  private running = false;
  private generation = 0;
  private accelFault = false;
  private adcFault = false;
  private gsrFault: StressFault | null = null;
  private tempFault = false;
  private exertionSpm = 0;
  /** Time stamp for the next FIFO sample, ms. */
  private nextSampleT = Number.NaN;
  private exertionAt = Number.NaN;
  private readonly opts: Required<Omit<StressMonitorOptions, 'mpuAddress' | 'adsAddress'>>;
  /** The GSR bridge calibration in use (store it in EEPROM after calibrateGsrOpenCircuit()). */
  get gsrCalibration(): GroveGsrCalibration {
    return this.opts.gsrCalibration;
  }

  constructor(bus: I2cBus, private readonly scheduler: Scheduler, opts: StressMonitorOptions = {}) {
    this.mpu = new Mpu6050(bus, opts.mpuAddress ?? MPU6050_DEFAULT_ADDRESS);
    this.ads = new Ads1115(bus, scheduler, opts.adsAddress ?? ADS1115_DEFAULT_ADDRESS);
    this.opts = {
      gsrChannel: opts.gsrChannel ?? 0,
      skinTempChannel: opts.skinTempChannel ?? 1,
      gsrCalibration: opts.gsrCalibration ?? GROVE_GSR_DEFAULT,
      skinTempOffsetC: opts.skinTempOffsetC ?? 0,
      accelPeriodMs: opts.accelPeriodMs ?? 200,
      slowPeriodMs: opts.slowPeriodMs ?? 500,
      smoothingS: opts.smoothingS ?? 10,
      exertionMemoryS: opts.exertionMemoryS ?? 180,
    };
    this.conductance = new Ema(this.opts.smoothingS * 1000);
    this.skinTemp = new Ema(this.opts.smoothingS * 1000);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // A loop from an earlier start() that is still asleep sees the generation change and ends.
    const gen = ++this.generation;
    void this.accelLoop(gen);
    void this.slowLoop(gen);
  }

  stop(): void {
    this.running = false;
  }

  private live(gen: number): boolean {
    return this.running && gen === this.generation;
  }

  /**
   * Measures the Grove board's open-circuit output (electrodes OFF the skin) and uses it as Vo.
   * Every 10 mV of trimmer error shifts a 2 µS reading by about 0.1 µS (5 %), so this is worth
   * doing once per board. Only while the monitor is stopped (it owns the ADS1115 when running).
   * Refuses a level more than 150 mV from Vcc/2 (a board trimmed that far off, or electrodes on
   * moist skin or shorted) or one that moves by over 5 mV (electrodes being handled). It cannot
   * tell dry skin (< 1 µS reads within 100 mV of Vo) from open electrodes: the procedure is that
   * the user takes them off.
   */
  async calibrateGsrOpenCircuit(samples = 8): Promise<{ ok: true; openCircuitV: number } | { ok: false; error: 'running' | 'adc' | 'out-of-range' | 'unstable' }> {
    if (this.running) return { ok: false, error: 'running' };
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let sum = 0;
    for (let i = 0; i < samples; i++) {
      const r = await this.ads.readSingleEnded(this.opts.gsrChannel, 4.096, 128);
      if (!r.ok) return { ok: false, error: 'adc' };
      lo = Math.min(lo, r.volts);
      hi = Math.max(hi, r.volts);
      sum += r.volts;
    }
    const v = sum / samples;
    if (v < 2.35 || v > 2.65) return { ok: false, error: 'out-of-range' };
    if (hi - lo > 0.005) return { ok: false, error: 'unstable' };
    this.opts.gsrCalibration = { ...this.opts.gsrCalibration, openCircuitV: v };
    return { ok: true, openCircuitV: v };
  }

  /** Waits until the next multiple of the period (fixed rate, no drift from I2C latency). */
  private async tick(start: number, n: number, periodMs: number): Promise<void> {
    const due = start + n * periodMs;
    await this.scheduler.sleep(Math.max(0, due - this.scheduler.now()));
  }

  private async accelLoop(gen: number): Promise<void> {
    let initialised = false;
    const start = this.scheduler.now();
    for (let n = 1; this.live(gen); n++) {
      await this.tick(start, n, this.opts.accelPeriodMs);
      if (!this.live(gen)) break;
      if (!initialised) {
        // Retry the identity check and set-up about once a second after a failure.
        if (n % Math.max(1, Math.round(1000 / this.opts.accelPeriodMs)) !== 1 && this.accelFault) continue;
        const r = await this.mpu.init();
        initialised = r.ok;
        this.accelFault = !r.ok;
        continue;
      }
      const a = await this.mpu.readFifo();
      if (!a.ok) {
        this.accelFault = true;
        initialised = false;
        continue;
      }
      this.accelFault = false;
      // Samples are one chip period apart: stamp them by counting on from the previous batch, and
      // re-anchor to the scheduler only when that count drifts over two periods from it (start,
      // overflow, clock drift between chip and host).
      const batch = a.value.samples;
      if (a.value.overflowed) this.nextSampleT = Number.NaN;
      if (batch.length === 0) continue;
      const now = this.scheduler.now();
      const P = MPU6050_SAMPLE_PERIOD_MS;
      const lastT = this.nextSampleT + (batch.length - 1) * P;
      if (Number.isNaN(lastT) || Math.abs(lastT - now) > 2 * P) this.nextSampleT = now - (batch.length - 1) * P;
      for (const s of batch) {
        this.steps.push(this.nextSampleT, s.xG, s.yG, s.zG);
        this.nextSampleT += P;
      }
    }
  }

  private async slowLoop(gen: number): Promise<void> {
    const start = this.scheduler.now();
    for (let n = 1; this.live(gen); n++) {
      await this.tick(start, n, this.opts.slowPeriodMs);
      if (!this.live(gen)) break;
      const g = await this.ads.readSingleEnded(this.opts.gsrChannel, 4.096, 128);
      const t = await this.ads.readSingleEnded(this.opts.skinTempChannel, 1.024, 128);
      const now = this.scheduler.now();
      this.updateExertion(now);
      this.adcFault = !g.ok && g.error !== 'saturated' || !t.ok && t.error !== 'saturated';
      if (this.adcFault) continue;
      const c = g.ok ? conductanceFromVolts(g.volts, this.opts.gsrCalibration) : ({ kind: 'fault', fault: 'saturated' } as const);
      if (c.kind === 'ok') {
        this.gsrFault = null;
        this.conductance.push(now, c.conductanceUs);
      } else {
        this.gsrFault = c.fault === 'no-contact' ? 'gsr-no-contact' : c.fault === 'saturated' ? 'gsr-saturated' : 'gsr-out-of-range';
        this.conductance.reset();
      }
      // LM35: 10 mV/°C; on the ±1.024 V range one code is 31 µV = 0.003 °C.
      const tempC = t.ok ? t.volts * 100 - this.opts.skinTempOffsetC : Number.NaN;
      if (tempC >= SKIN_MIN_C && tempC <= SKIN_MAX_C) {
        this.tempFault = false;
        this.skinTemp.push(now, tempC);
      } else {
        this.tempFault = true;
        this.skinTemp.reset();
      }
    }
  }

  private exertionNow(now: number): number {
    const tau = this.opts.exertionMemoryS * 1000;
    if (Number.isNaN(this.exertionAt) || tau <= 0) return 0;
    return this.exertionSpm * Math.exp(-Math.max(0, now - this.exertionAt) / tau);
  }

  private updateExertion(now: number): void {
    const c = this.steps.stepsPerMin(now);
    if (c.kind !== 'ok') return;
    // The minute window lags the onset of running by up to a minute, while sweat already rises:
    // the last 15 s of cadence feed the memory too (found by the device test: 'high' for ~20 s at
    // the start of a jog).
    const recent = this.steps.stepsPerMin(now, ONSET_WINDOW_MS);
    this.exertionSpm = Math.max(c.stepsPerMin, recent.kind === 'ok' ? recent.stepsPerMin : 0, this.exertionNow(now));
    this.exertionAt = now;
  }

  reading(): StressReading {
    const at = this.scheduler.now();
    if (this.accelFault) return { kind: 'fault', fault: 'accelerometer', at };
    if (this.adcFault) return { kind: 'fault', fault: 'adc', at };
    if (this.gsrFault) return { kind: 'fault', fault: this.gsrFault, at };
    if (this.tempFault) return { kind: 'fault', fault: 'skin-temp-sensor', at };
    const cadence = this.steps.stepsPerMin(at);
    if (cadence.kind !== 'ok' || !this.conductance.settled(at) || !this.skinTemp.settled(at)) return { kind: 'fault', fault: 'settling', at };
    const features: StressFeatures = {
      stepsPerMin: Math.max(cadence.stepsPerMin, this.exertionNow(at)),
      sweat: sweatFromConductance(this.conductance.value),
      skinTempF: fahrenheitFromCelsius(this.skinTemp.value),
    };
    const r = this.classifier.assess(features);
    if (r.kind !== 'ok') return { kind: 'fault', fault: 'settling', at };
    return { kind: 'ok', assessment: r.assessment, features, measuredStepsPerMin: cadence.stepsPerMin, skinConductanceUs: this.conductance.value, skinTempC: this.skinTemp.value, at };
  }
}
