// The sensing firmware as one device application: built from a hal/ Board and a config, it samples
// the ECG (AD8232 on A0 with LO+/LO- on D10/D11), the pulse sensor (A1) and the LM35 (A2) as
// fixed-rate tasks in a TaskTable, starts a blood-pressure determination on the cuff every
// `nibpIntervalMs`, and once a second turns the monitors' states into a VitalsSnapshot: values,
// faults or 'acquiring'. From the snapshot it classifies local alarms, drives the buzzer (D8)
// and the status LED (D13, lit while any sensor is in fault), and feeds the LCD.
//
// The ECG and the pulse sensor are sampled by the board into buffers at exact instants (a
// timer-triggered ADC with DMA; hal BufferedAnalogIn) and processed in blocks every BLOCK_MS, and
// before each evaluation, so it sees every sample taken so far. The per-sample path pushes into
// preallocated filters: no allocation. The 1 Hz evaluation builds the snapshot objects.
//
// Consumers: `snapshot()` for the uplink, `onEvent()` for alarms, faults and BP readings.
import type { BufferedAnalogIn } from '../../hal/analog.ts';
import type { Board } from '../../hal/board.ts';
import type { DigitalOut } from '../../hal/digital.ts';
import { CUFF_OSCILLATION_ADC, CUFF_OSCILLATION_PIN, SENSOR_PINS } from '../../hal/wiring.ts';
import { I2cOscillationChannel } from '../nibp/i2c-oscillation.ts';
import { NibpController, type NibpOptions, type NibpResult } from '../nibp/controller.ts';
import { DisplayController } from '../display/controller.ts';
import type { DisplayModel } from '../display/model.ts';
import { EcgMonitor, type EcgStatus } from '../ecg/ecg-monitor.ts';
import { createLcd, type LcdWiring } from '../lcd/board.ts';
import { PulseRateEstimator, type PulseReading } from '../pulse-rate.ts';
import { TaskTable, type TaskStats } from '../scheduler.ts';
import { TemperatureEstimator, type TemperatureReading } from '../temperature.ts';
import type { Alarm, AlarmLevel, BloodPressureValue, HeartValue, NibpActivity, PulseValue, TemperatureValue, Vital, VitalFault, VitalsSnapshot } from '../vitals.ts';
import { AlarmTracker, classify } from './alarms.ts';
import { Buzzer } from './buzzer.ts';
import { EcgAmplitudeGuard } from './ecg-amplitude.ts';
import { OFFLINE_NETWORK, toDisplayModel } from './display-map.ts';
import { StressReporter, type StressAddOnConfig } from './stress-addon.ts';

/** A finished cuff determination, as the NIBP controller reports it. */
export type BloodPressureResult = NibpResult;

/** The blood-pressure cuff on A3 (pressure), D5 (pump), D6 (valve); optionally A4 (oscillations). */
export interface CuffConfig {
  /**
   * The oscillation amplifier on A4 (CUFF_OSCILLATION_PIN). A4 is also I2C SDA, so this needs the
   * LCD in parallel wiring (or none).
   */
  oscillationChannel: boolean;
  /**
   * Where the oscillation channel is read: 'i2c-adc' (the decision of hal/wiring.ts: its own
   * ADS1115 at CUFF_OSCILLATION_ADC, A4/A5 stay the I2C bus) or 'A4' (legacy; default).
   */
  oscillationVia?: 'A4' | 'i2c-adc';
  options?: NibpOptions;
}

export interface DeviceConfig {
  /** ECG sampling rate, 100..500 Hz (default 250); lowered to what the board can sustain. */
  ecgHz?: number;
  /** Gain of the ECG front end (AD8232 cardiac-monitor configuration: 1100), for the QRS-amplitude guard. */
  ecgFrontEndGain?: number;
  /** Pulse sensor sampling rate (default 100 Hz). */
  ppgHz?: number;
  /** LM35 sampling rate (default 1 Hz). */
  temperatureHz?: number;
  /** LM35 calibration offset from EEPROM, °C (subtracted). */
  temperatureCalibrationC?: number;
  /** The blood-pressure cuff; absent: no blood pressure. */
  cuff?: CuffConfig;
  /** Time between cuff determinations (default 15 min). */
  nibpIntervalMs?: number;
  /** First determination this long after start (default 60 s). */
  nibpFirstAfterMs?: number;
  /** The LCD (default: the I2C backpack, or parallel if the cuff's oscillation channel is fitted); 'none' runs without a display. */
  lcd?: LcdWiring | 'none';
  /** LCD refresh period (default 250 ms, the display controller's own default). */
  displayTickMs?: number;
  /** Local buzzer on D8 (default true). */
  buzzer?: boolean;
  /** Network state for the LCD's network screen (issue 5); default: offline. */
  network?: () => DisplayModel['network'];
  /** The stress add-on board on the I2C bus (firmware/stress); absent: no stress estimate. */
  stress?: StressAddOnConfig;
}

export type DeviceEvent =
  | { kind: 'alarm'; change: 'raised' | 'changed' | 'cleared'; alarm: Alarm; atMs: number }
  | { kind: 'fault'; channel: VitalChannel; fault: VitalFault; atMs: number }
  | { kind: 'fault-cleared'; channel: VitalChannel; fault: VitalFault; atMs: number }
  | { kind: 'blood-pressure'; result: BloodPressureResult; atMs: number }
  | { kind: 'notice'; text: string; atMs: number };

export type VitalChannel = 'ecg' | 'pulse' | 'temperature' | 'blood-pressure';

export class DeviceConfigError extends Error {
  override readonly name = 'DeviceConfigError';
}

export const DEFAULT_ECG_HZ = 250;
export const MIN_ECG_HZ = 100;
export const MAX_ECG_HZ = 500;
const EVALUATE_MS = 1000;
/** The ECG and pulse blocks are processed this often, ms; their buffers hold 2.5 blocks. */
export const BLOCK_MS = 100;

/** The ECG rate to use on a board: the requested one, or the fastest the board sustains. */
export function chooseEcgRate(requestedHz: number, minSampleIntervalMs: number): { hz: number; adapted: boolean } {
  if (!(requestedHz >= MIN_ECG_HZ && requestedHz <= MAX_ECG_HZ)) throw new DeviceConfigError(`ECG rate ${requestedHz} Hz outside ${MIN_ECG_HZ}..${MAX_ECG_HZ} Hz`);
  if (1000 / requestedHz >= minSampleIntervalMs) return { hz: requestedHz, adapted: false };
  const hz = Math.floor(1000 / minSampleIntervalMs);
  if (hz < MIN_ECG_HZ) throw new DeviceConfigError(`board samples at most every ${minSampleIntervalMs} ms (${hz} Hz): too slow for the ECG (needs ${MIN_ECG_HZ} Hz)`);
  return { hz, adapted: true };
}

/** Tracks since when a channel has been in its current state, and reports transitions. */
class ChannelState {
  key = '';
  sinceMs = 0;
  fault: VitalFault | null = null;
  /** Returns true if the state changed. */
  note(key: string, nowMs: number): boolean {
    if (key === this.key) return false;
    this.key = key;
    this.sinceMs = nowMs;
    return true;
  }
}

export class SensingDevice {
  readonly ecgHz: number;
  readonly ppgHz: number;
  readonly temperatureHz: number;
  /** Things the device wants its operator to know (e.g. an adapted sampling rate). */
  readonly notices: string[] = [];
  readonly ecg: EcgMonitor;
  readonly ecgAmplitude: EcgAmplitudeGuard;
  readonly pulse: PulseRateEstimator;
  readonly temperature: TemperatureEstimator;
  readonly display: DisplayController | undefined;
  readonly buzzer: Buzzer | undefined;
  private readonly tasks: TaskTable;
  private readonly alarmTracker = new AlarmTracker();
  private readonly listeners: Array<(e: DeviceEvent) => void> = [];
  private readonly led: DigitalOut;
  private readonly states = { ecg: new ChannelState(), pulse: new ChannelState(), temperature: new ChannelState(), 'blood-pressure': new ChannelState() };
  /** The cuff's oscillometric controller, when a cuff is fitted. */
  readonly nibp: NibpController | undefined;
  private readonly bp: NibpController | undefined;
  private readonly nibpIntervalMs: number;
  private nextNibpAtMs: number | null = null;
  private lastBp: BloodPressureResult | null = null;
  private current: VitalsSnapshot;
  private readonly displayModel: DisplayModel = { faults: [], network: OFFLINE_NETWORK };
  private readonly network: () => DisplayModel['network'];
  private startedAtMs = 0;
  private running = false;
  /** The ECG ADC: resolution and counts per mV at the electrodes (for the ECG strip recorder). */
  readonly ecgAdc: { readonly bits: number; readonly countsPerMv: number };
  private ecgTap: ((counts: number, leadOff: boolean) => void) | null = null;

  /** Every raw ECG sample as taken (ADC counts, lead-off), e.g. for firmware/uplink/ecg-strip-source.ts. */
  tapEcg(listener: ((counts: number, leadOff: boolean) => void) | null): void {
    this.ecgTap = listener;
  }
  /** The cuff's oscillation channel on the I2C ADC, when fitted that way. */
  private readonly oscillationAdc: I2cOscillationChannel | undefined;
  /** The stress add-on, when fitted (informational: never feeds the alarms). */
  readonly stress: StressReporter | undefined;

  constructor(private readonly board: Board, config: DeviceConfig = {}) {
    const minMs = board.capabilities.minSampleIntervalMs;
    const ecgRate = chooseEcgRate(config.ecgHz ?? DEFAULT_ECG_HZ, minMs);
    this.ecgHz = ecgRate.hz;
    if (ecgRate.adapted) this.notices.push(`ECG at ${this.ecgHz} Hz: ${board.name} samples at most every ${minMs} ms (${config.ecgHz ?? DEFAULT_ECG_HZ} Hz asked)`);
    const ppgAsked = config.ppgHz ?? 100;
    this.ppgHz = 1000 / ppgAsked >= minMs ? ppgAsked : Math.floor(1000 / minMs);
    if (this.ppgHz !== ppgAsked) this.notices.push(`pulse sensor at ${this.ppgHz} Hz: ${board.name} samples at most every ${minMs} ms`);
    this.temperatureHz = config.temperatureHz ?? 1;

    // The pins are claimed now (a wiring conflict shows at construction); the buffered sampling
    // of ECG and pulse starts with start().
    const signal = board.analogIn(SENSOR_PINS.ecg);
    board.digitalIn(SENSOR_PINS.leadOffPlus);
    board.digitalIn(SENSOR_PINS.leadOffMinus);
    const ppgIn = board.analogIn(SENSOR_PINS.pulse);
    const tempIn = board.analogIn(SENSOR_PINS.temperature);
    const top = (1 << signal.bits) - 1;
    this.ecg = new EcgMonitor({ samplingFrequencyHz: this.ecgHz, railLowCounts: 0, railHighCounts: top });
    const countsPerMv = ((config.ecgFrontEndGain ?? 1100) / 1000) * ((1 << signal.bits) / signal.vref);
    this.ecgAdc = { bits: signal.bits, countsPerMv };
    this.ecgAmplitude = new EcgAmplitudeGuard({ sampleRateHz: this.ecgHz, countsPerMv });
    this.pulse = new PulseRateEstimator({ sampleRateHz: this.ppgHz, fullScale: (1 << ppgIn.bits) - 1 });
    this.temperature = new TemperatureEstimator({ sampleRateHz: this.temperatureHz, vref: tempIn.vref, bits: tempIn.bits, calibrationOffsetC: config.temperatureCalibrationC ?? 0 });

    this.tasks = new TaskTable(board.scheduler);
    const ecg = this.ecg, amplitude = this.ecgAmplitude, pulse = this.pulse, temperature = this.temperature;
    const counts = new Uint16Array(64), lines = new Uint8Array(64);
    this.drainEcg = () => {
      const input = this.ecgIn;
      if (!input) return;
      const tap = this.ecgTap;
      for (;;) {
        const n = input.take(counts, lines);
        for (let i = 0; i < n; i++) {
          const x = counts[i]!;
          const off = lines[i] !== 0;
          ecg.push(x, off);
          amplitude.push(x, off);
          if (tap !== null) tap(x, off);
        }
        if (n < counts.length) return;
      }
    };
    this.drainPpg = () => {
      const input = this.ppgIn;
      if (!input) return;
      for (;;) {
        const n = input.take(counts, lines);
        for (let i = 0; i < n; i++) pulse.push(counts[i]!);
        if (n < counts.length) return;
      }
    };
    this.tasks.add({ name: 'ecg', periodMs: BLOCK_MS, run: this.drainEcg });
    this.tasks.add({ name: 'ppg', periodMs: BLOCK_MS, run: this.drainPpg });
    // No sample from the board yet (Firmata reports arrive after start): nothing, not a reading of 0.
    this.tasks.add({ name: 'temperature', periodMs: 1000 / this.temperatureHz, run: () => { if (tempIn.hasSample?.() !== false) temperature.push(tempIn.read()); } });
    this.tasks.add({ name: 'evaluate', periodMs: EVALUATE_MS, run: () => this.evaluate() });

    this.led = board.digitalOut(SENSOR_PINS.led);
    this.led.write(false);
    this.buzzer = config.buzzer === false ? undefined : new Buzzer(board.digitalOut(SENSOR_PINS.buzzer), board.scheduler);
    const oscOnA4 = config.cuff?.oscillationChannel === true && config.cuff.oscillationVia !== 'i2c-adc';
    if (config.cuff) {
      const lcdOnI2c = config.lcd !== undefined && config.lcd !== 'none' && config.lcd.kind === 'backpack';
      if (config.cuff.oscillationChannel && config.cuff.oscillationVia === 'i2c-adc') this.oscillationAdc = new I2cOscillationChannel(board.i2c(), board.scheduler, CUFF_OSCILLATION_ADC);
      if (oscOnA4 && lcdOnI2c) throw new DeviceConfigError(`the cuff's oscillation channel needs ${CUFF_OSCILLATION_PIN}, which the LCD backpack uses as I2C SDA: wire the LCD in parallel`);
      this.nibp = new NibpController(
        {
          pressure: board.analogIn(SENSOR_PINS.cuffPressure),
          ...(this.oscillationAdc ? { oscillation: this.oscillationAdc } : oscOnA4 ? { oscillation: board.analogIn(CUFF_OSCILLATION_PIN) } : {}),
          pump: board.digitalOut(SENSOR_PINS.pump),
          valve: board.pwmOut(SENSOR_PINS.valve),
        },
        board.scheduler,
        config.cuff.options ?? {},
      );
    }
    this.bp = this.nibp;
    if (config.stress) {
      if (oscOnA4) throw new DeviceConfigError(`the stress add-on needs the I2C bus on A4/A5, which the cuff's oscillation channel takes (${CUFF_OSCILLATION_PIN}): fit the cuff without it, or read it through the I2C ADC (hal/wiring.ts)`);
      this.stress = new StressReporter(board.i2c(), board.scheduler, config.stress);
    }
    this.nibpIntervalMs = config.nibpIntervalMs ?? 15 * 60_000;
    if (!(this.nibpIntervalMs >= 60_000)) throw new DeviceConfigError(`NIBP interval ${this.nibpIntervalMs} ms: at least 60 s between cuff inflations`);
    this.nibpFirstAfterMs = config.nibpFirstAfterMs ?? 60_000;
    this.bp?.onComplete((r) => this.bloodPressureDone(r));
    this.network = config.network ?? (() => OFFLINE_NETWORK);

    // The backpack by default; in parallel when the cuff's oscillation channel has taken A4.
    const lcdWiring = config.lcd ?? (oscOnA4 ? { kind: 'parallel' } : { kind: 'backpack' });
    if (lcdWiring !== 'none') {
      const lcd = createLcd(board, lcdWiring);
      this.display = new DisplayController(lcd, board.scheduler, () => toDisplayModel(this.current, this.network(), this.displayModel), config.displayTickMs === undefined ? {} : { tickMs: config.displayTickMs });
    }
    this.current = this.build(board.scheduler.now());
  }

  private readonly nibpFirstAfterMs: number;
  private readonly drainEcg: () => void;
  private readonly drainPpg: () => void;
  private ecgIn: BufferedAnalogIn | undefined;
  private ppgIn: BufferedAnalogIn | undefined;
  private overrunsBefore = 0;

  /** Buffered samples lost so far (the block tasks ran too late); 0 on a healthy board. */
  get sampleOverruns(): number {
    return this.overrunsBefore + (this.ecgIn?.overruns ?? 0) + (this.ppgIn?.overruns ?? 0);
  }

  private startSampling(): void {
    const buffered = (hz: number) => ({ periodMs: 1000 / hz, capacity: Math.ceil((2.5 * BLOCK_MS * hz) / 1000) });
    // LO+ and LO- are latched with each ECG conversion (lines bits 0 and 1).
    this.ecgIn = this.board.bufferedAnalogIn(SENSOR_PINS.ecg, { ...buffered(this.ecgHz), lines: [SENSOR_PINS.leadOffPlus, SENSOR_PINS.leadOffMinus] });
    this.ppgIn = this.board.bufferedAnalogIn(SENSOR_PINS.pulse, buffered(this.ppgHz));
  }

  private stopSampling(): void {
    this.overrunsBefore = this.sampleOverruns;
    this.ecgIn?.stop();
    this.ppgIn?.stop();
    this.ecgIn = this.ppgIn = undefined;
  }

  /** Starts sampling, the evaluation, the display. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.board.scheduler.now();
    this.startedAtMs = now;
    for (const s of Object.values(this.states)) s.note('acquiring', now);
    if (this.bp) this.nextNibpAtMs = now + this.nibpFirstAfterMs;
    for (const text of this.notices) this.emit({ kind: 'notice', text, atMs: now });
    this.startSampling();
    this.tasks.start();
    this.oscillationAdc?.start();
    this.stress?.start(now);
    this.display?.start();
    this.current = this.build(now);
  }

  stop(): void {
    this.tasks.stop();
    this.stopSampling();
    this.oscillationAdc?.stop();
    this.stress?.stop();
    this.display?.stop();
    this.buzzer?.update(null);
    this.running = false;
  }

  /** Subscribes to alarms, faults, BP results and notices; returns an unsubscribe function. */
  onEvent(listener: (e: DeviceEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** The latest snapshot (updated once a second), a copy the caller may keep. */
  snapshot(): VitalsSnapshot {
    return structuredCloneSnapshot(this.current);
  }

  /** Task-table statistics (runs, late runs) per task. */
  taskStats(): TaskStats[] {
    return this.tasks.stats();
  }

  private emit(e: DeviceEvent): void {
    for (const l of this.listeners) l(e);
  }

  private bloodPressureDone(r: BloodPressureResult): void {
    this.lastBp = r;
    this.emit({ kind: 'blood-pressure', result: r, atMs: this.board.scheduler.now() });
  }

  /** The 1 Hz evaluation: snapshot, fault transitions, alarms, buzzer, LED, NIBP schedule. */
  private evaluate(): void {
    const now = this.board.scheduler.now();
    // Everything sampled up to now goes into the monitors first.
    this.drainEcg();
    this.drainPpg();
    if (this.bp && this.nextNibpAtMs !== null && now >= this.nextNibpAtMs) {
      // A determination still running (a slow deflation) just delays the next one.
      if (this.bp.state === 'idle') this.bp.start();
      while (this.nextNibpAtMs <= now) this.nextNibpAtMs += this.nibpIntervalMs;
    }
    const s = this.build(now);
    const changes = this.alarmTracker.evaluate(now, classify(s, this.alarmTracker.held()));
    s.alarms = this.alarmTracker.alarms();
    this.current = s;
    for (const c of changes) this.emit({ kind: 'alarm', change: c.kind, alarm: c.alarm, atMs: now });
    if (this.stress) this.displayModel.stress = this.stress.display();
    let faulted = false;
    let top: AlarmLevel | null = null;
    for (const a of s.alarms) if (top === null) top = a.level;
    this.buzzer?.update(top);
    for (const ch of ['ecg', 'pulse', 'temperature', 'blood-pressure'] as const) if (this.states[ch].fault !== null) faulted = true;
    if (this.led.level !== faulted) this.led.write(faulted);
  }

  private build(now: number): VitalsSnapshot {
    return {
      atMs: now,
      ecg: this.track('ecg', now, ecgVital(this.ecg.status(), this.ecgAmplitude, now)),
      pulse: this.track('pulse', now, pulseVital(this.pulse.reading(), now)),
      temperature: this.track('temperature', now, temperatureVital(this.temperature.reading(), now)),
      bloodPressure: this.track('blood-pressure', now, this.bpVital()),
      nibp: { activity: this.bp ? this.bp.state : 'absent', nextAtMs: this.nextNibpAtMs },
      alarms: this.current ? this.current.alarms : [],
      ...(this.stress ? { stress: this.stress.vital(now) } : {}),
    };
  }

  private bpVital(): Vital<BloodPressureValue> {
    if (!this.bp) return { kind: 'absent' };
    const r = this.lastBp;
    if (!r) return { kind: 'acquiring', sinceMs: this.startedAtMs };
    if (r.kind === 'fault') return { kind: 'fault', fault: r.fault, sinceMs: r.at };
    const v: Vital<BloodPressureValue> = { kind: 'value', atMs: r.at, systolicMmHg: r.systolicMmHg, diastolicMmHg: r.diastolicMmHg, meanArterialMmHg: r.meanArterialMmHg };
    if (r.pulseRateBpm !== undefined) v.pulseRateBpm = r.pulseRateBpm;
    return v;
  }

  /**
   * Fills in since-times and reports fault transitions. A channel's fault events mark entering and
   * leaving the fault state; a change of reason inside it (pulse 'flat' <-> 'no-pulse') updates
   * the snapshot without an event, and `sinceMs` stays the time the channel went into fault.
   */
  private track<T>(ch: VitalChannel, now: number, v: Vital<T>): Vital<T> {
    const st = this.states[ch];
    if (!this.running) return v;
    const key = v.kind === 'fault' ? 'fault' : v.kind;
    if (st.note(key, v.kind === 'fault' && ch === 'blood-pressure' ? v.sinceMs : now)) {
      if (st.fault !== null) this.emit({ kind: 'fault-cleared', channel: ch, fault: st.fault, atMs: now });
      st.fault = null;
      if (v.kind === 'fault') this.emit({ kind: 'fault', channel: ch, fault: v.fault, atMs: now });
    }
    if (v.kind === 'fault') st.fault = v.fault;
    if (v.kind === 'fault' || v.kind === 'acquiring') v.sinceMs = st.sinceMs;
    return v;
  }
}

const NO_FLAGS = { bradycardia: false, tachycardia: false, irregular: false } as const;

function ecgVital(s: EcgStatus, amplitude: EcgAmplitudeGuard, now: number): Vital<HeartValue> {
  // Electrodes on, a live signal, but nothing QRS-sized for 4 s: asystole, whatever beats a
  // relearning detector finds in the noise (see ecg-amplitude.ts) - including an implausible rate
  // of noise "beats", which the monitor calls 'noisy': below 0.15 mV peak to peak nothing is. The
  // sensor faults (lead-off, saturated, flat) still come first.
  if ((s.kind === 'ok' || s.kind === 'acquiring' || (s.kind === 'fault' && s.fault === 'noisy')) && amplitude.noQrs) {
    return { kind: 'value', atMs: now, heartRateBpm: 0, rrMs: null, medianRrMs: null, rhythm: { ...NO_FLAGS, asystole: true } };
  }
  switch (s.kind) {
    case 'ok':
      return { kind: 'value', atMs: now, heartRateBpm: s.heartRateBpm, rrMs: s.rrMs, medianRrMs: s.medianRrMs, rhythm: { ...s.flags } };
    case 'asystole':
      // The heart is not beating: a measurement (rate 0), not a sensor fault.
      return { kind: 'value', atMs: now, heartRateBpm: 0, rrMs: null, medianRrMs: null, rhythm: { ...s.flags, asystole: true } };
    case 'acquiring':
      return { kind: 'acquiring', sinceMs: now };
    case 'fault':
      return { kind: 'fault', fault: s.fault, sinceMs: now };
  }
}

function pulseVital(r: PulseReading, now: number): Vital<PulseValue> {
  if (r.kind === 'ok') return { kind: 'value', atMs: now, pulseRateBpm: r.pulseRateBpm };
  if (r.fault === 'settling') return { kind: 'acquiring', sinceMs: now };
  return { kind: 'fault', fault: r.fault, sinceMs: now };
}

function temperatureVital(r: TemperatureReading, now: number): Vital<TemperatureValue> {
  if (r.kind === 'ok') return { kind: 'value', atMs: now, tempC: r.tempC };
  switch (r.fault) {
    case 'settling':
      return { kind: 'acquiring', sinceMs: now };
    case 'open-input':
      return { kind: 'fault', fault: 'probe-open', sinceMs: now };
    case 'saturated':
      return { kind: 'fault', fault: 'saturated', sinceMs: now };
    case 'implausible':
      return { kind: 'fault', fault: 'implausible', sinceMs: now };
  }
}

/** A deep copy of the plain-data snapshot, so a consumer that keeps it never sees it change. */
function structuredCloneSnapshot(s: VitalsSnapshot): VitalsSnapshot {
  return JSON.parse(JSON.stringify(s)) as VitalsSnapshot;
}
