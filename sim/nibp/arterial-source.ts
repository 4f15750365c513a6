// A beat-by-beat brachial pressure waveform for a subject whose true SBP/DBP/HR are set exactly:
// the evaluation needs controlled subjects, which a full patient model need not offer. Each beat
// has an upstroke, a systolic decay to the dicrotic notch, a small dicrotic wave and an
// exponential diastolic run-off; beat-to-beat variation comes from respiration (pressure and
// respiratory sinus arrhythmia), heart-rate variability and random beat noise, all from the Rng.
import type { PatientSignals, VitalTruth } from '../physiology.ts';
import { Rng } from '../rng.ts';

/** What the cuff model needs of a patient. */
export type ArterialPressureSource = Pick<PatientSignals, 'arterialPressureMmHg'>;

export interface ArterialSubject {
  systolicMmHg: number;
  diastolicMmHg: number;
  heartRateBpm: number;
  /** Breaths per minute (default 15). */
  respirationRatePerMin?: number;
  /** Respiratory swing of systolic pressure, mmHg amplitude (default 3; diastolic gets half). */
  respiratorySwingMmHg?: number;
  /** Beat-to-beat RR variability, SD as a fraction of RR (default 0.03). */
  hrvFraction?: number;
  /** Random beat-to-beat pressure noise, SD mmHg (default 1). */
  beatNoiseMmHg?: number;
  /** No pulse at all (asystole / pulseless arm): pressure stays at the mean. */
  pulseless?: boolean;
}

interface Beat {
  startMs: number;
  rrMs: number;
  systolicMmHg: number;
  /** Foot (end-diastolic) pressure at the start of this beat. */
  footMmHg: number;
  /** Foot of the next beat: the run-off ends there so the waveform is continuous. */
  nextFootMmHg: number;
}

const DIASTOLIC_TAU_S = 1.2;
const MAX_KEPT_BEATS = 512;

export class ArterialSource implements Pick<PatientSignals, 'truth' | 'arterialPressureMmHg' | 'beatTimesMs'> {
  private readonly rng: Rng;
  private readonly s: Required<ArterialSubject>;
  private readonly respPhase: number;
  private readonly beats: Beat[] = [];
  private cursor = 0;
  private pendingFoot: number;
  private readonly meanArterialMmHg: number;

  constructor(subject: ArterialSubject, rng: Rng, computeMean = true) {
    const pp = subject.systolicMmHg - subject.diastolicMmHg;
    if (!(pp > 0) || !(subject.heartRateBpm >= 20 && subject.heartRateBpm <= 250)) {
      throw new RangeError(`implausible subject ${JSON.stringify(subject)}`);
    }
    this.s = {
      respirationRatePerMin: 15,
      respiratorySwingMmHg: 3,
      hrvFraction: 0.03,
      beatNoiseMmHg: 1,
      pulseless: false,
      ...subject,
    };
    this.rng = rng;
    this.respPhase = rng.uniform(0, 2 * Math.PI);
    this.pendingFoot = this.s.diastolicMmHg;
    // The true MAP is the time average of this very waveform, measured on an identical copy.
    this.meanArterialMmHg = computeMean ? ArterialSource.timeAverage(subject, rng.seed) : NaN;
  }

  private static timeAverage(subject: ArterialSubject, seed: number): number {
    const copy = new ArterialSource(subject, new Rng(seed), false);
    let sum = 0;
    const n = 60_000;
    for (let i = 0; i < n; i++) sum += copy.arterialPressureMmHg(i);
    return sum / n;
  }

  truth(_tMs: number): VitalTruth {
    return {
      heartRateBpm: this.s.pulseless ? 0 : this.s.heartRateBpm,
      rhythm: this.s.pulseless ? 'asystole' : 'sinus',
      systolicMmHg: this.s.systolicMmHg,
      diastolicMmHg: this.s.diastolicMmHg,
      meanArterialMmHg: this.meanArterialMmHg,
      coreTempC: 37,
    };
  }

  beatTimesMs(): readonly number[] {
    return this.beats.map((b) => b.startMs);
  }

  private respiration(tMs: number): number {
    return Math.sin((2 * Math.PI * this.s.respirationRatePerMin * tMs) / 60_000 + this.respPhase);
  }

  private nextBeat(): Beat {
    const last = this.beats[this.beats.length - 1];
    const startMs = last ? last.startMs + last.rrMs : 0;
    const r = this.respiration(startMs);
    const rr0 = 60_000 / this.s.heartRateBpm;
    // Respiratory sinus arrhythmia: RR shortens on inspiration.
    const rrMs = rr0 * Math.max(0.6, 1 + this.s.hrvFraction * this.rng.normal() - 0.03 * r);
    const swing = this.s.respiratorySwingMmHg;
    const systolicMmHg = this.s.systolicMmHg + swing * r + this.rng.normal(0, this.s.beatNoiseMmHg);
    const nextFootMmHg = this.s.diastolicMmHg + 0.5 * swing * r + this.rng.normal(0, 0.5 * this.s.beatNoiseMmHg);
    const beat: Beat = { startMs, rrMs, systolicMmHg, footMmHg: this.pendingFoot, nextFootMmHg };
    this.pendingFoot = nextFootMmHg;
    this.beats.push(beat);
    if (this.beats.length > MAX_KEPT_BEATS) {
      this.beats.splice(0, MAX_KEPT_BEATS / 2);
      this.cursor = Math.max(0, this.cursor - MAX_KEPT_BEATS / 2);
    }
    return beat;
  }

  arterialPressureMmHg(tMs: number): number {
    if (this.s.pulseless) return (this.s.systolicMmHg + 2 * this.s.diastolicMmHg) / 3;
    if (this.beats.length === 0) this.nextBeat();
    // Times are non-decreasing: walk forward from the cursor, generating beats as needed.
    for (;;) {
      const b = this.beats[this.cursor]!;
      if (tMs < b.startMs + b.rrMs) return shape(b, Math.max(0, tMs - b.startMs) / 1000);
      if (this.cursor === this.beats.length - 1) this.nextBeat();
      this.cursor++;
    }
  }
}

/** Pressure `u` seconds into a beat. */
function shape(b: Beat, u: number): number {
  const rr = b.rrMs / 1000;
  const hr = 60 / rr;
  const pp = b.systolicMmHg - b.footMmHg;
  const tUp = Math.min(0.1, 0.22 * rr);
  // Left-ventricular ejection time shortens with heart rate (Weissler's regression, approx.).
  const tNotch = Math.max(tUp + 0.06, Math.min(0.41 - 0.0017 * hr, 0.45 * rr));
  const notch = b.footMmHg + 0.6 * pp;
  if (u < tUp) return b.footMmHg + (pp * (1 - Math.cos((Math.PI * u) / tUp))) / 2;
  if (u < tNotch) return notch + ((b.systolicMmHg - notch) * (1 + Math.cos((Math.PI * (u - tUp)) / (tNotch - tUp)))) / 2;
  const rest = rr - tNotch;
  const end = Math.exp(-rest / DIASTOLIC_TAU_S);
  const runoff = b.nextFootMmHg + ((notch - b.nextFootMmHg) * (Math.exp(-(u - tNotch) / DIASTOLIC_TAU_S) - end)) / (1 - end);
  const dw = Math.min(0.12, 0.5 * rest);
  const dicrotic = u - tNotch < dw ? 0.06 * pp * Math.sin((Math.PI * (u - tNotch)) / dw) : 0;
  return runoff + dicrotic;
}
