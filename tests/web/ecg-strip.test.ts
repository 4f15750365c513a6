// The ECG-strip payload: round trip of a simulated lead II within half a step, slew limiting that
// catches up, typed errors for malformed input, and no throw on arbitrary bytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeEcgStrip, encodeEcgStrip } from '../../server/web/ecg-strip.ts';
import { createPatient } from '../../sim/patient/patient.ts';
import { Rng } from '../../sim/rng.ts';

test('10 s of simulated lead II at 125 Hz round-trips within half a 20 µV step in 1265 bytes', () => {
  const p = createPatient('normal', 3, { ecgFsHz: 250 });
  const uv = Array.from({ length: 1250 }, (_, i) => Math.round(p.ecgMv(10_000 + i * 8) * 1000));
  const b = encodeEcgStrip({ startAt: 1_700_000_000_000, rateHz: 125, samplesUv: uv });
  assert.is(b.length, 1265);
  const d = decodeEcgStrip(b);
  assert.ok(d.ok);
  if (!d.ok) return;
  assert.is(d.value.startAt, 1_700_000_000_000);
  assert.is(d.value.rateHz, 125);
  const worst = Math.max(...uv.map((u, i) => Math.abs(u - d.value.samplesUv[i]!)));
  assert.ok(worst <= 10, `worst error ${worst} µV`);
});

test('a jump larger than one delta is slew-limited and caught up, not accumulated', () => {
  const uv = [0, 5000, 5000, 5000, 5000, 5000];
  const d = decodeEcgStrip(encodeEcgStrip({ startAt: 0, rateHz: 100, samplesUv: uv, scaleUv: 20 }));
  assert.ok(d.ok);
  if (!d.ok) return;
  assert.equal(d.value.samplesUv, [0, 2540, 5000, 5000, 5000, 5000]);
});

test('malformed payloads give typed errors', () => {
  const good = encodeEcgStrip({ startAt: 1, rateHz: 125, samplesUv: [0, 1, 2] });
  assert.is((decodeEcgStrip(good.slice(0, 5)) as { error: { code: string } }).error.code, 'truncated');
  assert.is((decodeEcgStrip(good.slice(0, -1)) as { error: { code: string } }).error.code, 'bad-length');
  const t = good.slice();
  t[1] = 0x01;
  assert.is((decodeEcgStrip(t) as { error: { code: string } }).error.code, 'bad-type');
  const r = good.slice();
  r[10] = 0;
  assert.is((decodeEcgStrip(r) as { error: { code: string } }).error.code, 'bad-rate');
  assert.throws(() => encodeEcgStrip({ startAt: 0, rateHz: 125, samplesUv: [1] }), RangeError);
});

test('arbitrary bytes never throw', () => {
  const rng = new Rng(9);
  for (let i = 0; i < 2000; i++) {
    const b = Uint8Array.from({ length: Math.floor(rng.uniform(0, 40)) }, () => Math.floor(rng.uniform(0, 256)));
    if (rng.uniform(0, 1) < 0.5 && b.length > 1) { b[0] = 1; b[1] = 2; }
    const d = decodeEcgStrip(b);
    assert.type(d.ok, 'boolean');
  }
});

test.run();
