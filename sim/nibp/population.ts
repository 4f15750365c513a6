// Simulated test subjects for the NIBP evaluation, spread as ISO 81060-2 asks of a clinical
// validation population: SBP 80-200 and DBP 50-120 mmHg with a physiological pulse pressure,
// heart rate 45-140/min, and each subject's own arm (artery stiffness and compliance curve, cuff
// wrap) drawn from the seeded Rng.
import type { Rng } from '../rng.ts';
import type { ArterialSubject } from './arterial-source.ts';
import { randomArtery, type ArteryParams } from './brachial-artery.ts';
import { ADULT_CUFF, type CuffParams } from './cuff.ts';

export interface NibpSubject {
  id: number;
  pressure: ArterialSubject;
  artery: ArteryParams;
  cuff: CuffParams;
}

/** Draws one subject. */
export function randomSubject(id: number, rng: Rng): NibpSubject {
  let sbp = 0;
  let dbp = 0;
  for (;;) {
    sbp = rng.uniform(80, 200);
    // Pulse pressure widens with systolic pressure (stiffer arteries in hypertension and age).
    const pp = rng.uniform(Math.max(25, 0.25 * sbp), Math.min(95, 0.55 * sbp));
    dbp = sbp - pp;
    if (dbp >= 50 && dbp <= 120 && dbp < sbp - 20) break;
  }
  const heartRateBpm = rng.uniform(45, 140);
  const pressure: ArterialSubject = {
    systolicMmHg: round1(sbp),
    diastolicMmHg: round1(dbp),
    heartRateBpm: round1(heartRateBpm),
    respirationRatePerMin: rng.uniform(10, 20),
    respiratorySwingMmHg: rng.uniform(1, 4),
    hrvFraction: rng.uniform(0.01, 0.05),
    beatNoiseMmHg: rng.uniform(0.5, 1.5),
  };
  // Arm size: the wrapped cuff's slack and loaded compliance vary with arm circumference.
  const arm = Math.exp(rng.normal(0, 0.15));
  const cuff: CuffParams = {
    slackMl: ADULT_CUFF.slackMl * arm,
    slackKneeMmHg: ADULT_CUFF.slackKneeMmHg,
    loadedComplianceMlPerMmHg: ADULT_CUFF.loadedComplianceMlPerMmHg * arm,
  };
  return { id, pressure, artery: randomArtery(rng, sbp - dbp), cuff };
}

export function randomSubjects(count: number, rng: Rng): NibpSubject[] {
  return Array.from({ length: count }, (_, i) => randomSubject(i + 1, rng.fork(`subject-${i + 1}`)));
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
