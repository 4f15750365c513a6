// The device's ECG strips (firmware/uplink/ecg-strip-source.ts) from the simulated AD8232 front end
// sampled by a 10-bit ADC at 250 Hz: the strip follows the front end's output in µV at the
// electrodes, lead-off samples are gaps (never values), the ring keeps exactly the last 10 s, and
// the pending list keeps alarm strips before periodic ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeEcgStrip } from '../../protocol/readings.ts';
import { EcgStripRecorder, EcgStripSource } from '../../firmware/uplink/ecg-strip-source.ts';
import { Ad8232 } from '../../sim/frontends/ad8232.ts';
import { createPatient } from '../../sim/patient/patient.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { Rng } from '../../sim/rng.ts';

const HZ = 250;
const GAIN = 1100;
const COUNTS_PER_MV = (GAIN / 1000) * (1024 / 5);

/** Feeds `recorder` from t0 to t1 (ms) the way the ECG task does: 10-bit counts and LO+/LO-. */
function feed(fe: Ad8232, recorder: EcgStripRecorder, t0: number, t1: number, out?: Array<{ t: number; v: number; off: boolean }>) {
  for (let t = t0; t < t1; t += 1000 / HZ) {
    const v = fe.outputV(t);
    const off = fe.loPlus(t) || fe.loMinus(t);
    recorder.push(Math.max(0, Math.min(1023, Math.floor((v / 5) * 1024))), off);
    out?.push({ t, v, off });
  }
}

test('a strip is the last 10 s at 125 Hz in µV at the electrodes, and follows the front end', () => {
  const p = createPatient('normal', 4, { ecgFsHz: 250 });
  const fe = new Ad8232((t) => p.ecgMv(t), { rng: new Rng(4) });
  const r = new EcgStripRecorder({ sampleRateHz: HZ, adcBits: 10, countsPerMv: COUNTS_PER_MV });
  assert.is(r.stripRateHz, 125);
  const trace: Array<{ t: number; v: number; off: boolean }> = [];
  feed(fe, r, 0, 15_000, trace);
  const s = r.strip(1_790_000_015_000)!;
  assert.is(s.rateHz, 125);
  assert.is(s.samplesUv.length, 1250);
  assert.is(s.startAt, 1_790_000_015_000 - Math.round((2499 * 1000) / HZ));
  const d = decodeEcgStrip(s.payload);
  assert.ok(d.ok && d.value.samplesUv.every((x, i) => x === s.samplesUv[i] || Math.abs(x! - s.samplesUv[i]!) <= 5));
  // Against the front-end output over the same 10 s (pairs averaged, reference removed): the
  // strip is that signal divided by the gain, within the ADC's steps.
  const last = trace.slice(-2500);
  const ref: number[] = [];
  for (let i = 0; i < 1250; i++) ref.push((((last[2 * i]!.v + last[2 * i + 1]!.v) / 2 - fe.refV) / GAIN) * 1e6);
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const a = s.samplesUv as number[];
  const ma = mean(a), mr = mean(ref);
  let num = 0, da = 0, dr = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - ma) * (ref[i]! - mr);
    da += (a[i]! - ma) ** 2;
    dr += (ref[i]! - mr) ** 2;
  }
  const corr = num / Math.sqrt(da * dr);
  assert.ok(corr > 0.99, `correlation ${corr}`);
  const peak = Math.max(...a);
  assert.ok(peak > 600 && peak < 2500, `R peak ${peak} µV`);
});

test('lead-off samples are gaps, never a value; the rail after it too; the trace resumes', () => {
  const p = createPatient('normal', 5, { ecgFsHz: 250 });
  const fe = new Ad8232((t) => p.ecgMv(t), { rng: new Rng(5), leadOff: [[12_000, 16_000]] });
  const r = new EcgStripRecorder({ sampleRateHz: HZ, adcBits: 10, countsPerMv: COUNTS_PER_MV });
  feed(fe, r, 0, 20_000);
  const s = r.strip(20_000)!;
  const t0 = s.startAt;
  let gapInside = 0;
  for (let i = 0; i < s.samplesUv.length; i++) {
    const t = t0 + i * 8;
    if (t >= 12_000 && t + 8 <= 16_000) {
      assert.is(s.samplesUv[i], null, `sample at ${t} ms`);
      gapInside++;
    }
  }
  assert.ok(gapInside >= 498, `${gapInside} samples inside the lead-off`);
  // Before and well after the lead-off: a trace with beats in it.
  const before = s.samplesUv.slice(0, 200).filter((x): x is number => x !== null);
  const after = s.samplesUv.slice(-300).filter((x): x is number => x !== null);
  assert.is(before.length, 200);
  assert.ok(after.length >= 290 && Math.max(...after) > 500, `after: ${after.length} samples, peak ${Math.max(...after)}`);
  // Wholly off: no value at all.
  const off = new EcgStripRecorder({ sampleRateHz: HZ, adcBits: 10, countsPerMv: COUNTS_PER_MV });
  for (let i = 0; i < 3000; i++) off.push(675, true);
  assert.ok(off.strip(0)!.samplesUv.every((x) => x === null));
});

test('rates: 500 Hz is averaged down by 4, 100 Hz sent as is; a ring of 2 s holds 2 s', () => {
  assert.is(new EcgStripRecorder({ sampleRateHz: 500, adcBits: 10, countsPerMv: 225 }).stripRateHz, 125);
  assert.is(new EcgStripRecorder({ sampleRateHz: 100, adcBits: 10, countsPerMv: 225 }).stripRateHz, 100);
  assert.is(new EcgStripRecorder({ sampleRateHz: 333, adcBits: 10, countsPerMv: 225 }).stripRateHz, 111);
  const r = new EcgStripRecorder({ sampleRateHz: 100, adcBits: 12, countsPerMv: 900, windowMs: 2000 });
  assert.is(r.strip(0), null);
  for (let i = 0; i < 1000; i++) r.push(2000 + (i % 7), false);
  assert.is(r.length, 200);
  assert.is(r.strip(0)!.samplesUv.length, 200);
  assert.throws(() => new EcgStripRecorder({ sampleRateHz: 250.5, adcBits: 10, countsPerMv: 225 }), /integer rate/);
});

test('pending strips: alarm strips stay, a newer periodic strip replaces a waiting one, the head is never dropped', () => {
  const clock = new VirtualClock();
  const r = new EcgStripRecorder({ sampleRateHz: 100, adcBits: 10, countsPerMv: 225, windowMs: 1000 });
  for (let i = 0; i < 100; i++) r.push(300 + (i % 5), false);
  let woken = 0;
  const src = new EcgStripSource(clock, r, { maxPending: 3, wake: () => woken++ });
  src.take('periodic');
  src.alarm();
  assert.is(woken, 1);
  src.take('periodic');
  src.take('periodic'); // replaces the waiting periodic one, not the head
  assert.is(src.queued, 3);
  src.alarm(); // full: the waiting periodic strip goes
  assert.is(src.queued, 3);
  assert.is(src.stats.dropped, 1);
  const head = src.peek();
  src.alarm();
  assert.is(src.peek(), head, 'the head (perhaps in flight) stays');
  src.delivered();
  assert.is(src.stats.delivered, 1);
  assert.is(src.queued, 2);
});

test.run();
