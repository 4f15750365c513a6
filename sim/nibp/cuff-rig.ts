// The whole simulated NIBP hardware on one virtual clock: patient artery -> cuff pneumatics ->
// MPX5050 -> (DC channel on A3, AC-coupled oscillation amplifier on A4) -> 10-bit ADC, with the
// pump on D5 (digital) and the proportional valve on D6 (PWM). The physics is integrated lazily
// on a fixed 1 ms grid up to the current virtual time whenever an ADC pin is read or an actuator pin
// changes, so it costs nothing between samples and is exact at every event.
import type { AnalogIn } from '../../hal/analog.ts';
import type { Clock } from '../../hal/clock.ts';
import { CUFF_OSCILLATION_PIN, SENSOR_PINS } from '../../hal/wiring.ts';
import type { Rng } from '../rng.ts';
import { SimDigitalOut } from '../pins.ts';
import { SimPwmOut } from '../pwm.ts';
import type { VirtualUno } from '../uno.ts';
import { QuantisingAnalogIn } from './adc.ts';
import type { ArterialPressureSource } from './arterial-source.ts';
import { BrachialArtery, TYPICAL_ARTERY, type ArteryParams } from './brachial-artery.ts';
import { ADULT_CUFF, CUFF_PUMP, CUFF_VALVE, CuffPneumatics, type CuffParams, type PumpParams, type ValveParams } from './cuff.ts';
import { Mpx5050, randomMpx5050, IDEAL_MPX5050, type Mpx5050Unit } from './mpx5050.ts';
import { OscillationAmp } from './oscillation-amp.ts';

/** Pins the NIBP hardware occupies on the Uno. */
export const NIBP_PINS = { pressure: SENSOR_PINS.cuffPressure, oscillation: CUFF_OSCILLATION_PIN, pump: SENSOR_PINS.pump, valve: SENSOR_PINS.valve } as const;

export interface CuffRigOptions {
  clock: Clock;
  patient: ArterialPressureSource;
  rng: Rng;
  artery?: ArteryParams;
  cuff?: CuffParams;
  pump?: PumpParams;
  valve?: ValveParams;
  /** Sensor unit errors; default drawn from the Rng (offset, span, noise). */
  sensor?: Mpx5050Unit | 'ideal';
  /** DeviceConditions.cuffLeakMmHgPerS. */
  cuffLeakMmHgPerS?: number;
  /** Integration step, ms (default 1). */
  stepMs?: number;
  /** Wires from the board driving the pump and the valve (default: the rig's own). */
  pumpWire?: SimDigitalOut;
  valveWire?: SimPwmOut;
}

/** Idle skipping (see skipIdle): what counts as vented, and how much is still integrated. */
const IDLE_VENTED_MMHG = 0.5;
const IDLE_KEEP_MS = 10_000;

export class CuffRig {
  readonly pump: SimDigitalOut;
  readonly valve: SimPwmOut;
  /** Stand-alone 10-bit ADC inputs over the two outputs (a board's own ADC can be used instead). */
  readonly pressureIn: AnalogIn;
  readonly oscillationIn: AnalogIn;
  /** The MPX5050 output, V (for A3). */
  readonly pressureVolts = (): number => (this.advance(), this.sensorV);
  /** The oscillation amplifier's output, V (for A4). */
  readonly oscillationVolts = (): number => (this.advance(), this.amp.output());
  readonly cuff: CuffPneumatics;
  readonly sensor: Mpx5050;
  readonly amp = new OscillationAmp();
  /** Highest cuff pressure reached so far, mmHg, and when. */
  maxPressureMmHg = 0;
  maxPressureAtMs = 0;
  private readonly motions: Array<{ fromMs: number; toMs: number; ml: number; f1: number; f2: number; ph: number }> = [];
  private readonly motionRng: Rng;
  private tMs: number;
  private sensorV: number;
  private readonly stepMs: number;
  private readonly clock: Clock;
  private readonly patient: ArterialPressureSource;

  constructor(o: CuffRigOptions) {
    this.clock = o.clock;
    this.pump = o.pumpWire ?? new SimDigitalOut(NIBP_PINS.pump);
    this.valve = o.valveWire ?? new SimPwmOut(NIBP_PINS.valve);
    this.patient = o.patient;
    this.stepMs = o.stepMs ?? 1;
    this.tMs = o.clock.now();
    const artery = new BrachialArtery(o.artery ?? TYPICAL_ARTERY);
    this.cuff = new CuffPneumatics(o.cuff ?? ADULT_CUFF, o.pump ?? CUFF_PUMP, o.valve ?? CUFF_VALVE, artery, o.patient.arterialPressureMmHg(this.tMs));
    this.cuff.setLeak(o.cuffLeakMmHgPerS ?? 0);
    this.motionRng = o.rng.fork('arm-motion');
    const unit = o.sensor === 'ideal' ? IDEAL_MPX5050 : o.sensor ?? randomMpx5050(o.rng.fork('mpx5050-unit'));
    this.sensor = new Mpx5050(unit, o.rng.fork('mpx5050-noise'));
    this.sensorV = this.sensor.outputV(0);
    this.amp.step(0, this.sensorV);
    this.pressureIn = new QuantisingAnalogIn(this.pressureVolts);
    this.oscillationIn = new QuantisingAnalogIn(this.oscillationVolts);
    this.cuff.pumpOn = this.pump.level;
    this.cuff.valveDuty = this.valve.duty;
    this.pump.onChange((on) => {
      this.advance();
      this.cuff.pumpOn = on;
    });
    this.valve.onChange((duty) => {
      this.advance();
      this.cuff.valveDuty = duty;
    });
  }

  /**
   * Builds the rig onto a virtual Uno: MPX5050 on A3, oscillation amplifier on A4, pump driver on
   * D5, valve on D6 (PWM). The Uno's ADC (with its own input noise) then does the conversions.
   * Pass `oscillation: false` when A4 is not available (it is the I2C SDA pin).
   */
  static onUno(uno: VirtualUno, o: Omit<CuffRigOptions, 'clock' | 'pumpWire' | 'valveWire'>, oscillation = true): CuffRig {
    const rig = new CuffRig({ ...o, clock: uno.scheduler, pumpWire: uno.outputWire(NIBP_PINS.pump), valveWire: uno.pwmWire(NIBP_PINS.valve) });
    uno.attachAnalog(NIBP_PINS.pressure, rig.pressureVolts);
    if (oscillation) uno.attachAnalog(NIBP_PINS.oscillation, rig.oscillationVolts);
    return rig;
  }

  /**
   * Arm movement from `fromMs` for `durationMs`: tissue squeezing the bladder by up to `ml`
   * (about as many mmHg at working pressures) in a 1-4 Hz shaking with a smooth onset and end.
   */
  addMotion(fromMs: number, durationMs: number, ml: number): void {
    const r = this.motionRng;
    this.motions.push({ fromMs, toMs: fromMs + durationMs, ml, f1: r.uniform(1, 4), f2: r.uniform(1, 4), ph: r.uniform(0, 2 * Math.PI) });
  }

  private motionMl(tMs: number): number {
    // Runs at 1 kHz through a determination: indexed, and nothing to do without movement.
    const ms = this.motions;
    if (ms.length === 0) return 0;
    let v = 0;
    for (let i = 0; i < ms.length; i++) {
      const m = ms[i]!;
      if (tMs < m.fromMs || tMs >= m.toMs) continue;
      const u = (tMs - m.fromMs) / (m.toMs - m.fromMs);
      const window = Math.sin(Math.PI * u);
      const s = (tMs - m.fromMs) / 1000;
      v += m.ml * window * 0.5 * (Math.sin(2 * Math.PI * m.f1 * s + m.ph) + Math.sin(2 * Math.PI * m.f2 * s));
    }
    return v;
  }

  /**
   * Between determinations (pump stopped, valve unpowered so wide open, cuff vented, no arm
   * movement) the cuff sits at 0 mmHg and nothing reads it: integrating that at 1 kHz for 15 min
   * doubled the cost of a simulated day. The idle stretch is skipped up to IDLE_KEEP_MS before the
   * target, which is integrated as usual so the sensor and the amplifier are settled exactly as
   * they would be. (Fewer noise draws: the run stays deterministic, not byte-equal to a
   * run without the skip.)
   */
  private skipIdle(target: number): void {
    const c = this.cuff;
    if (c.pumpRunning() || c.valveDuty !== 0 || Math.abs(c.pressureMmHg) > IDLE_VENTED_MMHG) return;
    const from = target - IDLE_KEEP_MS;
    if (from <= this.tMs + this.stepMs) return;
    for (const m of this.motions) if (m.toMs > this.tMs && m.fromMs < target) return;
    this.tMs += Math.floor((from - this.tMs) / this.stepMs) * this.stepMs;
  }

  /** True cuff pressure now, mmHg. */
  pressureMmHg(): number {
    this.advance();
    return this.cuff.pressureMmHg;
  }

  /**
   * Integrates the physics on a fixed grid of `stepMs` up to the clock's current time. Reads
   * between grid points see the last grid point (a zero-order hold of at most one step), so
   * observing the rig never changes its trajectory.
   */
  advance(): void {
    const target = this.clock.now();
    const dtS = this.stepMs / 1000;
    let sinceIdleCheck = 0;
    while (this.tMs + this.stepMs <= target) {
      // Every 256 steps (cheap), skip ahead if the cuff has come to rest.
      if ((sinceIdleCheck++ & 255) === 0) this.skipIdle(target);
      this.tMs += this.stepMs;
      this.cuff.step(dtS, this.patient.arterialPressureMmHg(this.tMs), this.motionMl(this.tMs));
      const p = this.cuff.pressureMmHg;
      if (p > this.maxPressureMmHg) {
        this.maxPressureMmHg = p;
        this.maxPressureAtMs = this.tMs;
      }
      this.sensorV = this.sensor.outputV(p);
      this.amp.step(dtS, this.sensorV);
    }
  }
}
