// A simulated world for one scenario and seed: the virtual clock, the patient, the sensor front
// ends wired to the virtual Uno's pins (PIN_MAP), and the event log. Firmware gets `world.uno` as
// its hal/ Board; other models (cuff, LCD, modem) attach to the same Uno and clock.
import { SENSOR_PINS } from '../hal/wiring.ts';
import type { I2cBus } from '../hal/i2c.ts';
import type { SerialPort } from '../hal/serial.ts';
import type { VitalTruth } from './physiology.ts';
import { VirtualClock } from './clock.ts';
import { EventLog } from './event-log.ts';
import { Ad8232 } from './frontends/ad8232.ts';
import { Lm35, type Lm35Options } from './frontends/lm35.ts';
import { PulseSensor, type PulseSensorOptions } from './frontends/pulse-sensor.ts';
import { createPatient, type Patient } from './patient/patient.ts';
import type { FixedVitals, Scenario } from './patient/scenarios.ts';
import { Rng } from './rng.ts';
import { VirtualUno } from './uno.ts';

/** Where everything is wired on the Uno (hal/wiring.ts; A4/A5 are the I2C bus for the LCD). */
export const PIN_MAP = SENSOR_PINS;

/** Internal rate of the ECG model and the AD8232's analog chain in a world, Hz. */
export const AD8232_FS_HZ = 250;

export interface WorldOptions {
  scenario: string | Scenario | FixedVitals;
  seed: number;
  clock?: VirtualClock;
  eepromPath?: string;
  flashPath?: string;
  modemSerial?: SerialPort;
  i2c?: I2cBus;
  adcNoiseLsb?: number;
  pulseSensor?: Partial<Omit<PulseSensorOptions, 'rng'>>;
  lm35?: Partial<Omit<Lm35Options, 'rng'>>;
}

export class World {
  readonly clock: VirtualClock;
  readonly rng: Rng;
  readonly patient: Patient;
  readonly uno: VirtualUno;
  readonly ecgFrontEnd: Ad8232;
  readonly pulseSensor: PulseSensor;
  readonly lm35: Lm35;
  readonly log: EventLog;

  constructor(opts: WorldOptions) {
    // Yielding to promise continuations every virtual second is plenty for sensor sampling and
    // keeps long runs fast; one-shot events still yield every time.
    this.clock = opts.clock ?? new VirtualClock({ yieldEveryMs: 1000 });
    this.rng = new Rng(opts.seed);
    this.log = new EventLog(this.clock);
    // The ECG model and the AD8232 run on the same 4 ms grid, so the front end reads the model's
    // own samples (RK4 at 250 Hz is within 1 µV of a 2 kHz integration).
    this.patient = createPatient(opts.scenario, this.rng, { ecgFsHz: AD8232_FS_HZ });
    const device = this.patient.device;
    this.uno = new VirtualUno({
      clock: this.clock,
      rng: this.rng.fork('adc'),
      ...(opts.adcNoiseLsb !== undefined ? { adcNoiseLsb: opts.adcNoiseLsb } : {}),
      ...(opts.eepromPath !== undefined ? { eepromPath: opts.eepromPath } : {}),
      ...(opts.flashPath !== undefined ? { flashPath: opts.flashPath } : {}),
      ...(opts.modemSerial ? { modemSerial: opts.modemSerial } : {}),
      ...(opts.i2c ? { i2c: opts.i2c } : {}),
    });
    const patient = this.patient;
    this.ecgFrontEnd = new Ad8232((t) => patient.ecgMv(t), {
      rng: this.rng.fork('ad8232'),
      fsHz: AD8232_FS_HZ,
      mainsHz: device.mainsHz,
      motionBurstsPerHour: device.motionBurstsPerHour,
      leadOff: device.leadOff,
      ecgFill: (ts, out, n) => patient.ecgFill(ts, out, n),
      onMotionBurst: (startMs, durationMs, mv) => this.log.log('ad8232', `motion artefact from ${startMs.toFixed(0)} ms for ${durationMs.toFixed(0)} ms, ${mv.toFixed(2)} mV`),
    });
    this.pulseSensor = new PulseSensor((t) => patient.ppg(t), { rng: this.rng.fork('pulse-sensor'), ...opts.pulseSensor });
    this.lm35 = new Lm35((t) => this.patient.coreTempC(t), { rng: this.rng.fork('lm35'), ...opts.lm35 });

    // The pins' sources run per sample (tens of millions a day): close over the parts themselves.
    const ecgFe = this.ecgFrontEnd, pulse = this.pulseSensor, lm35 = this.lm35;
    this.uno.attachAnalog(PIN_MAP.ecg, (t) => ecgFe.outputV(t), (ts, out, n) => ecgFe.fillV(ts, out, n));
    this.uno.attachAnalog(PIN_MAP.pulse, (t) => pulse.outputV(t), (ts, out, n) => pulse.fillV(ts, out, n));
    this.uno.attachAnalog(PIN_MAP.temperature, (t) => lm35.outputV(t));
    const leadsOffFill = (ts: Float64Array, out: Uint8Array, n: number, bit: number) => ecgFe.leadsOffFill(ts, out, n, bit);
    this.uno.driveDigital(PIN_MAP.leadOffPlus, (t) => ecgFe.loPlus(t), leadsOffFill);
    this.uno.driveDigital(PIN_MAP.leadOffMinus, (t) => ecgFe.loMinus(t), leadsOffFill);

    this.scheduleScenarioEvents();
  }

  /** The patient's true vital values now. */
  truth(): VitalTruth {
    return this.patient.truth(this.clock.now());
  }

  runUntil(tMs: number): Promise<void> {
    return this.clock.runUntil(tMs);
  }

  /** Logs the scenario's own events (rhythm changes, electrodes on and off) when they happen. */
  private scheduleScenarioEvents(): void {
    const s = this.patient.scenario;
    const start = this.clock.now();
    this.clock.after(0, () => this.log.log('world', `scenario ${s.name} seed ${this.rng.seed}`));
    for (const r of s.rhythm) this.clock.after(r.atS * 1000 - start, () => this.log.log('patient', `rhythm ${r.rhythm}`));
    for (const [from, to] of s.device.leadOff) {
      this.clock.after(from - start, () => this.log.log('ad8232', 'electrodes off (LO+ LO- high)'));
      this.clock.after(to - start, () => this.log.log('ad8232', 'electrodes on'));
    }
  }
}
