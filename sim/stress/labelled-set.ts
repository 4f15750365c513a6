// A labelled set for evaluating a stress classifier: each sample is one simulated subject in one
// state at steady state (the lags of activity.ts settled: the tonic targets, plus the phasic
// responses of the last 40 s drawn as activity.ts draws them), with the measurement
// error of the sensor chain added, and the label the state implies:
//   rest -> low, walking (everyday activity) -> normal, exercise -> normal, acute stress -> high.
// Measurement error (from the models in this folder): step counting ±3 % and a few false steps a
// minute from fidgeting when not walking; conductance ±3 % (bridge trimming, electrode contact);
// the skin LM35's part offset (SD 0.15 °C).
import type { Rng } from '../rng.ts';
import { ACTIVITY_STATES, drawStressSubject, SCR_DECAY_MS, scrShapeUs, type ActivityState } from './activity.ts';

export type StressLabel = 'low' | 'normal' | 'high';

export const LABEL_OF_STATE: Record<ActivityState, StressLabel> = { rest: 'low', walking: 'normal', exercise: 'normal', 'acute-stress': 'high' };

export interface LabelledSample {
  state: ActivityState;
  label: StressLabel;
  stepsPerMin: number;
  skinConductanceUs: number;
  skinTempC: number;
}

export function labelledSample(rng: Rng, state: ActivityState): LabelledSample {
  const subject = drawStressSubject(rng.fork('subject'));
  const tg = subject[state];
  let phasic = 0;
  for (let d = rng.exponential(60_000 / tg.scrPerMin); d < 10 * SCR_DECAY_MS; d += rng.exponential(60_000 / tg.scrPerMin)) phasic += scrShapeUs(rng.exponential(tg.scrAmplitudeUs), d);
  const walking = tg.cadenceSpm > 60;
  const steps = walking ? tg.cadenceSpm * (1 + rng.normal(0, 0.03)) : rng.uniform(0, tg.fidgetsPerMin > 2 ? 8 : 4);
  return {
    state,
    label: LABEL_OF_STATE[state],
    stepsPerMin: Math.max(0, steps),
    skinConductanceUs: (tg.sclUs + phasic) * (1 + rng.normal(0, 0.03)),
    skinTempC: tg.skinTempC + Math.max(-0.5, Math.min(0.5, rng.normal(0, 0.15))),
  };
}

/** n samples, the states in turn (equal shares), each from its own forked stream. */
export function labelledSet(seed: Rng, n: number): LabelledSample[] {
  const out: LabelledSample[] = [];
  for (let i = 0; i < n; i++) {
    const state = ACTIVITY_STATES[i % ACTIVITY_STATES.length]!;
    out.push(labelledSample(seed.fork(`sample-${i}`), state));
  }
  return out;
}
