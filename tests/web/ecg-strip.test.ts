// The ECG-strip payload (protocol/readings.ts, type 0x02): round trip of a simulated lead II within
// half a step, steep jumps sent exactly (absolute escape), electrode-off samples as gaps (never a
// value), typed errors for malformed input, and no throw on arbitrary or mutated bytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeEcgStrip, encodeEcgStrip, PayloadParameterError, TYPE_ECG_STRIP } from '../../protocol/readings.ts';
import { createPatient } from '../../sim/patient/patient.ts';
import { Rng } from '../../sim/rng.ts';

const code = (r: ReturnType<typeof decodeEcgStrip>) => (r.ok ? 'ok' : r.error.code);

test('10 s of simulated lead II at 125 Hz round-trips within half a 20 µV step in about 1.3 kB', () => {
  const p = createPatient('normal', 3, { ecgFsHz: 250 });
  const uv = Array.from({ length: 1250 }, (_, i) => Math.round(p.ecgMv(10_000 + i * 8) * 1000));
  const b = encodeEcgStrip({ startAt: 1_700_000_000_000, rateHz: 125, samplesUv: uv });
  assert.is(b[1], TYPE_ECG_STRIP);
  // 14-byte header, 4 bytes for the first (absolute) sample, one byte per sample after it.
  assert.ok(b.length >= 14 + 4 + 1249 && b.length <= 14 + 4 + 1249 + 30, `${b.length} bytes`);
  const d = decodeEcgStrip(b);
  assert.ok(d.ok);
  if (!d.ok) return;
  assert.is(d.value.startAt, 1_700_000_000_000);
  assert.is(d.value.rateHz, 125);
  const worst = Math.max(...uv.map((u, i) => Math.abs(u - d.value.samplesUv[i]!)));
  assert.ok(worst <= 10, `worst error ${worst} µV`);
});

test('a jump beyond one delta is sent as an absolute value: exact, nothing to catch up', () => {
  const uv = [0, 5000, 5000, -3000, -2980, 5000];
  const d = decodeEcgStrip(encodeEcgStrip({ startAt: 0, rateHz: 100, samplesUv: uv, scaleUv: 20 }));
  assert.ok(d.ok);
  if (!d.ok) return;
  assert.equal(d.value.samplesUv, [0, 5000, 5000, -3000, -2980, 5000]);
});

test('missing samples (electrode off) decode as null, never as a value; the trace resumes exactly', () => {
  const uv: Array<number | null> = [100, 120, null, null, NaN, 900, 880, null, -40];
  const b = encodeEcgStrip({ startAt: 5, rateHz: 125, samplesUv: uv, scaleUv: 20 });
  const d = decodeEcgStrip(b);
  assert.ok(d.ok);
  if (!d.ok) return;
  assert.equal(d.value.samplesUv, [100, 120, null, null, null, 900, 880, null, -40]);
  // A strip wholly off is legal and carries no value at all.
  const off = decodeEcgStrip(encodeEcgStrip({ startAt: 5, rateHz: 125, samplesUv: [null, null, null] }));
  assert.ok(off.ok && off.value.samplesUv.every((x) => x === null));
});

test('malformed payloads give typed errors; bad encoder parameters throw PayloadParameterError', () => {
  const good = encodeEcgStrip({ startAt: 1, rateHz: 125, samplesUv: [0, 1000, 1020, null, 40] });
  assert.is(code(decodeEcgStrip(good)), 'ok');
  assert.is(code(decodeEcgStrip(good.slice(0, 5))), 'truncated');
  assert.is(code(decodeEcgStrip(good.slice(0, -1))), 'truncated');
  assert.is(code(decodeEcgStrip(Uint8Array.from([...good, 0]))), 'trailing-bytes');
  const t = good.slice();
  t[1] = 0x01;
  assert.is(code(decodeEcgStrip(t)), 'bad-type');
  const f = good.slice();
  f[0] = 2;
  assert.is(code(decodeEcgStrip(f)), 'bad-format');
  const r = good.slice();
  r[10] = 0;
  assert.is(code(decodeEcgStrip(r)), 'bad-rate');
  const n = good.slice();
  n[11] = 0xff;
  assert.is(code(decodeEcgStrip(n)), 'bad-count');
  const s = good.slice();
  s[13] = 0;
  assert.is(code(decodeEcgStrip(s)), 'bad-scale');
  // The first sample must be absolute: a bare delta there has nothing to add to.
  const bare = good.slice();
  bare[14] = 0x05;
  assert.is(code(decodeEcgStrip(bare)), 'bad-value');
  const esc = good.slice();
  esc[15] = 0x07;
  assert.is(code(decodeEcgStrip(esc)), 'bad-value');
  assert.throws(() => encodeEcgStrip({ startAt: 0, rateHz: 125, samplesUv: [1] }), (e: unknown) => e instanceof PayloadParameterError);
  assert.throws(() => encodeEcgStrip({ startAt: 0, rateHz: 251, samplesUv: [1, 2] }), (e: unknown) => e instanceof PayloadParameterError);
  assert.throws(() => encodeEcgStrip({ startAt: -1, rateHz: 125, samplesUv: [1, 2] }), (e: unknown) => e instanceof PayloadParameterError);
});

test('arbitrary and mutated bytes never throw', () => {
  const rng = new Rng(9);
  const base = encodeEcgStrip({ startAt: 1_790_000_000_000, rateHz: 125, samplesUv: Array.from({ length: 60 }, (_, i) => (i % 17 === 3 ? null : Math.round(800 * Math.sin(i / 3)))) });
  let ok = 0;
  for (let i = 0; i < 4000; i++) {
    let b: Uint8Array;
    if (i % 2 === 0) {
      b = Uint8Array.from({ length: Math.floor(rng.uniform(0, 60)) }, () => Math.floor(rng.uniform(0, 256)));
      if (b.length > 1) { b[0] = 1; b[1] = 2; }
    } else {
      b = base.slice(0, Math.floor(rng.uniform(0, base.length + 1)));
      for (let k = 0; k < 3; k++) if (b.length) b[Math.floor(rng.uniform(0, b.length))] = Math.floor(rng.uniform(0, 256));
    }
    const d = decodeEcgStrip(b);
    assert.type(d.ok, 'boolean');
    if (d.ok) {
      ok++;
      assert.is(d.value.samplesUv.length, (b[11]! << 8) | b[12]!);
      assert.ok(d.value.samplesUv.every((x) => x === null || Number.isInteger(x)));
    }
  }
  assert.ok(ok > 0 && ok < 4000, `${ok} decoded`);
});

test.run();
