// EcgMonitor end to end on synthetic 10-bit AD8232-like signals: rates and flags when the signal
// is good, FAULTS (never a rate, never asystole) when leads are off, the ADC saturates, the line
// is flat or noisy; asystole only on a good signal with no beats for more than 4 s.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EcgMonitor, type EcgStatus } from '../../firmware/ecg/ecg-monitor.ts';
import { Rng } from '../../sim/rng.ts';
import { regularRr, syntheticEcg } from './synthetic-ecg.ts';

const toAdc = (v: number) => Math.max(0, Math.min(1023, Math.round(v)));

interface Segment { samples: ArrayLike<number>; leadOff?: boolean }

/** Runs segments through a monitor; returns the status every 100 ms with its time. */
function play(fs: number, segments: Segment[]): Array<{ tMs: number; s: EcgStatus }> {
  const m = new EcgMonitor({ samplingFrequencyHz: fs, railLowCounts: 0, railHighCounts: 1023 });
  const out: Array<{ tMs: number; s: EcgStatus }> = [];
  const every = Math.round(fs / 10);
  let n = 0;
  for (const seg of segments) {
    for (let i = 0; i < seg.samples.length; i++) {
      m.push(toAdc(seg.samples[i]!), seg.leadOff ?? false);
      if (++n % every === 0) out.push({ tMs: (n * 1000) / fs, s: m.status() });
    }
  }
  return out;
}

const ecg = (fs: number, seconds: number, rrMs = 800, seed = 1) =>
  syntheticEcg({ samplingFrequencyHz: fs, rrMs: regularRr(Math.ceil(seconds * 1000 / rrMs) + 2, rrMs, 20, seed), durationMs: seconds * 1000, seed }).samples;
const constant = (fs: number, seconds: number, v: number) => new Float64Array(Math.round(fs * seconds)).fill(v);
const noise = (fs: number, seconds: number, sd: number, seed = 5) => { const r = new Rng(seed); return Float64Array.from({ length: Math.round(fs * seconds) }, () => 512 + r.normal(0, sd)); };
const between = (trace: Array<{ tMs: number; s: EcgStatus }>, a: number, b: number) => trace.filter((x) => x.tMs > a && x.tMs <= b).map((x) => x.s);
const kinds = (ss: EcgStatus[]) => [...new Set(ss.map((s) => (s.kind === 'fault' ? `fault:${s.fault}` : s.kind)))];

test('a good ECG gives a heart rate at 100, 125, 250, 360 and 500 Hz, no flags', () => {
  for (const fs of [100, 125, 250, 360, 500]) {
    const trace = play(fs, [{ samples: ecg(fs, 30, 800) }]);
    const late = between(trace, 8000, 30000);
    assert.equal(kinds(late), ['ok'], `${fs} Hz`);
    for (const s of late) {
      if (s.kind !== 'ok') continue;
      assert.ok(Math.abs(s.heartRateBpm - 75) < 3, `${fs} Hz: ${s.heartRateBpm} bpm`);
      assert.equal(s.flags, { bradycardia: false, tachycardia: false, irregular: false, asystole: false });
    }
    // Before the first rate: acquiring, never a rate or asystole.
    assert.equal(kinds(between(trace, 0, 2000)), ['acquiring'], `${fs} Hz start`);
  }
});

test('tachycardia and bradycardia flags through the whole chain', () => {
  const fast = between(play(250, [{ samples: ecg(250, 30, 420) }]), 10000, 30000);
  assert.ok(fast.every((s) => s.kind === 'ok' && s.flags.tachycardia && Math.abs(s.heartRateBpm - 60000 / 420) < 10));
  const slow = between(play(250, [{ samples: ecg(250, 40, 1400) }]), 12000, 40000);
  assert.ok(slow.every((s) => s.kind === 'ok' && s.flags.bradycardia && !s.flags.asystole));
});

test('leads off: a lead-off fault at once, never a rate, never asystole; rates return after reconnection', () => {
  for (const fs of [125, 360]) {
    const trace = play(fs, [
      { samples: ecg(fs, 10, 800, 1) },
      { samples: constant(fs, 12, 1023), leadOff: true }, // AD8232 output at the rail with a lead off
      { samples: noise(fs, 3, 80), leadOff: true }, // or wandering
      { samples: ecg(fs, 20, 800, 2) },
    ]);
    const off = between(trace, 10000, 25000);
    assert.equal(kinds(off), ['fault:lead-off'], `${fs} Hz during lead-off`);
    // Reconnected: relearn, then a rate; no asystole from the gap.
    const after = between(trace, 25000, 45000);
    assert.not.ok(after.some((s) => s.kind === 'asystole'), `${fs} Hz: asystole after reconnection ${kinds(after)}`);
    assert.equal(kinds(between(trace, 33000, 45000)), ['ok'], `${fs} Hz after reconnection`);
  }
});

test('saturated ADC and flat line are faults, not asystole', () => {
  const fs = 250;
  const sat = play(fs, [{ samples: ecg(fs, 10) }, { samples: constant(fs, 15, 0) }]);
  const satKinds = kinds(between(sat, 11100, 25000));
  assert.equal(satKinds, ['fault:saturated']);
  // Clipping on one side half of the time (baseline shifted up to the rail).
  const shifted = ecg(fs, 10).map((v) => v + 560);
  assert.equal(kinds(between(play(fs, [{ samples: ecg(fs, 10) }, { samples: shifted }]), 11100, 20000)), ['fault:saturated']);
  const flat = play(fs, [{ samples: ecg(fs, 10) }, { samples: constant(fs, 15, 600) }]);
  assert.equal(kinds(between(flat, 11100, 25000)), ['fault:flat']);
  // Within the first second of the failure the status may still be the last good one, but never asystole.
  assert.not.ok([...between(sat, 10000, 25000), ...between(flat, 10000, 25000)].some((s) => s.kind === 'asystole'));
});

test('mains hum and heavy broadband noise are a noisy fault, not a rate', () => {
  for (const [fs, hz] of [[250, 50], [360, 60], [500, 60]] as const) {
    const x = ecg(fs, 20).map((v, i) => v + 120 * Math.sin((2 * Math.PI * hz * i) / fs));
    assert.equal(kinds(between(play(fs, [{ samples: x }]), 2000, 20000)), ['fault:noisy'], `${hz} Hz hum at ${fs} Hz`);
  }
  const r = new Rng(9);
  const emg = ecg(360, 20).map((v) => v + r.normal(0, 60));
  assert.equal(kinds(between(play(360, [{ samples: emg }]), 2000, 20000)), ['fault:noisy']);
});

test('asystole: good signal, no beats -> asystole after 4 s (not before), held while it lasts', () => {
  for (const fs of [100, 250, 500]) {
    const beats = syntheticEcg({ samplingFrequencyHz: fs, rrMs: regularRr(12, 800, 20), durationMs: 30_000, noiseCounts: 2 });
    const last = beats.rPeaksMs[beats.rPeaksMs.length - 1]!;
    const trace = play(fs, [{ samples: beats.samples }]);
    assert.equal(kinds(between(trace, 5000, last + 3900)), ['ok'], `${fs} Hz before`);
    const onset = trace.find((x) => x.s.kind === 'asystole');
    assert.ok(onset && onset.tMs > last + 4000 && onset.tMs < last + 4300, `${fs} Hz onset ${onset?.tMs} vs last beat ${last}`);
    assert.equal(kinds(between(trace, last + 4300, 30000)), ['asystole'], `${fs} Hz held`);
  }
});

test('an implausible rate (artefact pulses every 220 ms) is a noisy fault, not 270/min', () => {
  const fs = 250;
  const x = syntheticEcg({ samplingFrequencyHz: fs, rrMs: Array(120).fill(220), tRelative: 0, noiseCounts: 1 }).samples;
  const late = between(play(fs, [{ samples: x }]), 6000, 25000);
  assert.ok(late.length > 0);
  assert.equal(kinds(late), ['fault:noisy']);
});

test('AF-like rhythm is flagged irregular through the whole chain; regular sinus is not', () => {
  const fs = 250;
  const rng = new Rng(11);
  const rr = Array.from({ length: 90 }, () => rng.uniform(450, 1000));
  const x = syntheticEcg({ samplingFrequencyHz: fs, rrMs: rr, seed: 4 }).samples;
  const late = between(play(fs, [{ samples: x }]), 40000, 60000);
  const flagged = late.filter((s) => s.kind === 'ok' && s.flags.irregular).length;
  assert.ok(late.length > 0 && flagged >= 0.9 * late.length, `${flagged}/${late.length} irregular`);
  const reg = between(play(fs, [{ samples: ecg(fs, 60, 800) }]), 40000, 60000);
  assert.ok(reg.every((s) => s.kind === 'ok' && !s.flags.irregular));
});

test.run();
