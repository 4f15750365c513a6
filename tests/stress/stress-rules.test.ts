// The stress system against Rachakonda et al. Table I: set anchoring, boundaries, continuity,
// monotonicity, and the two safety properties (exercise never reads as stress; bad input is an error).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { membership } from '../../firmware/stress/fuzzy.ts';
import { LEVEL_THRESHOLDS, levelOfScore, RACHAKONDA_RANGES, STRESS_RULES, STRESS_VARIABLES, StressClassifier, type StressFeatures } from '../../firmware/stress/stress.ts';

const c = new StressClassifier();
function assess(f: StressFeatures) {
  const r = c.assess(f);
  if (r.kind !== 'ok') throw new Error(`unexpected error ${r.error}`);
  return r.assessment;
}

const INPUTS = ['stepsPerMin', 'sweat', 'skinTempF'] as const;
const LEVELS = ['low', 'normal', 'high'] as const;

test('27 rules, one per combination of input sets', () => {
  assert.is(STRESS_RULES.length, 27);
  const keys = new Set(STRESS_RULES.map((r) => `${r.when.stepsPerMin}/${r.when.sweat}/${r.when.skinTempF}`));
  assert.is(keys.size, 27);
});

test('inside each published range its own set has the highest membership; boundaries are 0.5/0.5', () => {
  for (const input of INPUTS) {
    const v = STRESS_VARIABLES[input];
    for (const level of LEVELS) {
      const [lo, hi] = RACHAKONDA_RANGES[input][level];
      // Interior points at 0.1 steps, excluding the shared end points of sweat and temperature.
      const shared = input !== 'stepsPerMin';
      for (let i = 0; i <= Math.round((hi - lo) * 10); i++) {
        const x = lo + i / 10;
        if (shared && (Math.abs(x - lo) < 1e-9 && level !== 'low' || Math.abs(x - hi) < 1e-9 && level !== 'high')) continue;
        const own = membership(v.terms[level], x);
        for (const other of LEVELS) if (other !== level) assert.ok(own > membership(v.terms[other], x), `${input} ${x.toFixed(1)}: ${level} ${own} vs ${other}`);
      }
    }
  }
  const half = (input: (typeof INPUTS)[number], a: 'low' | 'normal', b: 'normal' | 'high', x: number) => {
    assert.is(membership(STRESS_VARIABLES[input].terms[a], x), 0.5, `${input} ${a} at ${x}`);
    assert.is(membership(STRESS_VARIABLES[input].terms[b], x), 0.5, `${input} ${b} at ${x}`);
  };
  half('stepsPerMin', 'low', 'normal', 91.5);
  half('stepsPerMin', 'normal', 'high', 129.5);
  half('sweat', 'low', 'normal', 15);
  half('sweat', 'normal', 'high', 20);
  half('skinTempF', 'low', 'normal', 84);
  half('skinTempF', 'normal', 'high', 95);
});

test('the level flips exactly between 91 and 92 and between 129 and 130 steps/min', () => {
  // At rest with sweat and normal skin: low steps -> high, normal steps -> normal.
  const ctx = { sweat: 25, skinTempF: 89.5 };
  assert.is(assess({ ...ctx, stepsPerMin: 91 }).level, 'high');
  assert.is(assess({ ...ctx, stepsPerMin: 92 }).level, 'normal');
  // Sweating with cold skin: normal steps -> high, high steps (exertion) -> normal.
  const cold = { sweat: 25, skinTempF: 81 };
  assert.is(assess({ ...cold, stepsPerMin: 129 }).level, 'high');
  assert.is(assess({ ...cold, stepsPerMin: 130 }).level, 'normal');
});

test('sweat 15 and 20, skin 84 and 95 °F: the level changes at the published value', () => {
  const rest = { stepsPerMin: 10, skinTempF: 89.5 };
  assert.is(assess({ ...rest, sweat: 14.9 }).level, 'low');
  assert.is(assess({ ...rest, sweat: 15 }).level, 'normal');
  assert.is(assess({ ...rest, sweat: 19.9 }).level, 'normal');
  assert.is(assess({ ...rest, sweat: 20.1 }).level, 'high');
  const sweating = { stepsPerMin: 10, sweat: 17.5 };
  assert.is(assess({ ...sweating, skinTempF: 83.9 }).level, 'high');
  assert.is(assess({ ...sweating, skinTempF: 84.1 }).level, 'normal');
  const wet = { stepsPerMin: 10, sweat: 25 };
  assert.is(assess({ ...wet, skinTempF: 94.9 }).level, 'high', 'sweating at rest with normal skin is stress');
  assert.is(assess({ ...wet, skinTempF: 95.1 }).level, 'normal', 'sweating at rest with hot skin is heat');
  // Exactly on a threshold score is the middle level.
  assert.is(levelOfScore(LEVEL_THRESHOLDS.highAbove), 'normal');
  assert.is(levelOfScore(LEVEL_THRESHOLDS.lowBelow), 'normal');
  assert.ok(Math.abs(LEVEL_THRESHOLDS.lowBelow + LEVEL_THRESHOLDS.highAbove - 100) < 1e-9, 'symmetric thresholds');
});

test('continuity: a small input change never jumps the score (Lipschitz over a dense sweep)', () => {
  const steps = { stepsPerMin: 0.02, sweat: 0.002, skinTempF: 0.002 };
  const bounds = { stepsPerMin: [0, 200], sweat: [10, 30], skinTempF: [79, 99] } as const;
  const contexts: StressFeatures[] = [
    { stepsPerMin: 10, sweat: 12, skinTempF: 90 },
    { stepsPerMin: 110, sweat: 21, skinTempF: 83 },
    { stepsPerMin: 150, sweat: 25, skinTempF: 96 },
    { stepsPerMin: 91.5, sweat: 20, skinTempF: 84 },
  ];
  for (const ctx of contexts) {
    for (const input of INPUTS) {
      const [lo, hi] = bounds[input];
      let prev = assess({ ...ctx, [input]: lo }).score;
      let worst = 0;
      for (let x = lo + steps[input]; x <= hi; x += steps[input]) {
        const s = assess({ ...ctx, [input]: x }).score;
        worst = Math.max(worst, Math.abs(s - prev) / steps[input]);
        prev = s;
      }
      // The steepest ramp is 1/3 membership per sweat unit; the score moves at most ~35 points per unit of sweat/°F.
      const bound = input === 'stepsPerMin' ? 5 : 35;
      assert.ok(worst < bound, `${input} in ${JSON.stringify(ctx)}: slope ${worst.toFixed(2)} per unit`);
    }
  }
});

// Max aggregation over a complementary partition clips a consequent at 0.5 in the middle of a
// crossover (two rules with the same consequent each at 0.5), which moves that set's centroid by up
// to ~2.1 points (84.4 -> 82.4 for "high"). So: the level never goes the wrong way, and the score
// never falls more than 2.5 points below its running extreme.
const LEVEL_RANK = { low: 0, normal: 1, high: 2 } as const;
function checkTrend(points: { x: number; f: StressFeatures }[], direction: 1 | -1, what: string) {
  let extreme = direction > 0 ? -1 : 101;
  let rank = direction > 0 ? 0 : 2;
  for (const { x, f } of points) {
    const a = assess(f);
    assert.ok(direction * (a.score - extreme) >= -2.5, `${what} at ${x.toFixed(2)}: ${a.score.toFixed(2)} against ${extreme.toFixed(2)}`);
    assert.ok(direction * (LEVEL_RANK[a.level] - rank) >= 0, `${what} at ${x.toFixed(2)}: level ${a.level} went the wrong way`);
    extreme = direction > 0 ? Math.max(extreme, a.score) : Math.min(extreme, a.score);
    rank = LEVEL_RANK[a.level];
  }
}
const sweep = (lo: number, hi: number, n: number) => Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);

test('monotonic where physiology says so: at rest more sweat never lowers, warmer skin never raises the level', () => {
  for (const temp of [80, 84, 88, 92]) checkTrend(sweep(10, 30, 400).map((x) => ({ x, f: { stepsPerMin: 5, sweat: x, skinTempF: temp } })), 1, `sweat at ${temp} °F`);
  for (const sweat of [17.5, 22, 27]) checkTrend(sweep(79, 99, 400).map((x) => ({ x, f: { stepsPerMin: 5, sweat, skinTempF: x } })), -1, `skin temperature at sweat ${sweat}`);
  // With high sweat, more steps (exertion explaining the sweat) never raises the level.
  checkTrend(sweep(0, 200, 400).map((x) => ({ x, f: { stepsPerMin: x, sweat: 26, skinTempF: 90 } })), -1, 'steps with sweat 26');
  checkTrend(sweep(0, 200, 400).map((x) => ({ x, f: { stepsPerMin: x, sweat: 26, skinTempF: 81 } })), -1, 'steps with sweat 26, cold skin');
});

test('exercise never reads as stress: from 130 steps/min up, no sweat or skin temperature gives "high"', () => {
  let worst = 0;
  for (let steps = 130; steps <= 200; steps += 2) {
    for (let sweat = 10; sweat <= 30; sweat += 0.5) {
      for (let t = 79; t <= 99; t += 0.5) {
        const a = assess({ stepsPerMin: steps, sweat, skinTempF: t });
        worst = Math.max(worst, a.score);
        assert.is.not(a.level, 'high', `steps ${steps} sweat ${sweat} skin ${t} °F: ${a.score}`);
      }
    }
  }
  assert.ok(worst <= LEVEL_THRESHOLDS.highAbove, `highest score ${worst}`);
  // The typical jog: high steps, soaked, warm skin -> normal, centred.
  const jog = assess({ stepsPerMin: 160, sweat: 28, skinTempF: 96 });
  assert.is(jog.level, 'normal');
  assert.ok(Math.abs(jog.score - 50) < 1, `${jog.score}`);
});

test('the three archetypes, and scores in 0..100', () => {
  assert.is(assess({ stepsPerMin: 4, sweat: 12.5, skinTempF: 91 }).level, 'low');
  assert.is(assess({ stepsPerMin: 110, sweat: 17, skinTempF: 90 }).level, 'normal');
  const stress = assess({ stepsPerMin: 6, sweat: 24, skinTempF: 82 });
  assert.is(stress.level, 'high');
  assert.ok(stress.score > 80 && stress.score <= 100);
  // Outside the table's universes (a cold finger at 70 °F, 250 steps/min) is clamped, not an error.
  assert.is(assess({ stepsPerMin: 250, sweat: 40, skinTempF: 70 }).level, 'normal');
});

test('non-finite input is a typed error naming the input, not a level', () => {
  assert.equal(c.assess({ stepsPerMin: Number.NaN, sweat: 15, skinTempF: 90 }), { kind: 'error', error: 'non-finite-input', input: 'stepsPerMin' });
  assert.equal(c.assess({ stepsPerMin: 10, sweat: 15, skinTempF: Number.POSITIVE_INFINITY }), { kind: 'error', error: 'non-finite-input', input: 'skinTempF' });
});

test.run();
