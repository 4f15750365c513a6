// The simulated patient: scenario trajectories, the beat train, and the signals the sensor models
// read (ECG at the electrodes, PPG at the finger, arterial pressure under the cuff, core
// temperature). Times must be non-decreasing per signal; truth() may be asked at any time.
import type { DeviceConditions, PatientSignals, Rhythm, VitalTruth } from '../physiology.ts';
import { Rng } from '../rng.ts';
import { ArterialPressure } from './arterial.ts';
import { Ecgsyn } from './ecgsyn.ts';
import { FingerPpg } from './ppg.ts';
import { BeatTrain, type RhythmSource } from './rr-process.ts';
import { getScenario, scenarioFromValues, type FixedVitals, type Scenario } from './scenarios.ts';
import { Trajectory } from './trajectory.ts';

export interface PatientOptions {
  /**
   * ECGSYN integration rate, Hz (default 500). Fixed-step RK4 at 250 Hz stays within 1 µV of a
   * 2 kHz integration; the rate matters for readers between grid points, which get linear
   * interpolation.
   */
  ecgFsHz?: number;
}

/** Breathing swings arterial pressure by this much either way, mmHg (truth is the mean). */
const RESPIRATORY_BP_MMHG = 1.5;

export class Patient implements PatientSignals, RhythmSource {
  readonly scenario: Scenario;
  readonly device: DeviceConditions;
  private readonly hr: Trajectory;
  private readonly sbp: Trajectory;
  private readonly dbp: Trajectory;
  private readonly temp: Trajectory;
  private readonly rhythmAtS: Float64Array;
  private readonly rhythms: Rhythm[];
  private readonly beats: BeatTrain;
  private readonly ecg: Ecgsyn;
  private readonly arterial: ArterialPressure;
  private readonly finger: FingerPpg;
  private latestMs = 0;

  constructor(scenario: Scenario, rng: Rng, opts: PatientOptions = {}) {
    this.scenario = scenario;
    this.device = scenario.device;
    const track = (pick: (k: Scenario['keyframes'][number]) => number) => new Trajectory(scenario.keyframes.map((k) => [k.atS * 1000, pick(k)] as const));
    this.hr = track((k) => k.heartRateBpm);
    this.sbp = track((k) => k.systolicMmHg);
    this.dbp = track((k) => k.diastolicMmHg);
    this.temp = track((k) => k.coreTempC);
    this.rhythmAtS = Float64Array.from(scenario.rhythm, (r) => r.atS);
    this.rhythms = scenario.rhythm.map((r) => r.rhythm);
    this.beats = new BeatTrain(this, scenario.hrv, rng.fork('beats'));
    const ph = rng.fork('phases');
    const phases = [ph.uniform(0, 2 * Math.PI), ph.uniform(0, 2 * Math.PI), ph.uniform(0, 2 * Math.PI)] as const;
    const pressures = { systolicMmHg: (t: number) => this.sbp.at(t), diastolicMmHg: (t: number) => this.dbp.at(t) };
    const respHz = scenario.hrv.respiratoryHz;
    this.ecg = new Ecgsyn(this.beats, {
      fsHz: opts.ecgFsHz ?? 500,
      respiratoryHz: respHz,
      meanHeartRateBpm: (t) => this.hr.at(t),
      atrialFibrillation: (t) => this.rhythm(t) === 'atrial-fibrillation',
      phases,
    });
    this.arterial = new ArterialPressure(this.beats, pressures, respHz, RESPIRATORY_BP_MMHG, phases[0]);
    this.finger = new FingerPpg(this.beats, pressures, respHz, phases[0]);
  }

  heartRateBpm(tMs: number): number {
    return this.hr.at(tMs);
  }

  rhythm(tMs: number): Rhythm {
    const s = tMs / 1000;
    let i = 0;
    while (i + 1 < this.rhythmAtS.length && this.rhythmAtS[i + 1]! <= s) i++;
    return this.rhythms[i]!;
  }

  asystoleEndsMs(tMs: number): number {
    for (let i = 0; i < this.rhythms.length; i++) {
      const start = this.rhythmAtS[i]! * 1000;
      const end = i + 1 < this.rhythms.length ? this.rhythmAtS[i + 1]! * 1000 : Number.POSITIVE_INFINITY;
      if (end <= tMs) continue;
      if (this.rhythms[i] !== 'asystole') return Math.max(start, tMs);
    }
    return Number.POSITIVE_INFINITY;
  }

  coreTempC(tMs: number): number {
    return this.temp.at(tMs);
  }

  truth(tMs: number): VitalTruth {
    const rhythm = this.rhythm(tMs);
    const coreTempC = this.temp.at(tMs);
    if (rhythm === 'asystole') {
      // No beats, no pulse: the pressure that remains is what the arteries still hold.
      const p = this.arterial.pressureMmHg(tMs);
      return { heartRateBpm: 0, rhythm, systolicMmHg: p, diastolicMmHg: p, meanArterialMmHg: p, coreTempC };
    }
    const systolicMmHg = this.sbp.at(tMs);
    const diastolicMmHg = this.dbp.at(tMs);
    return {
      heartRateBpm: this.hr.at(tMs),
      rhythm,
      systolicMmHg,
      diastolicMmHg,
      meanArterialMmHg: diastolicMmHg + (systolicMmHg - diastolicMmHg) / 3,
      coreTempC,
    };
  }

  ecgMv(tMs: number): number {
    if (tMs > this.latestMs) this.latestMs = tMs;
    return this.ecg.ecgMv(tMs);
  }

  /** ecgMv over many instants (non-decreasing): out[k] = ecgMv(times[k]) for k < n. */
  ecgFill(times: Float64Array, out: Float64Array, n: number): void {
    if (n > 0 && times[n - 1]! > this.latestMs) this.latestMs = times[n - 1]!;
    this.ecg.fill(times, out, n);
  }

  ppg(tMs: number): number {
    if (tMs > this.latestMs) this.latestMs = tMs;
    return this.finger.ppg(tMs);
  }

  arterialPressureMmHg(tMs: number): number {
    if (tMs > this.latestMs) this.latestMs = tMs;
    return this.arterial.pressureMmHg(tMs);
  }

  /** R-peak times up to the latest time any signal was asked for. */
  beatTimesMs(): readonly number[] {
    return this.beats.beatsUntil(this.latestMs);
  }
}

/** A patient for a named scenario, a scenario object, or fixed values; seeded. */
export function createPatient(scenario: string | Scenario | FixedVitals, seed: number | Rng, opts: PatientOptions = {}): Patient {
  const rng = typeof seed === 'number' ? new Rng(seed) : seed;
  const s = typeof scenario === 'string' ? getScenario(scenario) : 'keyframes' in scenario ? scenario : scenarioFromValues(scenario);
  return new Patient(s, rng.fork('patient'), opts);
}
