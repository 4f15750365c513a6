import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPatient } from '../../sim/patient/patient.ts';
import { getScenario, scenarioNames, validateScenario, ScenarioError, scenarioFromValues } from '../../sim/patient/scenarios.ts';
import { meanSd, rrIntervals, tachogramBandPower } from './patient-helpers.ts';

/** Samples the ECG at 250 Hz and finds R peaks in the waveform itself (local maxima well above the median). */
function ecgPeaks(p: ReturnType<typeof createPatient>, fromMs: number, toMs: number): { peaks: number[]; samples: number[] } {
  const samples: number[] = [];
  for (let t = fromMs; t < toMs; t += 4) samples.push(p.ecgMv(t));
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  const peaks: number[] = [];
  for (let i = 1; i + 1 < samples.length; i++) {
    const v = samples[i]!;
    if (v - median > 0.7 && v >= samples[i - 1]! && v > samples[i + 1]! && (peaks.length === 0 || fromMs + i * 4 - peaks[peaks.length - 1]! > 200)) peaks.push(fromMs + i * 4);
  }
  return { peaks, samples };
}

for (const [scenario, hr] of [['normal', 72], ['bradycardia', 42], ['tachycardia', 135]] as const) {
  test(`${scenario}: the ECG shows one R peak per beat, ${hr}/min within 3 %, at the recorded beat times`, () => {
    const p = createPatient(scenario, 11);
    const { peaks } = ecgPeaks(p, 0, 60_000);
    const beats = p.beatTimesMs().filter((t) => t >= 0 && t < 60_000);
    assert.ok(Math.abs(beats.length - hr) <= Math.max(1, 0.03 * hr), `${beats.length} beats`);
    assert.is(peaks.length, beats.length);
    // Each ECG peak within 20 ms of a recorded R peak.
    for (let i = 0; i < peaks.length; i++) assert.ok(Math.abs(peaks[i]! - beats[i]!) <= 20, `peak ${peaks[i]} vs beat ${beats[i]}`);
  });
}

test('a fixed 180/min subject gives 180 beats a minute', () => {
  const p = createPatient({ heartRateBpm: 180, systolicMmHg: 140, diastolicMmHg: 90 }, 3);
  p.ecgMv(60_000);
  const n = p.beatTimesMs().filter((t) => t < 60_000).length;
  assert.ok(Math.abs(n - 180) <= 5, `${n}`);
});

test('R wave amplitude is 1-1.6 mV above the PR segment at rest', () => {
  const p = createPatient('normal', 4);
  p.ecgMv(10_000);
  const beats = p.beatTimesMs().filter((t) => t > 1000 && t < 9000);
  const q = createPatient('normal', 4);
  for (const b of beats) {
    const iso = q.ecgMv(b - 70); // PR segment: after the P wave, before Q
    let peak = -Infinity;
    for (let t = b - 30; t <= b + 30; t += 2) peak = Math.max(peak, q.ecgMv(t));
    assert.ok(peak - iso > 1.0 && peak - iso < 1.6, `R ${peak - iso} mV`);
  }
});

test('sinus RR: mean, SD and LF/HF power ratio as configured (McSharry spectrum)', () => {
  for (const [ratio, lo, hi] of [[0.5, 0.25, 1.0], [2, 1.0, 4.0]] as const) {
    const s = scenarioFromValues({ heartRateBpm: 60, systolicMmHg: 120, diastolicMmHg: 80, hrv: { lfHfRatio: ratio, hrSdBpm: 3 } });
    const p = createPatient(s, 21);
    // One full period of the synthesised spectrum (1200 s); the 4 Hz linear resampling of the
    // tachogram damps HF a little, so the measured ratio sits slightly above the configured one.
    p.ecgMv(1_250_000);
    const beats = p.beatTimesMs().filter((t) => t >= 0 && t < 1_200_000);
    const { mean, sd } = meanSd(rrIntervals(beats));
    assert.ok(Math.abs(mean - 1000) < 20, `mean RR ${mean}`);
    assert.ok(sd / mean > 0.035 && sd / mean < 0.065, `RR cv ${sd / mean}`);
    const [lf, hf] = tachogramBandPower(beats, [[0.04, 0.15], [0.15, 0.4]]);
    assert.ok(lf! / hf! > lo && lf! / hf! < hi, `LF/HF ${lf! / hf!} for configured ${ratio}`);
  }
});

test('atrial fibrillation: irregular RR (cv > 0.15) without the LF peak; sinus cv < 0.1', () => {
  const af = createPatient('atrial-fibrillation', 5);
  const sinus = createPatient('normal', 5);
  af.ecgMv(300_000);
  sinus.ecgMv(300_000);
  const afBeats = af.beatTimesMs().filter((t) => t >= 0);
  const sBeats = sinus.beatTimesMs().filter((t) => t >= 0);
  const a = meanSd(rrIntervals(afBeats));
  const s = meanSd(rrIntervals(sBeats));
  assert.ok(a.sd / a.mean > 0.15, `AF cv ${a.sd / a.mean}`);
  assert.ok(s.sd / s.mean < 0.1, `sinus cv ${s.sd / s.mean}`);
  assert.ok(Math.abs(60_000 / a.mean - 110) < 8, `AF rate ${60_000 / a.mean}`);
  // Share of RR variance in the narrow Mayer-wave band around 0.1 Hz.
  const share = (beats: number[]) => {
    const [peak, all] = tachogramBandPower(beats, [[0.08, 0.12], [0.01, 1.5]]);
    return peak! / all!;
  };
  assert.ok(share(sBeats) > 0.2, `sinus LF share ${share(sBeats)}`);
  assert.ok(share(afBeats) < 0.1, `AF LF share ${share(afBeats)}`);
  assert.is(af.truth(1000).rhythm, 'atrial-fibrillation');
});

test('asystole: no beats after onset, a flat ECG, pressure falls; truth reports no heart rate', () => {
  const p = createPatient('asystole', 6);
  const { peaks, samples } = ecgPeaks(p, 0, 30_000);
  const beats = p.beatTimesMs();
  assert.ok(beats.length >= 10, `${beats.length} beats before onset`);
  assert.ok(beats.every((t) => t < 10_000), `beat after onset: ${beats[beats.length - 1]}`);
  assert.ok(peaks.every((t) => t < 10_500));
  const late = samples.slice(12_000 / 4);
  assert.ok(Math.max(...late) - Math.min(...late) < 0.3, 'ECG flat in asystole');
  assert.is(p.truth(20_000).heartRateBpm, 0);
  assert.is(p.truth(20_000).rhythm, 'asystole');
  assert.ok(p.arterialPressureMmHg(25_000) < 30);
  assert.is(p.truth(5_000).heartRateBpm, 72);
});

test('arterial pressure swings between DBP and SBP with mean = MAP; truth is exact', () => {
  const p = createPatient('normal', 7);
  let sum = 0, n = 0, max = -Infinity, min = Infinity;
  for (let t = 0; t < 60_000; t += 2) {
    const v = p.arterialPressureMmHg(t);
    sum += v; n++;
    max = Math.max(max, v);
    min = Math.min(min, v);
  }
  const tr = p.truth(30_000);
  assert.is(tr.systolicMmHg, 118);
  assert.is(tr.diastolicMmHg, 76);
  assert.ok(Math.abs(tr.meanArterialMmHg - (76 + 42 / 3)) < 1e-9);
  assert.ok(Math.abs(sum / n - tr.meanArterialMmHg) < 1, `mean ${sum / n}`);
  assert.ok(Math.abs(max - 118) < 2.5 && Math.abs(min - 76) < 2.5, `${min}..${max}`);
});

test('hypertensive crisis: the pressure wave itself climbs to 190/120 with MAP 143', () => {
  const p = createPatient('hypertensive-crisis', 2);
  let sum = 0, n = 0, max = -Infinity, min = Infinity;
  for (let t = 0; t < 1_060_000; t += 2) {
    const v = p.arterialPressureMmHg(t);
    if (t < 1_000_000) continue;
    sum += v; n++;
    max = Math.max(max, v);
    min = Math.min(min, v);
  }
  assert.ok(Math.abs(sum / n - (120 + 70 / 3)) < 1.5, `mean ${sum / n}`);
  assert.ok(Math.abs(max - 190) < 2.5 && Math.abs(min - 120) < 2.5, `${min}..${max}`);
  assert.ok(Math.abs(p.truth(1_030_000).heartRateBpm - 96) < 1e-9);
});

test('the PPG pulse arrives 180-340 ms after the R peak, earlier at high pressure', () => {
  const arrival = (sbp: number, dbp: number) => {
    const p = createPatient({ heartRateBpm: 60, systolicMmHg: sbp, diastolicMmHg: dbp }, 8);
    const xs: number[] = [];
    for (let t = 0; t < 20_000; t += 2) xs.push(p.ppg(t));
    const beats = p.beatTimesMs().filter((t) => t > 1000 && t < 18_000);
    // Delay from each R peak to the PPG's systolic maximum within the beat
    const delays = beats.map((b) => {
      let best = b, v = -Infinity;
      for (let t = b; t < b + 700; t += 2) if (xs[t / 2 | 0]! > v) { v = xs[t / 2 | 0]!; best = t; }
      return best - b;
    });
    return meanSd(delays).mean;
  };
  const normal = arrival(118, 76);
  const high = arrival(190, 120);
  assert.ok(normal > 250 && normal < 500, `normal R-to-PPG-peak ${normal}`);
  assert.ok(high < normal - 30, `high-pressure ${high} vs ${normal}`);
});

test('scenarios: the named set exists, hypertensive crisis passes 125 and 135 to 190/120', () => {
  for (const n of ['normal', 'hypertensive-crisis', 'bradycardia', 'tachycardia', 'atrial-fibrillation', 'fever', 'asystole', 'lead-off', 'cuff-leak']) assert.ok(scenarioNames().includes(n), n);
  const p = createPatient('hypertensive-crisis', 1);
  assert.is(p.truth(200_000).systolicMmHg, 125);
  assert.is(p.truth(420_000).systolicMmHg, 135);
  assert.is(p.truth(1_000_000).systolicMmHg, 190);
  assert.is(p.truth(1_000_000).diastolicMmHg, 120);
  const f = createPatient('fever', 1);
  assert.ok(Math.abs(f.truth(1800_000).coreTempC - 39.5) < 1e-9);
  assert.ok(Math.abs(f.truth(900_000).coreTempC - 38.25) < 1e-9);
  assert.equal(getScenario('lead-off').device.leadOff[0], [20_000, 35_000]);
  assert.is(getScenario('cuff-leak').device.cuffLeakMmHgPerS, 6);
});

test('bad scenario data is rejected with a ScenarioError naming the problem', () => {
  const base = { name: 'x', summary: '', keyframes: [{ atS: 0, heartRateBpm: 70, systolicMmHg: 120, diastolicMmHg: 80, coreTempC: 37 }] };
  validateScenario(base);
  const bad = (patch: object, msg: RegExp) =>
    assert.throws(() => validateScenario({ ...base, ...patch } as never), (e: unknown) => e instanceof ScenarioError && msg.test((e as Error).message));
  bad({ keyframes: [] }, /at least one keyframe/);
  bad({ keyframes: [{ ...base.keyframes[0], systolicMmHg: 70 }] }, /not plausible/);
  bad({ keyframes: [{ ...base.keyframes[0], atS: 5 }] }, /first keyframe/);
  bad({ rhythm: [{ atS: 0, rhythm: 'vfib' }] }, /unknown rhythm/);
  bad({ device: { mainsHz: 55 } }, /mainsHz/);
  bad({ device: { leadOff: [[5, 1]] } }, /lead-off/);
  assert.throws(() => getScenario('nope'), (e: unknown) => e instanceof ScenarioError);
});

test('same seed, same patient; different seed, different beats', () => {
  const run = (seed: number) => {
    const p = createPatient('normal', seed);
    const xs: number[] = [];
    for (let t = 0; t < 5000; t += 4) xs.push(p.ecgMv(t) + p.ppg(t) + p.arterialPressureMmHg(t));
    return { xs, beats: [...p.beatTimesMs()] };
  };
  assert.equal(run(3), run(3));
  assert.not.equal(run(3).beats, run(4).beats);
});

test.run();
