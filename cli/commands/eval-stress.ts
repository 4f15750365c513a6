// `bsn-care eval-stress`: the Mamdani stress classifier against labelled simulated subjects.
// 1. Feature level: a generated labelled set (sim/stress/labelled-set.ts; rest -> low, walking and
//    exercise -> normal, acute stress -> high): accuracy, confusion matrix, per-state results.
// 2. Sensor chain: whole subjects on the virtual clock through the MPU-6050, Grove GSR, skin LM35
//    and ADS1115 models on the I2C bus and the firmware's StressMonitor, read at minutes 8-10 of
//    the rest, walking, exercise and acute-stress scenarios.
// 3. The set boundaries of Rachakonda et al. Table I: the score on both sides of each boundary in a
//    context where the rule outcome changes there, and the largest score step in a fine sweep
//    across it (continuity).
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { SimI2cBus } from '../../sim/i2c-bus.ts';
import { Rng } from '../../sim/rng.ts';
import { ACTIVITY_STATES, activityScenario, type ActivityState } from '../../sim/stress/activity.ts';
import { labelledSet, LABEL_OF_STATE } from '../../sim/stress/labelled-set.ts';
import { StressRig } from '../../sim/stress/rig.ts';
import { sweatFromConductance } from '../../firmware/stress/gsr.ts';
import { StressMonitor } from '../../firmware/stress/monitor.ts';
import { stressLcdLine } from '../../firmware/stress/lcd-line.ts';
import { ACTIVITY_SCENARIOS } from '../../sim/stress/activity.ts';
import { fahrenheitFromCelsius, StressClassifier, STRESS_LEVELS, type StressFeatures, type StressLevel } from '../../firmware/stress/stress.ts';

export type Confusion = Record<StressLevel, Record<StressLevel, number>>;

export interface StateResult {
  n: number;
  correct: number;
  predicted: Record<StressLevel, number>;
}

export interface ClassificationResult {
  n: number;
  accuracy: number;
  /** confusion[label][predicted] */
  confusion: Confusion;
  byState: Record<ActivityState, StateResult>;
}

export interface BoundaryRow {
  input: keyof StressFeatures;
  /** The published boundary (91.5 between 91 and 92; 15 where both ranges name it). */
  boundary: number;
  /** Points either side: the published integers (91, 92), or the boundary ± 0.5 (14.5, 15.5). */
  below: number;
  above: number;
  scoreAt: number;
  levelAt: StressLevel;
  /** Where the level changes in the sweep (the first point with the new level). */
  levelChangesAt: number | null;
  context: StressFeatures;
  scoreBelow: number;
  scoreAbove: number;
  levelBelow: StressLevel;
  levelAbove: StressLevel;
  /** Largest score change between neighbouring points of a sweep over ±sweep with 1/1000 steps. */
  maxStep: number;
  /** The score never turns back within the sweep. */
  monotonic: boolean;
}

export interface StressEvaluation {
  seed: number;
  featureSet: ClassificationResult;
  chain: (ClassificationResult & { subjectsPerScenario: number; faults: number }) | null;
  boundaries: BoundaryRow[];
}

const zeroLevels = (): Record<StressLevel, number> => ({ low: 0, normal: 0, high: 0 });
const emptyConfusion = (): Confusion => ({ low: zeroLevels(), normal: zeroLevels(), high: zeroLevels() });

class Tally {
  readonly confusion = emptyConfusion();
  readonly byState = Object.fromEntries(ACTIVITY_STATES.map((s) => [s, { n: 0, correct: 0, predicted: zeroLevels() }])) as Record<ActivityState, StateResult>;
  n = 0;
  correct = 0;
  add(state: ActivityState, predicted: StressLevel): void {
    const label = LABEL_OF_STATE[state];
    this.confusion[label][predicted]++;
    const s = this.byState[state];
    s.n++;
    s.predicted[predicted]++;
    this.n++;
    if (label === predicted) {
      s.correct++;
      this.correct++;
    }
  }
  result(): ClassificationResult {
    return { n: this.n, accuracy: this.n > 0 ? this.correct / this.n : Number.NaN, confusion: this.confusion, byState: this.byState };
  }
}

export function evaluateFeatureSet(samples: number, seed: number): ClassificationResult {
  const c = new StressClassifier();
  const tally = new Tally();
  for (const s of labelledSet(new Rng(seed).fork('labelled-set'), samples)) {
    const r = c.assess({ stepsPerMin: s.stepsPerMin, sweat: sweatFromConductance(s.skinConductanceUs), skinTempF: fahrenheitFromCelsius(s.skinTempC) });
    if (r.kind !== 'ok') throw new Error(`labelled sample gave ${r.error}`);
    tally.add(s.state, r.assessment.level);
  }
  return tally.result();
}

/** One subject through a scenario on the virtual clock; readings at the given minutes. */
export async function runChain(scenario: string, seed: number, minutes: readonly number[]): Promise<{ state: ActivityState; reading: ReturnType<StressMonitor['reading']> }[]> {
  const clock = new VirtualClock({ yieldEveryMs: 1000 });
  const bus = new SimI2cBus(clock);
  const rig = new StressRig(bus, { scenario, rng: new Rng(seed) });
  const monitor = new StressMonitor(bus, clock);
  monitor.start();
  const out: { state: ActivityState; reading: ReturnType<StressMonitor['reading']> }[] = [];
  for (const m of minutes) {
    await clock.runUntil(m * 60_000);
    out.push({ state: rig.physiology.stateAt(clock.now()), reading: monitor.reading() });
  }
  monitor.stop();
  await clock.runFor(1000);
  return out;
}

export async function evaluateChain(subjectsPerScenario: number, seed: number): Promise<ClassificationResult & { subjectsPerScenario: number; faults: number }> {
  const tally = new Tally();
  let faults = 0;
  const root = new Rng(seed).fork('chain');
  for (const scenario of ['rest', 'walking', 'exercise', 'acute-stress']) {
    activityScenario(scenario);
    for (let i = 0; i < subjectsPerScenario; i++) {
      const subjectSeed = root.fork(`${scenario}-${i}`).nextU32();
      for (const { state, reading } of await runChain(scenario, subjectSeed, [8, 9, 10])) {
        if (reading.kind === 'ok') tally.add(state, reading.assessment.level);
        else faults++;
      }
    }
  }
  return { ...tally.result(), subjectsPerScenario, faults };
}

/** Contexts where the rule outcome changes across the boundary (so the table shows something). */
const BOUNDARIES: { input: keyof StressFeatures; below: number; above: number; context: StressFeatures; sweep: number }[] = [
  { input: 'stepsPerMin', below: 91, above: 92, context: { stepsPerMin: 0, sweat: 25, skinTempF: 89.5 }, sweep: 15 },
  { input: 'stepsPerMin', below: 129, above: 130, context: { stepsPerMin: 0, sweat: 25, skinTempF: 81 }, sweep: 15 },
  { input: 'sweat', below: 14.5, above: 15.5, context: { stepsPerMin: 10, sweat: 0, skinTempF: 89.5 }, sweep: 3 },
  { input: 'sweat', below: 19.5, above: 20.5, context: { stepsPerMin: 10, sweat: 0, skinTempF: 89.5 }, sweep: 3 },
  { input: 'skinTempF', below: 83.5, above: 84.5, context: { stepsPerMin: 10, sweat: 17.5, skinTempF: 0 }, sweep: 3 },
  { input: 'skinTempF', below: 94.5, above: 95.5, context: { stepsPerMin: 10, sweat: 25, skinTempF: 0 }, sweep: 3 },
];

export function boundaryTable(): BoundaryRow[] {
  const c = new StressClassifier();
  const score = (f: StressFeatures) => {
    const r = c.assess(f);
    if (r.kind !== 'ok') throw new Error('boundary evaluation failed');
    return r.assessment;
  };
  return BOUNDARIES.map((b) => {
    const at = (x: number) => score({ ...b.context, [b.input]: x });
    const lo = at(b.below);
    const hi = at(b.above);
    const mid = (b.below + b.above) / 2;
    const exact = at(mid);
    let maxStep = 0;
    const first = at(mid - b.sweep);
    let prev = first.score;
    let prevLevel = first.level;
    let levelChangesAt: number | null = null;
    let dir = 0;
    let monotonic = true;
    for (let i = 1; i <= 2000; i++) {
      const x = mid - b.sweep + (i * 2 * b.sweep) / 2000;
      const a = at(x);
      const s = a.score;
      if (a.level !== prevLevel && levelChangesAt === null) levelChangesAt = x;
      prevLevel = a.level;
      const d = s - prev;
      maxStep = Math.max(maxStep, Math.abs(d));
      if (Math.abs(d) > 1e-9) {
        const sd = Math.sign(d);
        if (dir !== 0 && sd !== dir) monotonic = false;
        dir = sd;
      }
      prev = s;
    }
    return { input: b.input, boundary: mid, below: b.below, above: b.above, scoreAt: exact.score, levelAt: exact.level, levelChangesAt, context: b.context, scoreBelow: lo.score, scoreAbove: hi.score, levelBelow: lo.level, levelAbove: hi.level, maxStep, monotonic };
  });
}

export async function evaluateStress(samples: number, seed: number, chainSubjects: number): Promise<StressEvaluation> {
  return {
    seed,
    featureSet: evaluateFeatureSet(samples, seed),
    chain: chainSubjects > 0 ? await evaluateChain(chainSubjects, seed) : null,
    boundaries: boundaryTable(),
  };
}

/** One subject through a scenario, a line every stepS: truth, the monitor's features, LCD line. */
export async function traceScenario(scenario: string, seed: number, minutes: number, stepS: number): Promise<string[]> {
  const sc = ACTIVITY_SCENARIOS.find((x) => x.name === scenario);
  if (!sc) throw new UsageError(`unknown scenario '${scenario}'; known: ${ACTIVITY_SCENARIOS.map((x) => x.name).join(', ')}`);
  const clock = new VirtualClock({ yieldEveryMs: 1000 });
  const bus = new SimI2cBus(clock);
  const rig = new StressRig(bus, { scenario: sc, rng: new Rng(seed) });
  const monitor = new StressMonitor(bus, clock);
  monitor.start();
  const lines = [`scenario ${sc.name} (${sc.description}), seed ${seed}`, '  time  state         truth: steps/min  G µS  skin °F | measured: steps (input)  sweat  skin °F | LCD'];
  for (let t = stepS; t <= minutes * 60; t += stepS) {
    await clock.runUntil(t * 1000);
    const tr = rig.physiology.truth(clock.now());
    const r = monitor.reading();
    const mm = `${String(Math.floor(t / 60)).padStart(3)}:${String(t % 60).padStart(2, '0')}`;
    const truth = `${tr.cadenceSpm.toFixed(0).padStart(16)} ${tr.conductanceUs.toFixed(2).padStart(5)} ${(tr.skinTempC * 1.8 + 32).toFixed(1).padStart(8)}`;
    const steps = r.kind === 'ok' ? `${r.measuredStepsPerMin.toFixed(0)} (${r.features.stepsPerMin.toFixed(0)})` : '';
    const meas = r.kind === 'ok' ? `${steps.padStart(24)} ${r.features.sweat.toFixed(1).padStart(6)} ${r.features.skinTempF.toFixed(1).padStart(8)}` : ''.padStart(40);
    lines.push(`${mm}  ${tr.state.padEnd(13)}${truth} |${meas} | ${stressLcdLine(r)}`);
  }
  monitor.stop();
  await clock.runFor(1000);
  return lines;
}

function intArg(v: string | undefined, name: string, dflt: number, lo: number, hi: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be an integer, got '${v}'`);
  const n = Number(v);
  if (n < lo || n > hi) throw new UsageError(`--${name} must be in ${lo}..${hi}, got ${n}`);
  return n;
}

function confusionText(c: Confusion): string {
  const w = 8;
  let s = `${'label \\ got'.padEnd(12)}${STRESS_LEVELS.map((l) => l.padStart(w)).join('')}\n`;
  for (const l of STRESS_LEVELS) s += `${l.padEnd(12)}${STRESS_LEVELS.map((p) => String(c[l][p]).padStart(w)).join('')}\n`;
  return s;
}

function resultText(title: string, r: ClassificationResult): string {
  let s = `${title}: ${r.n} samples, accuracy ${(100 * r.accuracy).toFixed(1)} %\n${confusionText(r.confusion)}`;
  for (const st of ACTIVITY_STATES) {
    const b = r.byState[st];
    if (b.n === 0) continue;
    s += `  ${st.padEnd(13)} -> ${LABEL_OF_STATE[st].padEnd(7)} ${b.correct}/${b.n} (${((100 * b.correct) / b.n).toFixed(1)} %)  got low ${b.predicted.low}, normal ${b.predicted.normal}, high ${b.predicted.high}\n`;
  }
  return s;
}

const usage = `Usage: bsn-care eval-stress [--samples N] [--seed N] [--chain N] [--json]
       bsn-care eval-stress --trace SCENARIO [--minutes N] [--seed N]

Evaluates the Mamdani stress classifier (firmware/stress) on simulated, labelled subjects:
  --samples N   size of the generated labelled feature set (default 2000; states in equal shares)
  --chain N     subjects per scenario run through the whole simulated sensor chain (MPU-6050,
                Grove GSR, skin LM35, ADS1115, I2C, StressMonitor), 3 readings each (default 5;
                0 skips it)
  --seed N      (default 1)
  --json        machine-readable output
Labels: rest -> low, walking -> normal, exercise -> normal, acute stress -> high.
Also prints the score at each boundary of Rachakonda et al. Table I and the largest score step in
a fine sweep across it. Exit code 0.
  --trace S     instead: one subject through scenario S (rest, walking, exercise, acute-stress,
                day), a line every 30 s with the truth, the measured features and the LCD line
  --minutes N   length of the trace (default 10; 35 covers 'day')`;

export const command: Command = {
  name: 'eval-stress',
  summary: 'evaluate the fuzzy stress classifier on a labelled simulated set and at its set boundaries',
  usage,
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        options: { samples: { type: 'string' }, seed: { type: 'string' }, chain: { type: 'string' }, json: { type: 'boolean' }, trace: { type: 'string' }, minutes: { type: 'string' } },
        strict: true,
        allowPositionals: false,
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const samples = intArg(parsed.values.samples, 'samples', 2000, 1, 1_000_000);
    const seed = intArg(parsed.values.seed, 'seed', 1, 0, 2 ** 32 - 1);
    const chain = intArg(parsed.values.chain, 'chain', 5, 0, 1000);
    if (parsed.values.trace !== undefined) {
      const minutes = intArg(parsed.values.minutes, 'minutes', 10, 1, 24 * 60);
      process.stdout.write((await traceScenario(parsed.values.trace, seed, minutes, 30)).join('\n') + '\n');
      return 0;
    }
    const ev = await evaluateStress(samples, seed, chain);
    if (parsed.values.json) {
      process.stdout.write(JSON.stringify(ev, null, 2) + '\n');
      return 0;
    }
    let out = `eval-stress: seed ${seed}\n` + resultText('labelled feature set', ev.featureSet);
    if (ev.chain) out += resultText(`sensor chain (${ev.chain.subjectsPerScenario} subjects per scenario, minutes 8-10; ${ev.chain.faults} fault readings)`, ev.chain);
    out += 'boundaries (Rachakonda et al. Table I):\n';
    out += `  ${'input'.padEnd(12)}${'boundary'.padEnd(10)}${'context'.padEnd(34)}${'score (level) below | at | above'.padEnd(54)}${'level flips'.padEnd(13)}max step  monotonic\n`;
    for (const b of ev.boundaries) {
      const ctx = Object.entries(b.context).filter(([k]) => k !== b.input).map(([k, v]) => `${k} ${v}`).join(', ');
      const sc = `${b.below}: ${b.scoreBelow.toFixed(1)} ${b.levelBelow} | ${b.scoreAt.toFixed(1)} ${b.levelAt} | ${b.above}: ${b.scoreAbove.toFixed(1)} ${b.levelAbove}`;
      const flip = b.levelChangesAt === null ? 'never' : `at ${b.levelChangesAt.toFixed(2)}`;
      out += `  ${b.input.padEnd(12)}${String(b.boundary).padEnd(10)}${ctx.padEnd(34)}${sc.padEnd(54)}${flip.padEnd(13)}${b.maxStep.toFixed(3).padEnd(10)}${b.monotonic ? 'yes' : 'no'}\n`;
    }
    process.stdout.write(out);
    return 0;
  },
};
