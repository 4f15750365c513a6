// Activity and stress physiology for the stress sensors: step cadence and gait acceleration, skin
// (finger) temperature and skin conductance, for four states given as scenario data:
//   rest          sitting; dry, warm hands; a few fidgets
//   walking       everyday activity, 95-125 steps/min; a little sweat
//   exercise      jogging, 135-175 steps/min; thermoregulatory sweating and warm skin
//   acute-stress  sitting; sympathetic sweating with many phasic responses, and cutaneous
//                 vasoconstriction: the finger cools by several °C (mental-stress studies)
// Each subject draws his own steady-state targets per state; the signals approach them with
// first-order lags (cadence 5 s, tonic conductance 40 s, skin temperature 120 s). Phasic skin
// conductance responses are a Poisson train of rise-and-decay pulses. Queries must come in
// non-decreasing time (the models integrate forward).
import type { Rng } from '../rng.ts';

export const ACTIVITY_STATES = ['rest', 'walking', 'exercise', 'acute-stress'] as const;
export type ActivityState = (typeof ACTIVITY_STATES)[number];

export interface ActivitySegment {
  /** Start of the state, s from the scenario's start. */
  atS: number;
  state: ActivityState;
}

export interface ActivityScenario {
  name: string;
  description: string;
  segments: readonly ActivitySegment[];
}

export const ACTIVITY_SCENARIOS: readonly ActivityScenario[] = [
  { name: 'rest', description: 'sitting quietly', segments: [{ atS: 0, state: 'rest' }] },
  { name: 'walking', description: 'everyday walking', segments: [{ atS: 0, state: 'walking' }] },
  { name: 'exercise', description: '2 min rest, then jogging', segments: [{ atS: 0, state: 'rest' }, { atS: 120, state: 'exercise' }] },
  { name: 'acute-stress', description: '2 min rest, then an acute stressor while seated', segments: [{ atS: 0, state: 'rest' }, { atS: 120, state: 'acute-stress' }] },
  {
    name: 'day',
    description: 'rest, walk, jog, recover, stressor, recover (5 min each)',
    segments: [
      { atS: 0, state: 'rest' },
      { atS: 300, state: 'walking' },
      { atS: 600, state: 'exercise' },
      { atS: 900, state: 'rest' },
      { atS: 1200, state: 'acute-stress' },
      { atS: 1500, state: 'rest' },
    ],
  },
];

export class ActivityScenarioError extends Error {
  override readonly name = 'ActivityScenarioError';
}

export function validateActivityScenario(s: ActivityScenario): ActivityScenario {
  if (s.segments.length === 0) throw new ActivityScenarioError(`${s.name}: no segments`);
  if (s.segments[0]!.atS !== 0) throw new ActivityScenarioError(`${s.name}: the first segment must start at 0 s`);
  for (let i = 0; i < s.segments.length; i++) {
    const seg = s.segments[i]!;
    if (!ACTIVITY_STATES.includes(seg.state)) throw new ActivityScenarioError(`${s.name}: unknown state ${String(seg.state)}`);
    if (i > 0 && !(seg.atS > s.segments[i - 1]!.atS)) throw new ActivityScenarioError(`${s.name}: segment times must increase`);
  }
  return s;
}

export function activityScenario(name: string): ActivityScenario {
  const s = ACTIVITY_SCENARIOS.find((x) => x.name === name);
  if (!s) throw new ActivityScenarioError(`unknown activity scenario ${name}; known: ${ACTIVITY_SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
}

/** One subject's steady state in one activity state. */
export interface StateTargets {
  /** Gait cadence, steps/min (0 when not walking). */
  cadenceSpm: number;
  /** Finger skin temperature, °C. */
  skinTempC: number;
  /** Tonic skin conductance level, µS. */
  sclUs: number;
  /** Phasic responses per minute, and their mean amplitude, µS. */
  scrPerMin: number;
  scrAmplitudeUs: number;
  /** Fidgets (non-gait movements) per minute. */
  fidgetsPerMin: number;
}

export type StressSubject = Record<ActivityState, StateTargets>;

const lognormal = (rng: Rng, median: number, sigma: number) => median * Math.exp(rng.normal(0, sigma));
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** Draws a subject: per-person baselines, then per-state targets around them. */
export function drawStressSubject(rng: Rng): StressSubject {
  const restSkinC = clamp(rng.normal(32.6, 0.9), 29.5, 35);
  const restScl = lognormal(rng, 1.6, 0.3);
  const reactivity = lognormal(rng, 1, 0.2);
  return {
    rest: { cadenceSpm: 0, skinTempC: restSkinC, sclUs: restScl, scrPerMin: rng.uniform(0.5, 2), scrAmplitudeUs: 0.1, fidgetsPerMin: rng.uniform(0.5, 3) },
    walking: {
      cadenceSpm: rng.uniform(95, 125),
      skinTempC: clamp(restSkinC + rng.normal(-0.3, 0.6), 29, 35),
      sclUs: lognormal(rng, 3.6, 0.22),
      scrPerMin: rng.uniform(1, 3),
      scrAmplitudeUs: 0.15,
      fidgetsPerMin: 0,
    },
    exercise: {
      cadenceSpm: rng.uniform(135, 175),
      skinTempC: clamp(rng.normal(35.2, 0.6), 33, 37),
      sclUs: lognormal(rng, 7.5, 0.3),
      scrPerMin: rng.uniform(1, 4),
      scrAmplitudeUs: 0.3,
      fidgetsPerMin: 0,
    },
    'acute-stress': {
      cadenceSpm: 0,
      skinTempC: clamp(restSkinC - rng.normal(4.5, 1.2) * reactivity, 25, 34),
      sclUs: lognormal(rng, 6.8 * reactivity, 0.25),
      scrPerMin: rng.uniform(5, 12),
      scrAmplitudeUs: 0.6,
      fidgetsPerMin: rng.uniform(2, 8),
    },
  };
}

export interface ActivityTruth {
  state: ActivityState;
  cadenceSpm: number;
  skinTempC: number;
  /** Tonic + phasic conductance, µS. */
  conductanceUs: number;
  sclUs: number;
}

const TAU_CADENCE_MS = 5_000;
const TAU_SCL_MS = 40_000;
const TAU_SKIN_MS = 120_000;
export const SCR_RISE_MS = 1_000;
export const SCR_DECAY_MS = 4_000;

/** Conductance of one phasic response of amplitude ampUs, dMs after its onset, µS. */
export function scrShapeUs(ampUs: number, dMs: number): number {
  return dMs > 0 ? ampUs * (1 - Math.exp(-dMs / SCR_RISE_MS)) * Math.exp(-dMs / SCR_DECAY_MS) : 0;
}

interface Scr {
  at: number;
  amp: number;
}

/** The subject through a scenario, integrated forward on demand. */
export class ActivityPhysiology {
  readonly subject: StressSubject;
  private readonly rng: Rng;
  private t = 0;
  private cadence: number;
  private scl: number;
  private skin: number;
  /** Gait phase in steps (a step at each integer). */
  private phase = 0;
  private readonly scrs: Scr[] = [];
  private nextScrAt = 0;
  private readonly fidgets: Scr[] = [];
  private nextFidgetAt = 0;
  /** Orientation of the worn unit: gravity's direction in the sensor frame. */
  readonly gravity: readonly [number, number, number];

  constructor(readonly scenario: ActivityScenario, rng: Rng, subject?: StressSubject) {
    validateActivityScenario(scenario);
    this.rng = rng;
    this.subject = subject ?? drawStressSubject(rng.fork('subject'));
    const s0 = this.targets(0);
    this.cadence = s0.cadenceSpm;
    this.scl = s0.sclUs;
    this.skin = s0.skinTempC;
    // Belt clip, roughly upright: gravity mostly along -y, tilted by up to ~25°.
    const tx = rng.normal(0, 0.25);
    const tz = rng.normal(0, 0.25);
    const n = Math.hypot(tx, 1, tz);
    this.gravity = [tx / n, -1 / n, tz / n];
    this.nextScrAt = this.rng.exponential(60_000 / s0.scrPerMin);
    this.nextFidgetAt = s0.fidgetsPerMin > 0 ? this.rng.exponential(60_000 / s0.fidgetsPerMin) : Number.POSITIVE_INFINITY;
  }

  stateAt(tMs: number): ActivityState {
    let s = this.scenario.segments[0]!.state;
    for (const seg of this.scenario.segments) if (seg.atS * 1000 <= tMs) s = seg.state;
    return s;
  }

  private targets(tMs: number): StateTargets {
    return this.subject[this.stateAt(tMs)];
  }

  /** Integrates to tMs (no-op for earlier times). */
  private advance(tMs: number): void {
    while (this.t < tMs) {
      const step = Math.min(100, tMs - this.t);
      const tg = this.targets(this.t);
      const k = (tau: number) => 1 - Math.exp(-step / tau);
      this.cadence += (tg.cadenceSpm - this.cadence) * k(TAU_CADENCE_MS);
      this.scl += (tg.sclUs - this.scl) * k(TAU_SCL_MS);
      this.skin += (tg.skinTempC - this.skin) * k(TAU_SKIN_MS);
      this.phase += (this.cadence / 60_000) * step;
      this.t += step;
      while (this.nextScrAt <= this.t) {
        this.scrs.push({ at: this.nextScrAt, amp: this.rng.exponential(tg.scrAmplitudeUs) });
        this.nextScrAt += this.rng.exponential(60_000 / tg.scrPerMin);
      }
      while (this.nextFidgetAt <= this.t) {
        this.fidgets.push({ at: this.nextFidgetAt, amp: this.rng.uniform(0.03, 0.12) });
        this.nextFidgetAt += tg.fidgetsPerMin > 0 ? this.rng.exponential(60_000 / tg.fidgetsPerMin) : 60_000;
      }
      // Forget responses that have decayed away.
      while (this.scrs.length > 0 && this.t - this.scrs[0]!.at > 10 * SCR_DECAY_MS) this.scrs.shift();
      while (this.fidgets.length > 0 && this.t - this.fidgets[0]!.at > 3000) this.fidgets.shift();
    }
  }

  truth(tMs: number): ActivityTruth {
    this.advance(tMs);
    let phasic = 0;
    for (const r of this.scrs) phasic += scrShapeUs(r.amp, tMs - r.at);
    return { state: this.stateAt(tMs), cadenceSpm: this.cadence, skinTempC: this.skin, sclUs: this.scl, conductanceUs: this.scl + phasic };
  }

  conductanceUs(tMs: number): number {
    return this.truth(tMs).conductanceUs;
  }

  skinTempC(tMs: number): number {
    this.advance(tMs);
    return this.skin;
  }

  /** Acceleration in the sensor frame, g (gravity plus gait and fidgets), before the sensor. */
  accelerationG(tMs: number): [number, number, number] {
    this.advance(tMs);
    // Vertical gait acceleration: one heel-strike peak per step, amplitude growing with cadence.
    const amp = this.cadence < 60 ? (this.cadence / 60) * 0.2 : clamp(0.25 + (this.cadence - 100) * 0.012, 0.15, 1.2);
    // A sensor sampling slightly in the past (its sample grid) sees the phase of that moment.
    const phase = this.phase - (this.cadence * Math.max(0, this.t - tMs)) / 60_000;
    const p = 2 * Math.PI * phase;
    let vertical = amp * (Math.cos(p) + 0.35 * Math.cos(2 * p + 0.6));
    const lateral = 0.3 * amp * Math.sin(p / 2);
    for (const f of this.fidgets) {
      const d = tMs - f.at;
      if (d > 0 && d < 1500) vertical += f.amp * Math.sin((2 * Math.PI * d) / 500) * Math.sin((Math.PI * d) / 1500);
    }
    // The sensor measures specific force: 1 g along the gravity axis at rest (sign irrelevant to
    // the step counter, which uses the magnitude), scaled by the vertical gait acceleration, plus a
    // lateral sway on the horizontal axis perpendicular to gravity in the x-y plane.
    const [gx, gy, gz] = this.gravity;
    const ln = Math.hypot(gx, gy) || 1;
    return [gx * (1 + vertical) - (lateral * gy) / ln, gy * (1 + vertical) + (lateral * gx) / ln, gz * (1 + vertical)];
  }
}
