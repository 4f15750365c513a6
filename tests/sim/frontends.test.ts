import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../sim/rng.ts';
import { Lm35 } from '../../sim/frontends/lm35.ts';
import { Ad8232 } from '../../sim/frontends/ad8232.ts';
import { PulseSensor } from '../../sim/frontends/pulse-sensor.ts';
import { createPatient } from '../../sim/patient/patient.ts';

test('LM35 at 37 °C puts out 0.37 V within its ±0.5 °C class; the offset is per part', () => {
  const offsets = new Set<number>();
  for (let seed = 1; seed <= 20; seed++) {
    const s = new Lm35(() => 37, { rng: new Rng(seed) });
    offsets.add(s.offsetC);
    assert.ok(Math.abs(s.offsetC) <= 0.5);
    let sum = 0;
    for (let i = 0; i < 100; i++) sum += s.outputV(i * 100);
    assert.ok(Math.abs(sum / 100 - 0.37) <= 0.005 + 1e-4, `${sum / 100} V`);
    assert.ok(Math.abs(sum / 100 - 0.37 - s.offsetC / 100) < 2e-4);
  }
  assert.ok(offsets.size > 15);
});

test('LM35 follows the skin with its thermal time constant; faults drive the rails', () => {
  const s = new Lm35(() => 37, { rng: new Rng(1), offsetC: 0, initialC: 25, timeConstantS: 60, noiseMv: 0 });
  assert.ok(Math.abs(s.outputV(0) - 0.25) < 1e-9);
  assert.ok(Math.abs(s.outputV(60_000) - (0.37 - 0.12 * Math.exp(-1))) < 1e-4);
  s.fault = 'open';
  assert.is(s.outputV(61_000), 0);
  s.fault = 'short-to-supply';
  assert.is(s.outputV(62_000), 5);
});

test('AD8232: resting at Vs/2, R waves ~+1 V, always within 0..Vs even with motion bursts', () => {
  const p = createPatient('motion', 2);
  let bursts = 0;
  const fe = new Ad8232((t) => p.ecgMv(t), { rng: new Rng(3), motionBurstsPerHour: 600, mainsHz: 60, onMotionBurst: () => bursts++ });
  const xs: number[] = [];
  for (let t = 0; t < 120_000; t += 4) xs.push(fe.outputV(t));
  assert.ok(xs.every((v) => v >= 0 && v <= 3.3));
  const sorted = [...xs].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  assert.ok(Math.abs(median - 1.65) < 0.25, `median ${median}`);
  // Quiet stretch: peaks about gain x R amplitude above the baseline.
  const q = createPatient('normal', 2);
  const quiet = new Ad8232((t) => q.ecgMv(t), { rng: new Rng(3) });
  let max = 0;
  for (let t = 5000; t < 15_000; t += 2) max = Math.max(max, quiet.outputV(t));
  assert.ok(max - 1.65 > 0.8 && max - 1.65 < 1.6, `R at ${max} V`);
  // 600 bursts an hour: about 20 in two minutes (Poisson, less the bursts' own length), reaching
  // well beyond the quiet range.
  assert.ok(bursts >= 8 && bursts <= 32, `${bursts} bursts`);
  assert.ok(Math.max(...xs) - Math.min(...xs) > 2.0);
});

test('AD8232: mains hum at the configured frequency', () => {
  const hum = (mainsHz: 50 | 60) => {
    const fe = new Ad8232(() => 0, { rng: new Rng(1), mainsHz, mainsMv: 0.2, noiseMv: 0 });
    const amp = (f: number) => {
      let re = 0, im = 0;
      for (let t = 2000; t < 4000; t += 1) {
        const v = fe.outputV(t) - 1.65;
        re += v * Math.cos((2 * Math.PI * f * t) / 1000);
        im += v * Math.sin((2 * Math.PI * f * t) / 1000);
      }
      return Math.hypot(re, im);
    };
    return [amp(50), amp(60)] as const;
  };
  const [a50, a60] = hum(50);
  assert.ok(a50 > 10 * a60, `${a50} vs ${a60}`);
  const [b50, b60] = hum(60);
  assert.ok(b60 > 10 * b50);
});

test('AD8232 lead-off: LO+ and LO- high, output at the rail, recovery after reconnection', () => {
  const p = createPatient('normal', 5);
  const fe = new Ad8232((t) => p.ecgMv(t), { rng: new Rng(3), leadOff: [[10_000, 20_000]] });
  assert.is(fe.loPlus(5000), false);
  assert.is(fe.loMinus(5000), false);
  fe.outputV(9000);
  assert.is(fe.loPlus(12_000), true);
  assert.is(fe.loMinus(12_000), true);
  for (let t = 10_004; t < 20_000; t += 4) assert.ok(fe.outputV(t) >= 3.29, `${t}: ${fe.outputV(t)}`);
  assert.is(fe.loPlus(20_000), false);
  // Fast restore: baseline back near REFOUT within a second (median of 21-22 s)
  const xs: number[] = [];
  for (let t = 20_000; t < 22_000; t += 4) xs.push(fe.outputV(t));
  const late = xs.slice(250).sort((a, b) => a - b);
  assert.ok(Math.abs(late[late.length >> 1]! - 1.65) < 0.3, `median after reconnection ${late[late.length >> 1]}`);
});

test('pulse sensor: centred at Vcc/2 with the pulse; off the finger it is flat', () => {
  const p = createPatient('normal', 6);
  const s = new PulseSensor((t) => p.ppg(t), { rng: new Rng(7), offFinger: [[30_000, 40_000]] });
  const on: number[] = [], off: number[] = [];
  for (let t = 0; t < 40_000; t += 10) (t >= 5000 && t < 30_000 ? on : t >= 32_000 ? off : []).push(s.outputV(t));
  const span = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assert.ok(Math.abs(mean(on) - 2.5) < 0.1, `mean ${mean(on)}`);
  assert.ok(span(on) > 0.6 && span(on) < 2.5, `span ${span(on)}`);
  assert.ok(span(off) < 0.1, `off-finger span ${span(off)}`);
});

test.run();
