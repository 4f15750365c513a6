// Rhythm analysis on constructed RR sequences: rate from the median, brady/tachycardia limits,
// asystole after 4 s, AF-like irregularity against regular and patterned rhythms.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { irregularityMetrics, isIrregular, RhythmAnalyzer } from '../../firmware/ecg/rhythm.ts';
import { Rng } from '../../sim/rng.ts';

/** Feeds beats with the given RR intervals (first beat at 1000 ms); returns the analyzer and last beat time. */
function feed(rr: number[]): [RhythmAnalyzer, number] {
  const a = new RhythmAnalyzer();
  let t = 1000;
  a.addBeat(t);
  for (const r of rr) a.addBeat((t += r));
  return [a, t];
}

const af = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.uniform(400, 1000));
const sinus = (rng: Rng, n: number, mean = 800, sd = 30) => Array.from({ length: n }, () => rng.normal(mean, sd));

test('heart rate is 60000 / median RR; one missed or extra beat does not move it', () => {
  const [a, t] = feed([800, 800, 800, 1600, 800, 800, 800, 400, 800]);
  const r = a.report(t);
  assert.is(r.heartRateBpm, 75);
  assert.is(r.lastRrMs, 800);
  assert.is(r.medianRrMs, 800);
  const [b, tb] = feed([800]);
  assert.is(b.report(tb).heartRateBpm, undefined, 'one interval is not a rate');
});

test('bradycardia below 50/min and tachycardia above 120/min, not at the limits', () => {
  const flags = (rr: number) => { const [a, t] = feed(Array(10).fill(rr)); return a.report(t).flags; };
  assert.equal([flags(1250).bradycardia, flags(1250).tachycardia], [true, false]); // 48/min
  assert.ok(flags(1300).bradycardia); // 46/min
  assert.not.ok(flags(1200).bradycardia); // exactly 50/min
  assert.ok(flags(450).tachycardia); // 133/min
  assert.not.ok(flags(500).tachycardia); // exactly 120/min
  assert.not.ok(flags(800).tachycardia || flags(800).bradycardia);
});

test('asystole after more than 4 s without a beat, measured from the last beat or the start', () => {
  const [a, t] = feed([800, 800, 800]);
  assert.not.ok(a.report(t + 4000).flags.asystole);
  assert.ok(a.report(t + 4001).flags.asystole);
  const fresh = new RhythmAnalyzer();
  fresh.reset(10_000);
  assert.not.ok(fresh.report(13_000).flags.asystole);
  assert.ok(fresh.report(14_500).flags.asystole);
  assert.is(fresh.report(14_500).msSinceLastBeat, 4500);
});

test('AF-like random RR is irregular; sinus rhythm with normal variability is not', () => {
  const rng = new Rng(42);
  let afHits = 0, sinusHits = 0;
  const trials = 300;
  for (let i = 0; i < trials; i++) {
    const [a, t] = feed(af(rng, 40));
    if (a.report(t).flags.irregular) afHits++;
    const [s, ts] = feed(sinus(rng, 40));
    if (s.report(ts).flags.irregular) sinusHits++;
  }
  assert.ok(afHits / trials >= 0.95, `AF detected in ${afHits}/${trials}`);
  assert.is(sinusHits, 0, `sinus called irregular ${sinusHits}/${trials}`);
});

test('patterned rhythms are not AF: bigeminy, trigeminy, sinus with 2 PVCs, 2:1 block alternation', () => {
  const rng = new Rng(7);
  const cases: Record<string, number[]> = {
    bigeminy: Array.from({ length: 40 }, (_, i) => (i % 2 ? 520 : 1080) + rng.normal(0, 10)),
    trigeminy: Array.from({ length: 40 }, (_, i) => [500, 1000, 800][i % 3]! + rng.normal(0, 10)),
    'sinus + 2 PVCs': (() => { const x = sinus(rng, 40); x[12] = 480; x[13] = 1120; x[30] = 470; x[31] = 1130; return x; })(),
    'sinus arrhythmia (respiratory)': Array.from({ length: 40 }, (_, i) => 850 + 60 * Math.sin(i / 2.5)),
  };
  for (const [name, rr] of Object.entries(cases)) {
    const [a, t] = feed(rr);
    const r = a.report(t);
    assert.not.ok(r.flags.irregular, `${name}: ${JSON.stringify(r.irregularity)}`);
  }
});

test('frequent isolated PVCs (every 4th beat, compensatory pauses) are left out, not called AF', () => {
  const rng = new Rng(8);
  const rr: number[] = [];
  for (let i = 0; i < 40; i++) {
    if (i % 4 === 2) rr.push(rng.normal(480, 10), rng.normal(1120, 10));
    else rr.push(rng.normal(800, 25));
  }
  const [a, t] = feed(rr);
  const r = a.report(t);
  assert.ok(r.irregularity !== undefined && r.irregularity.ectopicIntervals >= 12, JSON.stringify(r.irregularity));
  assert.not.ok(r.flags.irregular);
  assert.ok(Math.abs(r.heartRateBpm! - 75) < 5);
});

test('irregularity needs 32 intervals; metrics are what the definitions say', () => {
  const rng = new Rng(3);
  const rr = af(rng, 31);
  const [a, t] = feed(rr);
  assert.is(a.report(t).irregularity, undefined);
  a.addBeat(t + 700);
  assert.ok(a.report(t + 700).irregularity !== undefined);
  // Alternating sequence: every inner point is a turning point.
  const m = irregularityMetrics([1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2], 0)!;
  assert.is(m.turningPointRatio, 1);
  assert.is(m.normalizedRmssd, 1 / 1.5);
  assert.is(m.shannonEntropy, Math.log(2) / Math.log(16)); // two equally full bins
  assert.not.ok(isIrregular(m));
});

test('reset forgets intervals (a fault must not leave RR spanning it)', () => {
  const [a, t] = feed(Array(20).fill(800));
  a.reset(t + 100);
  const r = a.report(t + 200);
  assert.is(r.heartRateBpm, undefined);
  assert.equal(a.intervals(), []);
});

test.run();
