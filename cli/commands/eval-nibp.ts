// `bsn-care eval-nibp`: the NIBP controller measured against simulated subjects, as an ISO
// 81060-2 style validation: each subject gets one full oscillometric cycle on the virtual clock
// through the cuff pneumatics, the MPX5050 model and the ADC quantisation, and the firmware's SBP
// and DBP are compared with the subject's true values.
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { Rng } from '../../sim/rng.ts';
import { ArterialSource } from '../../sim/nibp/arterial-source.ts';
import { CuffRig, NIBP_PINS } from '../../sim/nibp/cuff-rig.ts';
import { World } from '../../sim/world.ts';
import { CUFF_VALVE, CUFF_PUMP } from '../../sim/nibp/cuff.ts';
import { randomMpx5050 } from '../../sim/nibp/mpx5050.ts';
import { randomSubjects, type NibpSubject } from '../../sim/nibp/population.ts';
import { NibpController, type NibpResult } from '../../firmware/nibp/controller.ts';
import { I2cOscillationChannel } from '../../firmware/nibp/i2c-oscillation.ts';
import { CUFF_OSCILLATION_ADC } from '../../hal/wiring.ts';
import { SimI2cBus } from '../../sim/i2c-bus.ts';
import { attachOscillationAdc } from '../../sim/nibp/oscillation-adc.ts';

export interface SubjectOutcome {
  subject: NibpSubject;
  result: NibpResult;
  /** Cycle duration, s. */
  durationS: number;
  maxCuffMmHg: number;
  /** The waveform's true time-averaged MAP, mmHg. */
  trueMeanArterialMmHg: number;
  systolicErrorMmHg?: number;
  diastolicErrorMmHg?: number;
  meanArterialErrorMmHg?: number;
}

export interface ErrorStats {
  meanMmHg: number;
  sdMmHg: number;
  /** Fraction of readings within 5, 10 and 15 mmHg (BHS-style grading). */
  within5: number;
  within10: number;
  within15: number;
}

export interface NibpEvaluation {
  seed: number;
  patientModel: PatientModel;
  /** Without the AC oscillation channel (A4): oscillations from the DC channel alone. */
  dcOnly: boolean;
  /** Where the oscillation channel is read: A4 (analog) or its ADS1115 on the I2C bus. */
  oscillationVia: OscillationVia;
  subjects: number;
  readings: number;
  faults: Record<string, number>;
  systolic: ErrorStats;
  diastolic: ErrorStats;
  /** Not graded by ISO 81060-2; against the waveform's time average. */
  meanArterial: ErrorStats;
  /** ISO 81060-2 criterion 1: |mean| <= 5 mmHg and SD <= 8 mmHg, for both. */
  passes: boolean;
  meanCycleS: number;
  maxCycleS: number;
  /** Fractions of subjects in the bands ISO 81060-2 sets minimum shares for. */
  distribution: Distribution;
  outcomes: SubjectOutcome[];
}

/** ISO 81060-2 asks >= 5 % with SBP <= 100, >= 5 % >= 160, >= 20 % >= 140; DBP >= 5 % <= 60, >= 5 % >= 100, >= 20 % >= 85. */
export interface Distribution {
  sbpAtMost100: number;
  sbpAtLeast140: number;
  sbpAtLeast160: number;
  dbpAtMost60: number;
  dbpAtLeast85: number;
  dbpAtLeast100: number;
  meetsIso: boolean;
}

function distribution(subjects: readonly NibpSubject[]): Distribution {
  const f = (pred: (s: NibpSubject) => boolean) => subjects.filter(pred).length / subjects.length;
  const d = {
    sbpAtMost100: f((s) => s.pressure.systolicMmHg <= 100),
    sbpAtLeast140: f((s) => s.pressure.systolicMmHg >= 140),
    sbpAtLeast160: f((s) => s.pressure.systolicMmHg >= 160),
    dbpAtMost60: f((s) => s.pressure.diastolicMmHg <= 60),
    dbpAtLeast85: f((s) => s.pressure.diastolicMmHg >= 85),
    dbpAtLeast100: f((s) => s.pressure.diastolicMmHg >= 100),
  };
  const meetsIso = d.sbpAtMost100 >= 0.05 && d.sbpAtLeast160 >= 0.05 && d.sbpAtLeast140 >= 0.2 && d.dbpAtMost60 >= 0.05 && d.dbpAtLeast100 >= 0.05 && d.dbpAtLeast85 >= 0.2;
  return { ...d, meetsIso };
}

/**
 * Where the subject's arterial pressure comes from: 'uno' = the sim's patient model (fixed values)
 * in a World, with the cuff wired to the virtual Uno's pins and ADC; 'arterial' = this folder's
 * beat-by-beat source with per-subject respiratory swing and beat noise, through a stand-alone ADC.
 */
export type PatientModel = 'uno' | 'arterial';
export type OscillationVia = 'A4' | 'i2c-adc';

/** One measurement cycle on one subject; a device unit (valve, sensor) shared across subjects. */
export async function measureSubject(subject: NibpSubject, device: DeviceUnit, seed: number, model: PatientModel = 'uno', dcOnly = false, via: OscillationVia = 'A4'): Promise<SubjectOutcome> {
  const rng = new Rng(seed).fork(`subject-run-${subject.id}`);
  const rigOptions = { rng, artery: subject.artery, cuff: subject.cuff, valve: device.valve, pump: device.pump, sensor: device.sensor };
  let clock: VirtualClock;
  let rig: CuffRig;
  let ctl: NibpController;
  let trueMap: number;
  let adcChannel: I2cOscillationChannel | null = null;
  const i2c = !dcOnly && via === 'i2c-adc';
  if (model === 'uno') {
    const p = subject.pressure;
    const worldSeed = rng.fork('world').nextU32();
    const scenario = { heartRateBpm: p.heartRateBpm, systolicMmHg: p.systolicMmHg, diastolicMmHg: p.diastolicMmHg };
    let bus: SimI2cBus | null = null;
    let world: World;
    if (i2c) {
      const c = new VirtualClock({ yieldEveryMs: 1000 });
      bus = new SimI2cBus(c);
      world = new World({ scenario, seed: worldSeed, clock: c, i2c: bus });
    } else world = new World({ scenario, seed: worldSeed });
    clock = world.clock;
    rig = CuffRig.onUno(world.uno, { ...rigOptions, patient: world.patient }, !dcOnly && !i2c);
    const b = world.uno;
    const hw = { pressure: b.analogIn(NIBP_PINS.pressure), pump: b.digitalOut(NIBP_PINS.pump), valve: b.pwmOut(NIBP_PINS.valve) };
    if (bus) {
      attachOscillationAdc(bus, rig, rng.fork('oscillation-adc'));
      adcChannel = new I2cOscillationChannel(b.i2c(), b.scheduler, CUFF_OSCILLATION_ADC);
    }
    ctl = new NibpController(dcOnly ? hw : { ...hw, oscillation: adcChannel ?? b.analogIn(NIBP_PINS.oscillation) }, b.scheduler);
    trueMap = world.truth().meanArterialMmHg;
  } else {
    clock = new VirtualClock();
    const patient = new ArterialSource(subject.pressure, rng.fork('arterial'));
    rig = new CuffRig({ ...rigOptions, clock, patient });
    const hw = { pressure: rig.pressureIn, pump: rig.pump, valve: rig.valve };
    if (i2c) {
      const bus = new SimI2cBus(clock);
      attachOscillationAdc(bus, rig, rng.fork('oscillation-adc'));
      adcChannel = new I2cOscillationChannel(bus, clock, CUFF_OSCILLATION_ADC);
    }
    ctl = new NibpController(dcOnly ? hw : { ...hw, oscillation: adcChannel ?? rig.oscillationIn }, clock);
    trueMap = patient.truth(0).meanArterialMmHg;
  }
  adcChannel?.start();
  let result: NibpResult | null = null;
  ctl.onComplete((r) => (result = r));
  // Start a little way into the patient's rhythm, at a random phase.
  const startMs = clock.now() + rng.uniform(1000, 3000);
  clock.after(startMs - clock.now(), () => void ctl.start());
  while (result === null && clock.now() < startMs + 200_000) await clock.runFor(5_000);
  adcChannel?.stop();
  const r = result as NibpResult | null;
  if (!r) throw new Error(`subject ${subject.id}: controller never completed`);
  const out: SubjectOutcome = { subject, result: r, durationS: (r.at - startMs) / 1000, maxCuffMmHg: rig.maxPressureMmHg, trueMeanArterialMmHg: trueMap };
  if (r.kind === 'reading') {
    out.meanArterialErrorMmHg = r.meanArterialMmHg - trueMap;
    out.systolicErrorMmHg = r.systolicMmHg - subject.pressure.systolicMmHg;
    out.diastolicErrorMmHg = r.diastolicMmHg - subject.pressure.diastolicMmHg;
  }
  return out;
}

export interface DeviceUnit {
  valve: typeof CUFF_VALVE;
  pump: typeof CUFF_PUMP;
  sensor: ReturnType<typeof randomMpx5050>;
}

/** One manufactured device: valve, pump and sensor with their unit-to-unit spread. */
export function randomDevice(rng: Rng): DeviceUnit {
  return {
    valve: { orificeMlPerSPerSqrtMmHg: CUFF_VALVE.orificeMlPerSPerSqrtMmHg * Math.exp(rng.normal(0, 0.15)), closingDuty: CUFF_VALVE.closingDuty + rng.normal(0, 0.015) },
    pump: { freeFlowMlPerS: CUFF_PUMP.freeFlowMlPerS * Math.exp(rng.normal(0, 0.1)), stallMmHg: CUFF_PUMP.stallMmHg },
    sensor: randomMpx5050(rng.fork('sensor')),
  };
}

function stats(errors: number[]): ErrorStats {
  const n = errors.length;
  if (n === 0) return { meanMmHg: NaN, sdMmHg: NaN, within5: NaN, within10: NaN, within15: NaN };
  const mean = errors.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(errors.reduce((a, e) => a + (e - mean) ** 2, 0) / (n - 1)) : 0;
  const within = (lim: number) => errors.filter((e) => Math.abs(e) <= lim).length / n;
  return { meanMmHg: mean, sdMmHg: sd, within5: within(5), within10: within(10), within15: within(15) };
}

export async function evaluateNibp(subjectCount: number, seed: number, model: PatientModel = 'uno', dcOnly = false, via: OscillationVia = 'A4'): Promise<NibpEvaluation> {
  const rng = new Rng(seed);
  const subjects = randomSubjects(subjectCount, rng.fork('population'));
  const device = randomDevice(rng.fork('device'));
  const outcomes: SubjectOutcome[] = [];
  for (const s of subjects) outcomes.push(await measureSubject(s, device, seed, model, dcOnly, via));
  const readings = outcomes.filter((o) => o.result.kind === 'reading');
  const faults: Record<string, number> = {};
  for (const o of outcomes) if (o.result.kind === 'fault') faults[o.result.fault] = (faults[o.result.fault] ?? 0) + 1;
  const systolic = stats(readings.map((o) => o.systolicErrorMmHg!));
  const diastolic = stats(readings.map((o) => o.diastolicErrorMmHg!));
  const meanArterial = stats(readings.map((o) => o.meanArterialErrorMmHg!));
  const ok = (e: ErrorStats) => Math.abs(e.meanMmHg) <= 5 && e.sdMmHg <= 8;
  return {
    seed,
    patientModel: model,
    dcOnly,
    oscillationVia: via,
    subjects: subjectCount,
    readings: readings.length,
    faults,
    systolic,
    diastolic,
    meanArterial,
    // A fault on a subject with a good pulse is a failed determination, so it fails the run too.
    passes: readings.length === subjectCount && ok(systolic) && ok(diastolic),
    meanCycleS: outcomes.reduce((a, o) => a + o.durationS, 0) / outcomes.length,
    maxCycleS: Math.max(...outcomes.map((o) => o.durationS)),
    distribution: distribution(subjects),
    outcomes,
  };
}

const usage = `Usage: bsn-care eval-nibp [--subjects N] [--seed N] [--patient uno|arterial] [--dc-only | --oscillation-adc] [--json] [--verbose]

Runs one oscillometric measurement per simulated subject (SBP 80-200, DBP 50-120 mmHg,
HR 45-140/min) through the cuff, MPX5050 and ADC models and prints the mean and SD of the SBP and
DBP errors against the ISO 81060-2 criterion (|mean| <= 5 mmHg, SD <= 8 mmHg).
  --subjects N   number of subjects (default 85, as ISO 81060-2 requires)
  --seed N       simulation seed (default 1)
  --patient M    'uno' (default): the sim's patient model in a World, cuff on the virtual Uno's
                 A3/A4/D5/D6; 'arterial': this module's beat-by-beat source (per-subject
                 respiratory swing and beat noise) through a stand-alone 10-bit ADC
  --dc-only      without the oscillation amplifier on A4 (A4 busy as I2C SDA): oscillations
                 from the MPX5050 channel alone, 0.41 mmHg per ADC count
  --oscillation-adc  the oscillation amplifier through its own ADS1115 on the I2C bus (0x49,
                 continuous 860 SPS, fetched every 2 ms; hal/wiring.ts CUFF_OSCILLATION_ADC),
                 the wiring that leaves A4/A5 to the bus
  --json         machine-readable output
  --verbose      one line per subject`;

function intArg(v: string | undefined, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}, got '${v}'`);
  return n;
}

export const command: Command = {
  name: 'eval-nibp',
  summary: 'evaluate the oscillometric blood-pressure cycle on simulated subjects (ISO 81060-2 criterion)',
  usage,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({ args, options: { subjects: { type: 'string' }, seed: { type: 'string' }, patient: { type: 'string' }, 'dc-only': { type: 'boolean' }, 'oscillation-adc': { type: 'boolean' }, json: { type: 'boolean' }, verbose: { type: 'boolean' } }, strict: true, allowPositionals: false });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const n = intArg(parsed.values.subjects, 'subjects', 85, 1, 10_000);
    const seed = intArg(parsed.values.seed, 'seed', 1, 0, 2 ** 32 - 1);
    const model = parsed.values.patient ?? 'uno';
    if (model !== 'uno' && model !== 'arterial') throw new UsageError(`--patient must be 'uno' or 'arterial', got '${model}'`);
    if (parsed.values['dc-only'] && parsed.values['oscillation-adc']) throw new UsageError('--dc-only and --oscillation-adc exclude each other');
    const ev = await evaluateNibp(n, seed, model, parsed.values['dc-only'] ?? false, parsed.values['oscillation-adc'] ? 'i2c-adc' : 'A4');
    if (parsed.values.json) {
      const { outcomes, ...summary } = ev;
      process.stdout.write(JSON.stringify({ ...summary, outcomes: outcomes.map((o) => ({ id: o.subject.id, truth: { ...o.subject.pressure, meanArterialMmHg: o.trueMeanArterialMmHg }, result: o.result, durationS: o.durationS, maxCuffMmHg: o.maxCuffMmHg })) }, null, 2) + '\n');
    } else {
      const f = (x: number) => x.toFixed(1);
      if (parsed.values.verbose) {
        for (const o of ev.outcomes) {
          const s = o.subject.pressure;
          const r = o.result;
          const got = r.kind === 'reading' ? `${r.systolicMmHg}/${r.diastolicMmHg} (MAP ${r.meanArterialMmHg}, PR ${r.pulseRateBpm ?? '-'})` : `FAULT ${r.fault}`;
          process.stdout.write(`#${String(o.subject.id).padStart(3)} true ${f(s.systolicMmHg)}/${f(s.diastolicMmHg)} HR ${f(s.heartRateBpm)}  measured ${got}  ${f(o.durationS)} s, max ${f(o.maxCuffMmHg)} mmHg\n`);
        }
      }
      const line = (name: string, e: ErrorStats) =>
        `${name}: mean error ${e.meanMmHg >= 0 ? '+' : ''}${e.meanMmHg.toFixed(2)} mmHg, SD ${e.sdMmHg.toFixed(2)} mmHg; within 5/10/15 mmHg: ${(100 * e.within5).toFixed(0)}/${(100 * e.within10).toFixed(0)}/${(100 * e.within15).toFixed(0)} %\n`;
      process.stdout.write(`eval-nibp: ${ev.subjects} subjects, seed ${ev.seed}, patient model '${ev.patientModel}'${ev.dcOnly ? ', DC channel only' : ev.oscillationVia === 'i2c-adc' ? ', oscillations via the I2C ADC' : ''}: ${ev.readings} readings, faults ${JSON.stringify(ev.faults)}\n`);
      const d = ev.distribution;
      const pc = (x: number) => `${(100 * x).toFixed(0)}%`;
      process.stdout.write(
        `population: SBP <=100 ${pc(d.sbpAtMost100)}, >=140 ${pc(d.sbpAtLeast140)}, >=160 ${pc(d.sbpAtLeast160)}; DBP <=60 ${pc(d.dbpAtMost60)}, >=85 ${pc(d.dbpAtLeast85)}, >=100 ${pc(d.dbpAtLeast100)} (ISO 81060-2 shares ${d.meetsIso ? 'met' : 'NOT met'})\n`,
      );
      process.stdout.write(line('SBP', ev.systolic));
      process.stdout.write(line('DBP', ev.diastolic));
      process.stdout.write(line('MAP (not graded)', ev.meanArterial));
      process.stdout.write(`cycle time: mean ${ev.meanCycleS.toFixed(1)} s, max ${ev.maxCycleS.toFixed(1)} s\n`);
      process.stdout.write(`ISO 81060-2 criterion 1 (|mean| <= 5, SD <= 8 mmHg): ${ev.passes ? 'PASS' : 'FAIL'}\n`);
    }
    return ev.passes ? 0 : 1;
  },
};
