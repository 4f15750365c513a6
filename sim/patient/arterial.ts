// Brachial arterial pressure, beat by beat: each beat's wave runs from DBP at its foot up to SBP
// and back, with a dicrotic notch at the end of ejection, shaped so the mean over a beat is
// exactly MAP = DBP + (SBP - DBP) / 3. The foot follows the R peak by a delay (pre-ejection period
// plus transit to the arm) that shortens as pressure rises. During a pause (asystole) pressure
// decays exponentially toward the mean circulatory filling pressure.
import type { BeatCursor, BeatTrain } from './rr-process.ts';
import { PulseShape } from './pulse-shape.ts';

const bump = (p: number, at: number, w: number) => Math.exp(-(((p - at) / w) ** 2));

/** Upstroke to the systolic peak at 12 % of the beat, dicrotic notch at 36 %, diastolic run-off. */
function rawArterial(p: number): number {
  if (p < 0.12) return 0.5 * (1 - Math.cos((Math.PI * p) / 0.12));
  const notch = 0.36;
  if (p < notch) return 1 - 0.3 * ((p - 0.12) / (notch - 0.12)) ** 1.3 - 0.05 * bump(p, notch, 0.02);
  const tau = 0.4;
  const run = (Math.exp(-(p - notch) / tau) - Math.exp(-(1 - notch) / tau)) / (1 - Math.exp(-(1 - notch) / tau));
  return 0.7 * run - 0.05 * bump(p, notch, 0.02) + 0.06 * bump(p, 0.43, 0.04);
}

export const ARTERIAL_SHAPE = new PulseShape(rawArterial, 1 / 3);

/** Mean circulatory filling pressure, mmHg, and the decay time constant without beats, ms. */
const FILLING_MMHG = 15;
const NO_FLOW_TAU_MS = 1500;

/** R peak to the foot of the pressure wave at the upper arm, ms, as a function of MAP. */
export function brachialDelayMs(mapMmHg: number): number {
  return Math.min(180, Math.max(80, 120 - 0.5 * (mapMmHg - 93)));
}

export interface PressureSource {
  systolicMmHg(tMs: number): number;
  diastolicMmHg(tMs: number): number;
}

export class ArterialPressure {
  private readonly cursor: BeatCursor = { k: 0 };

  constructor(
    private readonly beats: BeatTrain,
    private readonly vitals: PressureSource,
    private readonly respiratoryHz: number,
    private readonly respiratoryMmHg: number,
    private readonly respiratoryPhase: number,
  ) {}

  pressureMmHg(tMs: number): number {
    const sbp = this.vitals.systolicMmHg(tMs);
    const dbp = this.vitals.diastolicMmHg(tMs);
    const map = dbp + (sbp - dbp) / 3;
    const tb = tMs - brachialDelayMs(map);
    const i = this.beats.locate(tb, this.cursor);
    const t0 = this.beats.beatAt(i);
    const resp = this.respiratoryMmHg * Math.sin(2 * Math.PI * this.respiratoryHz * tMs * 0.001 + this.respiratoryPhase);
    if (tb < t0) return dbp + resp;
    const gap = this.beats.beatAt(i + 1) - t0;
    const rr = this.beats.nominalAt(i);
    const tau = tb - t0;
    if (gap <= rr * 1.0001) return dbp + (sbp - dbp) * ARTERIAL_SHAPE.at(tau / gap) + resp;
    if (tau < rr) return dbp + (sbp - dbp) * ARTERIAL_SHAPE.at(tau / rr) + resp;
    return FILLING_MMHG + (dbp - FILLING_MMHG) * Math.exp(-(tau - rr) / NO_FLOW_TAU_MS);
  }
}
