// Blood volume at the fingertip (the photoplethysmogram before any sensor): each beat arrives a
// pulse arrival time after the R peak (~250 ms at normal pressure, shorter when pressure is high,
// as the stiffer arterial wall carries the wave faster), rises to a systolic peak, falls through a
// dicrotic notch to a smaller reflected (diastolic) wave and decays to the next foot.
import type { BeatCursor, BeatTrain } from './rr-process.ts';
import { PulseShape } from './pulse-shape.ts';
import type { PressureSource } from './arterial.ts';

const bump = (p: number, at: number, w: number) => Math.exp(-(((p - at) / w) ** 2));

function rawPpg(p: number): number {
  // Systolic wave (faster rise than fall), reflected diastolic wave after the notch.
  const sys = p < 0.2 ? bump(p, 0.2, 0.09) : bump(p, 0.2, 0.13);
  return sys + 0.42 * bump(p, 0.47, 0.09) + 0.25 * (1 - p) * (p > 0.2 ? 1 : p / 0.2);
}

export const PPG_SHAPE = new PulseShape(rawPpg);

/** Pulse arrival time from the R peak to the finger, ms, as a function of MAP. */
export function pulseArrivalMs(mapMmHg: number): number {
  return Math.min(340, Math.max(180, 250 - 1.5 * (mapMmHg - 93)));
}

/** Baseline and pulsatile share of the PPG's 0..1 range. */
const PPG_BASE = 0.35;
const PPG_PULSE = 0.4;

export class FingerPpg {
  private readonly cursor: BeatCursor = { k: 0 };

  constructor(
    private readonly beats: BeatTrain,
    private readonly vitals: PressureSource,
    private readonly respiratoryHz: number,
    private readonly respiratoryPhase: number,
  ) {}

  ppg(tMs: number): number {
    const sbp = this.vitals.systolicMmHg(tMs);
    const dbp = this.vitals.diastolicMmHg(tMs);
    const tb = tMs - pulseArrivalMs(dbp + (sbp - dbp) / 3);
    const i = this.beats.locate(tb, this.cursor);
    const t0 = this.beats.beatAt(i);
    // Breathing modulates the venous volume a little: a slow baseline shift.
    const base = PPG_BASE + 0.03 * Math.sin(2 * Math.PI * this.respiratoryHz * tMs * 0.001 + this.respiratoryPhase);
    if (tb < t0) return base;
    const gap = this.beats.beatAt(i + 1) - t0;
    const rr = this.beats.nominalAt(i);
    const tau = tb - t0;
    // Pulse amplitude grows a little with pulse pressure.
    const amp = PPG_PULSE * Math.min(1.3, Math.max(0.6, (sbp - dbp) / 42));
    if (gap <= rr * 1.0001) return base + amp * PPG_SHAPE.at(tau / gap);
    return base + amp * PPG_SHAPE.at(Math.min(1, tau / rr));
  }
}
