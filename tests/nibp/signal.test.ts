// The firmware's signal-processing cores on synthetic input with known answers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { analyseEnvelope, SYSTOLIC_RATIO, DIASTOLIC_RATIO } from '../../firmware/nibp/envelope.ts';
import { BeatDetector } from '../../firmware/nibp/beat-detector.ts';
import { DC_MMHG_PER_COUNT, AC_MMHG_PER_COUNT } from '../../firmware/nibp/channels.ts';
import { Rng } from '../../sim/rng.ts';

/** An asymmetric envelope peaking at `map`: Gaussian with different widths on each side. */
function envelope(map: number, wHigh: number, wLow: number, from = 180, to = 40, step = 2.5) {
  const p: number[] = [];
  const a: number[] = [];
  for (let x = from; x >= to; x -= step) {
    p.push(x);
    const w = x > map ? wHigh : wLow;
    a.push(2 * Math.exp(-(((x - map) / w) ** 2) / 2));
  }
  return { p: Float64Array.from(p), a: Float64Array.from(a), n: p.length };
}

/** Where the Gaussian side falls to ratio r. */
const side = (map: number, w: number, r: number, sign: number) => map + sign * w * Math.sqrt(-2 * Math.log(r));

test('channel scaling follows the MPX5050 data sheet and the x20 AC gain', () => {
  // 90 mV/kPa, 4.883 mV per count -> 0.0543 kPa -> 0.407 mmHg.
  assert.ok(Math.abs(DC_MMHG_PER_COUNT - 0.40694) < 1e-4, String(DC_MMHG_PER_COUNT));
  assert.ok(Math.abs(AC_MMHG_PER_COUNT - DC_MMHG_PER_COUNT / 20) < 1e-12);
});

test('envelope: MAP at the maximum, SBP/DBP where the ratios are crossed', () => {
  const e = envelope(100, 25, 30);
  const r = analyseEnvelope(e.p, e.a, e.n, new Float64Array(3 * e.n));
  assert.ok(r.ok, JSON.stringify(r));
  if (!r.ok) return;
  assert.ok(Math.abs(r.meanArterialMmHg - 100) < 1.5, `MAP ${r.meanArterialMmHg}`);
  const sbp = side(100, 25, SYSTOLIC_RATIO, +1);
  const dbp = side(100, 30, DIASTOLIC_RATIO, -1);
  assert.ok(Math.abs(r.systolicMmHg - sbp) < 1.5, `SBP ${r.systolicMmHg} vs ${sbp.toFixed(1)}`);
  assert.ok(Math.abs(r.diastolicMmHg - dbp) < 1.5, `DBP ${r.diastolicMmHg} vs ${dbp.toFixed(1)}`);
});

test('envelope: single-beat artefacts are rejected, many are motion, truncated envelopes fail', () => {
  const e = envelope(100, 25, 30);
  const spiky = Float64Array.from(e.a);
  spiky[5] = 6; // a movement above systolic
  spiky[40] = 0.1; // a missed beat below diastolic
  const r = analyseEnvelope(e.p, spiky, e.n, new Float64Array(3 * e.n));
  const clean = analyseEnvelope(e.p, e.a, e.n, new Float64Array(3 * e.n));
  assert.ok(r.ok && clean.ok);
  if (r.ok && clean.ok) assert.ok(Math.abs(r.systolicMmHg - clean.systolicMmHg) < 1 && Math.abs(r.diastolicMmHg - clean.diastolicMmHg) < 1);
  // Two bursts of movement, each inflating two beats in the body of the envelope.
  const rng = new Rng(3);
  const moved = Float64Array.from(e.a);
  for (const i of [20, 21, 32, 33]) moved[i] = moved[i]! * rng.uniform(2, 3);
  const m = analyseEnvelope(e.p, moved, e.n, new Float64Array(3 * e.n));
  assert.equal(m.ok ? 'ok' : m.reason, 'motion');
  // A narrow bump (a few beats of movement above systolic) bigger than the real maximum.
  const bump = Float64Array.from(e.a);
  for (const i of [3, 4, 5]) bump[i] = 3;
  const nb = analyseEnvelope(e.p, bump, e.n, new Float64Array(3 * e.n));
  assert.equal(nb.ok ? 'ok' : nb.reason, 'motion');
  // Deflation started below systolic: the envelope is already large at its first beat.
  const late = envelope(100, 25, 30, 115);
  const t = analyseEnvelope(late.p, late.a, late.n, new Float64Array(3 * late.n));
  assert.equal(t.ok ? 'ok' : t.reason, 'systolic-not-found');
  const flat = analyseEnvelope(e.p, e.a.map(() => 0.1), e.n, new Float64Array(3 * e.n));
  assert.equal(flat.ok ? 'ok' : flat.reason, 'too-small');
});

test('beat detector: one beat per pulse with the right amplitude, noise and dicrotic waves ignored', () => {
  const beats: Array<{ amp: number; peak: number }> = [];
  const det = new BeatDetector({ beat: (amp, _trough, peak) => beats.push({ amp, peak }) });
  const rng = new Rng(1);
  const rrMs = 800;
  // A pulse: fast 100 ms upstroke to 1.5 mmHg, decay, a dicrotic bump of 0.2 mmHg, slow drift.
  for (let t = 0; t < 20_000; t += 20) {
    const u = t % rrMs;
    let x = u < 100 ? 1.5 * Math.sin((Math.PI / 2) * (u / 100)) : 1.5 * Math.exp(-(u - 100) / 250);
    if (u > 350 && u < 470) x += 0.2 * Math.sin((Math.PI * (u - 350)) / 120);
    x += 0.3 * Math.sin((2 * Math.PI * t) / 6000) + rng.normal(0, 0.03);
    det.sample(Math.round(x / AC_MMHG_PER_COUNT) * AC_MMHG_PER_COUNT, t);
  }
  assert.ok(beats.length >= 23 && beats.length <= 25, `${beats.length} beats`);
  for (const b of beats.slice(1)) assert.ok(b.amp > 1.3 && b.amp < 1.7, `amp ${b.amp.toFixed(2)}`);
  for (let i = 2; i < beats.length; i++) assert.ok(Math.abs(beats[i]!.peak - beats[i - 1]!.peak - rrMs) <= 40);
});

test('beat detector: a slow baseline swing is not a beat', () => {
  const beats: number[] = [];
  const det = new BeatDetector({ beat: (amp) => beats.push(amp) });
  for (let t = 0; t < 10_000; t += 20) det.sample(2 * Math.sin((2 * Math.PI * t) / 2500), t);
  assert.equal(beats, []);
});

test.run();
