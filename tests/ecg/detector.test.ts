// The streaming QRS detector on synthetic ECG at 100..500 Hz: every beat found, none invented,
// R peaks timed to a few ms, any amplitude scale, relearning after an amplitude drop, silence
// after the heart stops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QrsDetector, type QrsBeat } from '../../firmware/ecg/pan-tompkins.ts';
import { matchBeats, regularRr, syntheticEcg, type SyntheticEcgOptions } from './synthetic-ecg.ts';

const RATES = [100, 125, 250, 360, 500];

function run(samples: ArrayLike<number>, fs: number): QrsBeat[] {
  const beats: QrsBeat[] = [];
  const d = new QrsDetector({ samplingFrequencyHz: fs, onBeat: (b) => beats.push(b) });
  for (let i = 0; i < samples.length; i++) d.push(samples[i]!);
  d.flush();
  return beats;
}

function check(o: SyntheticEcgOptions, label: string, maxErrMs = 15): ReturnType<typeof matchBeats> {
  const e = syntheticEcg(o);
  const beats = run(e.samples, o.samplingFrequencyHz);
  // The first 2 s are the learning phase.
  const m = matchBeats(e.rPeaksMs, beats.map((b) => b.timeMs), 75, 2300);
  assert.is(m.fn, 0, `${label}: missed beats`);
  assert.is(m.fp, 0, `${label}: false detections`);
  assert.ok(m.maxErrMs <= maxErrMs, `${label}: R-peak timing error ${m.maxErrMs.toFixed(1)} ms`);
  assert.ok(m.tp >= 0.9 * e.rPeaksMs.filter((t) => t > 2300).length && m.tp >= 20, label);
  return m;
}

test('every beat found and none invented at 100, 125, 250, 360 and 500 Hz (HRV, noise, baseline wander, tall T waves)', () => {
  for (const fs of RATES) {
    check({ samplingFrequencyHz: fs, rrMs: regularRr(120, 800, 50), tRelative: 0.6, noiseCounts: 6, wanderCounts: 60 }, `${fs} Hz`);
  }
});

test('tachycardia (190/min) and bradycardia (35-50/min, late tall T waves) are followed beat by beat at every rate', () => {
  for (const fs of RATES) {
    check({ samplingFrequencyHz: fs, rrMs: regularRr(150, 315, 8) }, `${fs} Hz tachy`);
    for (const rr of [1200, 1700]) {
      for (const tRelative of [0.3, 0.7]) check({ samplingFrequencyHz: fs, rrMs: regularRr(40, rr, 40), tRelative }, `${fs} Hz brady RR ${rr} ms, T ${tRelative} R`);
    }
  }
});

test('scale invariant: the same ECG in volts, counts or x1000 counts gives the same beats; inverted QRS works', () => {
  const base = syntheticEcg({ samplingFrequencyHz: 250, rrMs: regularRr(80, 750, 40) });
  const ref = run(base.samples, 250).map((b) => b.sampleIndex);
  for (const k of [1e-3, 1000]) {
    const scaled = base.samples.map((v) => v * k);
    assert.equal(run(scaled, 250).map((b) => b.sampleIndex), ref, `scale ${k}`);
  }
  check({ samplingFrequencyHz: 250, rrMs: regularRr(80, 750, 40), polarity: -1 }, 'inverted');
});

test('irregular rhythm with ectopic-like amplitude changes: all beats found', () => {
  // AF-like RR (uniform 400-1100 ms) and beat amplitudes varying 0.6..1.4.
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rr = Array.from({ length: 150 }, () => 400 + 700 * rnd());
  const amps = Array.from({ length: 151 }, () => 0.6 + 0.8 * rnd());
  for (const fs of [125, 360]) check({ samplingFrequencyHz: fs, rrMs: rr, beatScale: (i) => amps[i]! }, `${fs} Hz AF-like`);
});

test('a lasting 5x drop in QRS amplitude is relearnt within a few beats', () => {
  for (const fs of [100, 360]) {
    const e = syntheticEcg({ samplingFrequencyHz: fs, rrMs: regularRr(100, 800, 30), beatScale: (i) => (i < 40 ? 1 : 0.2), noiseCounts: 1 });
    const beats = run(e.samples, fs).map((b) => b.timeMs);
    const after = e.rPeaksMs[40]!;
    const missed = matchBeats(e.rPeaksMs, beats, 75, after).fn;
    assert.ok(missed <= 4, `${fs} Hz: ${missed} beats missed after the drop`);
    assert.is(matchBeats(e.rPeaksMs, beats, 75, after + 6000).fn, 0, `${fs} Hz: still missing beats 6 s after the drop`);
  }
});

test('after the heart stops, noise alone produces no beats', () => {
  for (const fs of RATES) {
    const e = syntheticEcg({ samplingFrequencyHz: fs, rrMs: regularRr(15, 800, 30), durationMs: 40_000, noiseCounts: 3, wanderCounts: 10 });
    const last = e.rPeaksMs[e.rPeaksMs.length - 1]!;
    const late = run(e.samples, fs).filter((b) => b.timeMs > last + 300);
    assert.is(late.length, 0, `${fs} Hz: ${late.length} beats invented in ${((40_000 - last) / 1000).toFixed(0)} s of noise`);
  }
});

test('beats are reported in time order with RR intervals in ms', () => {
  const e = syntheticEcg({ samplingFrequencyHz: 500, rrMs: regularRr(30, 1000, 0) });
  const beats = run(e.samples, 500);
  for (let i = 1; i < beats.length; i++) {
    assert.ok(beats[i]!.sampleIndex > beats[i - 1]!.sampleIndex);
    assert.ok(Math.abs(beats[i]!.rrMs! - 1000) < 5, `rr ${beats[i]!.rrMs}`);
  }
});

test('rejects a sampling rate it cannot serve', () => {
  assert.throws(() => new QrsDetector({ samplingFrequencyHz: 20 }), /sampling frequency/);
});

test.run();
