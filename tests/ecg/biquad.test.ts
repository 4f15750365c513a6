// Biquads designed at run time: Butterworth responses at every supported rate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BiquadCascade, butterworth } from '../../firmware/ecg/biquad.ts';

const db = (m: number) => 20 * Math.log10(m);

test('Butterworth low- and high-pass: -3 dB at the cutoff, flat pass band, roll-off of the order', () => {
  for (const fs of [100, 125, 250, 360, 500]) {
    const lp = new BiquadCascade(butterworth('lowpass', 4, 15, fs));
    const hp = new BiquadCascade(butterworth('highpass', 2, 5, fs));
    assert.ok(Math.abs(db(lp.response(15, fs)[0]) + 3.01) < 0.05, `${fs} Hz LP at fc`);
    assert.ok(Math.abs(db(hp.response(5, fs)[0]) + 3.01) < 0.05, `${fs} Hz HP at fc`);
    assert.ok(Math.abs(db(lp.response(2, fs)[0])) < 0.01, `${fs} Hz LP pass band`);
    assert.ok(Math.abs(db(hp.response(40, fs)[0])) < 0.1, `${fs} Hz HP pass band`);
    // 4th order: at least ~24 dB/octave well above the cutoff (bilinear warping only adds).
    assert.ok(db(lp.response(45, fs)[0]) < -35, `${fs} Hz LP stop band ${db(lp.response(45, fs)[0])}`);
  }
});

test('time-domain step matches the designed response: DC gain 1 for low-pass, 0 for high-pass', () => {
  const lp = new BiquadCascade(butterworth('lowpass', 4, 15, 250));
  const hp = new BiquadCascade(butterworth('highpass', 2, 5, 250));
  let y = 0, z = 0;
  for (let i = 0; i < 2000; i++) { y = lp.step(1); z = hp.step(1); }
  assert.ok(Math.abs(y - 1) < 1e-9);
  assert.ok(Math.abs(z) < 1e-9);
  // A 10 Hz sine passes the band-pass chain with the magnitude response() predicts.
  const bp = new BiquadCascade([...butterworth('highpass', 2, 5, 250), ...butterworth('lowpass', 4, 15, 250)]);
  let peak = 0;
  for (let i = 0; i < 5000; i++) { const v = bp.step(Math.sin((2 * Math.PI * 10 * i) / 250)); if (i > 2500) peak = Math.max(peak, Math.abs(v)); }
  assert.ok(Math.abs(peak - bp.response(10, 250)[0]) < 0.01, `${peak}`);
  assert.ok(bp.groupDelaySamples(10, 250) > 0);
});

test('rejects cutoffs outside (0, fs/2) and odd orders', () => {
  assert.throws(() => butterworth('lowpass', 4, 60, 100), /cutoff/);
  assert.throws(() => butterworth('lowpass', 3, 10, 100), /order/);
});

test.run();
