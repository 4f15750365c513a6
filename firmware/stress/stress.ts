// Stress level by Mamdani fuzzy inference over skin temperature, sweat and steps per minute, after
// Rachakonda et al. (IEEE Trans. Consumer Electronics 65(4), 2019, Table I). Each input has three
// trapezoidal sets whose crossover (membership 0.5 in both neighbours) sits exactly on the
// published boundary between two ranges, so a value inside a published range belongs mostly to
// that range's set and the output moves continuously across a boundary:
//   steps/min   low 0-91     normal 92-129    high 130-200   (crossovers 91.5, 129.5; ramps ±7.5)
//   sweat       low 10-15    normal 15-20     high 20-30     (crossovers 15, 20; ramps ±1.5)
//   skin °F     low 79-84    normal 84-95     high 95-99     (crossovers 84, 95; ramps ±1.5)
// The output (a crisp score 0-100, centroid) has sets low / normal / high. The level is read from
// the score with thresholds at the centroid of two neighbouring output sets fired equally (0.5
// each): the score an input exactly on a published boundary produces when the rule outcome
// changes there. So the level flips where Table I puts the boundary (between 91 and 92 steps/min,
// at 15 and 20 sweat, at 84 and 95 °F), not a few units off as fixed thresholds at the output
// sets' crossovers (35/65) would make it, the output sets being asymmetric.
//
// The rule base encodes why the skin sweats. Sweating with cold skin and no movement is the
// sympathetic stress pattern (sudomotor activity with cutaneous vasoconstriction). Sweating while
// moving fast is exertion: every rule with high steps concludes "normal", so exercise never reads
// as stress. Sweating with hot skin at rest is heat, also "normal". The result is informational:
// it is never an alarm and never escalates on its own.
import { MamdaniSystem, trapezoid, type FuzzyRule, type LinguisticVariable } from './fuzzy.ts';

export const STRESS_LEVELS = ['low', 'normal', 'high'] as const;
export type StressLevel = (typeof STRESS_LEVELS)[number];

/** Rachakonda et al. 2019, Table I, as published (inclusive integer ranges). */
export const RACHAKONDA_RANGES = {
  stepsPerMin: { low: [0, 91], normal: [92, 129], high: [130, 200] },
  sweat: { low: [10, 15], normal: [15, 20], high: [20, 30] },
  skinTempF: { low: [79, 84], normal: [84, 95], high: [95, 99] },
} as const;

export interface StressFeatures {
  /** Steps per minute over the last minute. */
  stepsPerMin: number;
  /** Sweat on the 10-30 scale of Table I (see gsr.ts for the mapping from skin conductance). */
  sweat: number;
  /** Skin (not core) temperature, °F. */
  skinTempF: number;
}

export interface StressAssessment {
  level: StressLevel;
  /** Centroid of the aggregated output, 0-100. */
  score: number;
  /** Aggregated height of each output set. */
  strengths: Readonly<Record<StressLevel, number>>;
}

export type StressResult = { kind: 'ok'; assessment: StressAssessment } | { kind: 'error'; error: 'non-finite-input'; input: keyof StressFeatures };

type Input = keyof StressFeatures;

const STEPS: LinguisticVariable<StressLevel> = {
  name: 'stepsPerMin',
  min: 0,
  max: 200,
  terms: { low: trapezoid(0, 0, 84, 99), normal: trapezoid(84, 99, 122, 137), high: trapezoid(122, 137, 200, 200) },
};
const SWEAT: LinguisticVariable<StressLevel> = {
  name: 'sweat',
  min: 10,
  max: 30,
  terms: { low: trapezoid(10, 10, 13.5, 16.5), normal: trapezoid(13.5, 16.5, 18.5, 21.5), high: trapezoid(18.5, 21.5, 30, 30) },
};
const SKIN_TEMP_F: LinguisticVariable<StressLevel> = {
  name: 'skinTempF',
  min: 79,
  max: 99,
  terms: { low: trapezoid(79, 79, 82.5, 85.5), normal: trapezoid(82.5, 85.5, 93.5, 96.5), high: trapezoid(93.5, 96.5, 99, 99) },
};
const STRESS: LinguisticVariable<StressLevel> = {
  name: 'stress',
  min: 0,
  max: 100,
  terms: { low: trapezoid(0, 0, 20, 40), normal: trapezoid(30, 50, 50, 70), high: trapezoid(60, 80, 100, 100) },
};

export const STRESS_VARIABLES = { stepsPerMin: STEPS, sweat: SWEAT, skinTempF: SKIN_TEMP_F, stress: STRESS } as const;

/**
 * The 27 rules, indexed [steps][sweat][skin temperature] (each low, normal, high). Reading guide:
 * steps high -> always normal (exertion explains sweat and warm skin); steps low or normal with
 * high sweat and cold skin -> high (the stress pattern); dry skin at rest -> low.
 */
const TABLE: Record<StressLevel, Record<StressLevel, Record<StressLevel, StressLevel>>> = {
  low: {
    low: { low: 'low', normal: 'low', high: 'low' },
    normal: { low: 'high', normal: 'normal', high: 'normal' },
    high: { low: 'high', normal: 'high', high: 'normal' },
  },
  normal: {
    low: { low: 'normal', normal: 'normal', high: 'normal' },
    normal: { low: 'normal', normal: 'normal', high: 'normal' },
    high: { low: 'high', normal: 'normal', high: 'normal' },
  },
  high: {
    low: { low: 'normal', normal: 'normal', high: 'normal' },
    normal: { low: 'normal', normal: 'normal', high: 'normal' },
    high: { low: 'normal', normal: 'normal', high: 'normal' },
  },
};

export const STRESS_RULES: readonly FuzzyRule<Input, StressLevel>[] = STRESS_LEVELS.flatMap((steps) =>
  STRESS_LEVELS.flatMap((sweat) => STRESS_LEVELS.map((skinTempF) => ({ when: { stepsPerMin: steps, sweat, skinTempF }, then: TABLE[steps][sweat][skinTempF] }))),
);

const SYSTEM = new MamdaniSystem<Input, StressLevel>({ stepsPerMin: STEPS, sweat: SWEAT, skinTempF: SKIN_TEMP_F }, STRESS, STRESS_RULES);

/** Score thresholds between levels (≈ 32.4 and 67.6 with these sets). */
export const LEVEL_THRESHOLDS = {
  lowBelow: SYSTEM.centroid({ low: 0.5, normal: 0.5 }),
  highAbove: SYSTEM.centroid({ normal: 0.5, high: 0.5 }),
} as const;

/** The level of a score; a score exactly on a threshold is the middle level. */
export function levelOfScore(score: number): StressLevel {
  return score < LEVEL_THRESHOLDS.lowBelow ? 'low' : score > LEVEL_THRESHOLDS.highAbove ? 'high' : 'normal';
}

export const fahrenheitFromCelsius = (tempC: number): number => (tempC * 9) / 5 + 32;

export class StressClassifier {
  private readonly system = SYSTEM;

  assess(f: StressFeatures): StressResult {
    for (const k of ['stepsPerMin', 'sweat', 'skinTempF'] as const) {
      if (!Number.isFinite(f[k])) return { kind: 'error', error: 'non-finite-input', input: k };
    }
    const out = this.system.infer(f);
    // Every input value fires at least one rule (the sets cover each universe), so crisp is finite.
    const score = out.crisp;
    return { kind: 'ok', assessment: { level: levelOfScore(score), score, strengths: out.strengths } };
  }
}
