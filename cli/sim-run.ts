// One simulated device run: a World for the scenario with the LCD (and cuff) attached, the sensing
// firmware on the virtual Uno, and a record of what the device measured beside the patient
// model's true values. Used by `bsn-care sim`, `npm start`, the sim benchmark and the tests.
import type { AnalogPin } from '../hal/board.ts';
import { GLYPH_SYMBOLS_BY_SLOT } from '../firmware/lcd/glyphs.ts';
import { SensingDevice, type DeviceConfig, type DeviceEvent } from '../firmware/sensing/device.ts';
import type { VitalsSnapshot } from '../firmware/vitals.ts';
import { createDeviceWorld, type DeviceWorld, type SimCuff, type SimLcdWiring } from '../sim/device-world.ts';
import type { FixedVitals, Scenario } from '../sim/patient/scenarios.ts';
import type { Lm35Options } from '../sim/frontends/lm35.ts';
import type { VitalTruth } from '../sim/physiology.ts';
import type { PulseSensorOptions } from '../sim/frontends/pulse-sensor.ts';

export interface SimRunOptions {
  scenario: string | Scenario | FixedVitals;
  seed: number;
  durationMs: number;
  /** A sample row every this many simulated ms (default 30 s). */
  sampleEveryMs?: number;
  device?: Omit<DeviceConfig, 'cuff' | 'lcd'>;
  /** How the LCD is fitted (default: see DEFAULT_FIT). */
  lcd?: SimLcdWiring;
  /** The cuff (default: see DEFAULT_FIT). */
  cuff?: SimCuff;
  /** 'max' or a multiple of real time. */
  speed?: 'max' | number;
  pulseSensor?: Partial<Omit<PulseSensorOptions, 'rng'>>;
  lm35?: Partial<Omit<Lm35Options, 'rng'>>;
  /** Unplug an analog sensor at a time: [pin, fromMs]. */
  unplug?: Array<[AnalogPin, number]>;
  /** Called once the world and device are built, before the run (fault injection, probes). */
  setup?: (run: SimRun) => void;
  /** Called for every sample row as it is taken. */
  onSample?: (row: SampleRow, run: SimRun) => void;
  /** Called for every device event. */
  onEvent?: (e: DeviceEvent, run: SimRun) => void;
}

/** A measured value beside the model's truth; `measured` is null when the device has none (see `state`). */
export interface Compared {
  measured: number | null;
  truth: number;
  /** 'value', 'acquiring' or 'fault:<kind>'. */
  state: string;
}

export interface SampleRow {
  tMs: number;
  heartRateBpm: Compared;
  pulseRateBpm: Compared;
  tempC: Compared;
  /** Last cuff reading (measured) beside the truth now. */
  systolicMmHg: Compared;
  diastolicMmHg: Compared;
  rhythm: { measured: string[]; truth: string };
  alarms: string[];
}

export interface BpRow {
  /** When the determination was made (the controller's `at`); `truth` is the model's at that second. */
  atMs: number;
  /** When the device reported it (after the cuff vented). */
  reportedAtMs: number;
  measured: { systolicMmHg: number; diastolicMmHg: number; meanArterialMmHg: number } | null;
  fault: string | null;
  truth: { systolicMmHg: number; diastolicMmHg: number; meanArterialMmHg: number };
}

export interface SimSummary {
  scenario: string;
  seed: number;
  durationMs: number;
  ecgHz: number;
  /** The hardware fitted: LCD wiring and cuff. */
  fit: { lcd: SimLcdWiring; cuff: SimCuff };
  notices: string[];
  samples: SampleRow[];
  bloodPressure: BpRow[];
  faults: Array<{ atMs: number; channel: string; fault: string; cleared: boolean }>;
  alarms: Array<{ atMs: number; change: string; condition: string; level: string; detail: string }>;
  lcd: string[] | null;
  buzzerChirps: number;
  finalSnapshot: VitalsSnapshot;
  /** The world's event log, line by line (no wall-clock content). */
  eventLog: string[];
}

export interface SimRun {
  dw: DeviceWorld;
  fit: { lcd: SimLcdWiring; cuff: SimCuff };
  device: SensingDevice;
  lcdLines(): string[] | null;
  lcdBox(): string | null;
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

function compare(v: VitalsSnapshot[keyof Pick<VitalsSnapshot, 'ecg' | 'pulse' | 'temperature'>], pick: (x: Record<string, unknown>) => number, truth: number): Compared {
  if (v.kind === 'value') return { measured: round(pick(v as unknown as Record<string, unknown>)), truth: round(truth), state: 'value' };
  return { measured: null, truth: round(truth), state: v.kind === 'fault' ? `fault:${v.fault}` : v.kind };
}

/** The hardware a run fits unless told otherwise. */
export const DEFAULT_FIT: { lcd: SimLcdWiring; cuff: SimCuff } = { lcd: 'parallel', cuff: 'oscillation' };

export function createSimRun(opts: Omit<SimRunOptions, 'durationMs'>): SimRun {
  const lcd = opts.lcd ?? (opts.cuff === 'dc-only' || opts.cuff === 'none' ? 'backpack' : DEFAULT_FIT.lcd);
  const cuff = opts.cuff ?? (lcd === 'backpack' ? 'dc-only' : DEFAULT_FIT.cuff);
  const dw = createDeviceWorld({
    scenario: opts.scenario,
    seed: opts.seed,
    lcd,
    cuff,
    ...(opts.pulseSensor ? { pulseSensor: opts.pulseSensor } : {}),
    ...(opts.lm35 ? { lm35: opts.lm35 } : {}),
  });
  const device = new SensingDevice(dw.world.uno, {
    ...opts.device,
    lcd: lcd === 'none' ? 'none' : { kind: lcd },
    ...(cuff === 'none' ? {} : { cuff: { oscillationChannel: cuff === 'oscillation' } }),
  });
  for (const [pin, fromMs] of opts.unplug ?? []) dw.world.clock.after(fromMs, () => {
    dw.world.uno.detachAnalog(pin);
    dw.world.log.log('world', `${pin} unplugged`);
  });
  return {
    dw,
    fit: { lcd, cuff },
    device,
    lcdLines: () => dw.lcd?.lines(GLYPH_SYMBOLS_BY_SLOT) ?? null,
    lcdBox: () => dw.lcd?.box(GLYPH_SYMBOLS_BY_SLOT) ?? null,
  };
}

/** Runs the device for `durationMs` of simulated time and returns the summary. */
export async function runSim(opts: SimRunOptions): Promise<SimSummary> {
  const run = createSimRun(opts);
  const { dw, device } = run;
  const w = dw.world;
  if (opts.speed !== undefined) w.clock.setSpeed(opts.speed);
  opts.setup?.(run);
  const samples: SampleRow[] = [];
  const bloodPressure: BpRow[] = [];
  const faults: SimSummary['faults'] = [];
  const alarms: SimSummary['alarms'] = [];
  // The model's truth once a second for the last minute, so a cuff result reported after the
  // cuff vented is judged against the truth when it was measured (the model only runs forward).
  const TRUTH_SLOTS = 64;
  const truthRing: Array<VitalTruth | undefined> = new Array(TRUTH_SLOTS);
  const noteTruth = () => void (truthRing[Math.round(w.clock.now() / 1000) % TRUTH_SLOTS] = w.truth());
  noteTruth();
  w.clock.every(1000, noteTruth);
  const truthAt = (atMs: number): VitalTruth => {
    const s = Math.floor(atMs / 1000);
    return (Math.round(w.clock.now() / 1000) - s < TRUTH_SLOTS ? truthRing[s % TRUTH_SLOTS] : undefined) ?? w.truth();
  };
  device.onEvent((e) => {
    const t = e.atMs;
    switch (e.kind) {
      case 'fault':
      case 'fault-cleared':
        faults.push({ atMs: t, channel: e.channel, fault: e.fault, cleared: e.kind === 'fault-cleared' });
        w.log.log('device', `${e.kind} ${e.channel} ${e.fault}`);
        break;
      case 'alarm':
        alarms.push({ atMs: t, change: e.change, condition: e.alarm.condition, level: e.alarm.level, detail: e.alarm.detail });
        w.log.log('device', `alarm ${e.change} ${e.alarm.condition} ${e.alarm.level} (${e.alarm.detail})`);
        break;
      case 'blood-pressure': {
        const r = e.result;
        const tr = truthAt(r.at);
        const truth = { systolicMmHg: round(tr.systolicMmHg), diastolicMmHg: round(tr.diastolicMmHg), meanArterialMmHg: round(tr.meanArterialMmHg) };
        bloodPressure.push(
          r.kind === 'reading'
            ? { atMs: r.at, reportedAtMs: t, measured: { systolicMmHg: round(r.systolicMmHg), diastolicMmHg: round(r.diastolicMmHg), meanArterialMmHg: round(r.meanArterialMmHg) }, fault: null, truth }
            : { atMs: r.at, reportedAtMs: t, measured: null, fault: r.fault, truth },
        );
        w.log.log('device', r.kind === 'reading' ? `BP ${r.systolicMmHg.toFixed(0)}/${r.diastolicMmHg.toFixed(0)} mmHg` : `BP fault ${r.fault}`);
        break;
      }
      case 'notice':
        w.log.log('device', e.text);
        break;
    }
    opts.onEvent?.(e, run);
  });
  const every = opts.sampleEveryMs ?? 30_000;
  device.start();
  // A row is taken once everything else due at that instant has run (the device's evaluation and
  // the display refresh): periodic events re-queue in the order they last ran, so a zero-delay
  // one-shot is what comes last.
  w.clock.every(every, () => void w.clock.after(0, takeRow));
  function takeRow(): void {
    const s = device.snapshot();
    const tr = w.truth();
    const bp = s.bloodPressure;
    const row: SampleRow = {
      tMs: w.clock.now(),
      heartRateBpm: compare(s.ecg, (x) => x['heartRateBpm'] as number, tr.heartRateBpm),
      pulseRateBpm: compare(s.pulse, (x) => x['pulseRateBpm'] as number, tr.heartRateBpm),
      tempC: compare(s.temperature, (x) => x['tempC'] as number, tr.coreTempC),
      systolicMmHg: bp.kind === 'value' ? { measured: round(bp.systolicMmHg), truth: round(tr.systolicMmHg), state: 'value' } : { measured: null, truth: round(tr.systolicMmHg), state: bp.kind === 'fault' ? `fault:${bp.fault}` : bp.kind },
      diastolicMmHg: bp.kind === 'value' ? { measured: round(bp.diastolicMmHg), truth: round(tr.diastolicMmHg), state: 'value' } : { measured: null, truth: round(tr.diastolicMmHg), state: bp.kind === 'fault' ? `fault:${bp.fault}` : bp.kind },
      rhythm: { measured: s.ecg.kind === 'value' ? Object.entries(s.ecg.rhythm).filter(([, on]) => on).map(([k]) => k) : [], truth: tr.rhythm },
      alarms: s.alarms.map((a) => `${a.condition}:${a.level}`),
    };
    samples.push(row);
    opts.onSample?.(row, run);
  }
  await w.runUntil(opts.durationMs);
  return {
    scenario: dw.world.patient.scenario.name,
    seed: opts.seed,
    durationMs: opts.durationMs,
    ecgHz: device.ecgHz,
    fit: run.fit,
    notices: [...device.notices],
    samples,
    bloodPressure,
    faults,
    alarms,
    lcd: run.lcdLines(),
    buzzerChirps: device.buzzer?.chirps ?? 0,
    finalSnapshot: device.snapshot(),
    eventLog: [...w.log.lines()],
  };
}

/** One readable line for a sample row. */
export function formatRow(r: SampleRow): string {
  const t = fmtTime(r.tMs);
  const v = (c: Compared, unit: string, d = 0) => (c.measured === null ? c.state.padStart(9) : `${c.measured.toFixed(d)} ${unit}`.padStart(9)) + ` (${c.truth.toFixed(d)})`;
  const bp = r.systolicMmHg.measured === null ? `BP ${r.systolicMmHg.state}` : `BP ${r.systolicMmHg.measured.toFixed(0)}/${r.diastolicMmHg.measured!.toFixed(0)} mmHg`;
  const alarms = r.alarms.length ? `  ALARM ${r.alarms.join(',')}` : '';
  return `${t}  HR ${v(r.heartRateBpm, '/min')}  pulse ${v(r.pulseRateBpm, '/min')}  temp ${v(r.tempC, '°C', 1)}  ${bp} (${r.systolicMmHg.truth.toFixed(0)}/${r.diastolicMmHg.truth.toFixed(0)})${alarms}`;
}

export function fmtTime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/** "10m", "90s", "2h", "24h", "1500ms"; a bare number is seconds. Null if not a positive duration. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's'; // a bare number is seconds
  const ms = n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit]!;
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}
