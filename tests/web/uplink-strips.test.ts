// The uplink's extras path against the real server over loopback HTTP: the device's flash queue,
// session and Uplink send the readings, then the ECG strips from an EcgStripSource; the server
// stores the strip as sent (gaps included); a payload the server refuses (422) is dropped and the
// uplink goes on (no failure, no back-off), instead of blocking every later upload behind it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase } from '../../server/db.ts';
import { SERVING_LAI_HEADER } from '../../server/app.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { HttpUplinkTransport } from '../../hal/targets/http-uplink.ts';
import { writeCredential } from '../../firmware/uplink/credential-store.ts';
import { FlashQueue } from '../../firmware/uplink/queue.ts';
import { SeqCounter } from '../../firmware/uplink/seq-counter.ts';
import { UplinkSession } from '../../firmware/uplink/session.ts';
import { Uplink } from '../../firmware/uplink/uplink.ts';
import { EcgStripRecorder, EcgStripSource, type ExtraPayloads } from '../../firmware/uplink/ecg-strip-source.ts';
import { CELL_A, seededRandom } from '../protocol/helpers.ts';
import { CountingVitals, EPOCH0, fixedCell, memories } from '../uplink/rig.ts';
import { registerLpu, startServer } from '../server/helpers.ts';

test('readings first, then the strips; a refused extra is dropped and the uplink carries on', async () => {
  const db = await openDatabase({});
  const h = await startServer(db);
  try {
    const reg = await registerLpu(h.base);
    const nv = memories();
    writeCredential(nv, reg.bytes);
    const clock = new VirtualClock();
    const http = new HttpUplinkTransport({ baseUrl: h.base, headers: { [SERVING_LAI_HEADER]: '262-01-0x1a2b' } });
    const random = seededRandom(61);
    const seq = new SeqCounter(nv.eeprom);
    const queue = new FlashQueue(nv.flash, { seqFloor: seq.assigned });
    const session = new UplinkSession({ transport: { post: (p, b) => clock.track(http.post(p, b)) }, cell: fixedCell(CELL_A), nv, random });
    // A strip with a lead-off gap in the middle, from a 100 Hz, 10-bit ring.
    const rec = new EcgStripRecorder({ sampleRateHz: 100, adcBits: 10, countsPerMv: 225, windowMs: 4000 });
    for (let i = 0; i < 400; i++) rec.push(338 + Math.round(150 * Math.exp(-(((i % 80) - 40) ** 2) / 8)), i >= 180 && i < 220);
    const strips = new EcgStripSource(clock, rec, { epochMs: (t) => EPOCH0 + t });
    // The extras: first a payload the server cannot decode, then the source's strips.
    let bad: Uint8Array | null = Uint8Array.of(1, 0x02, 0, 0, 0);
    const extras: ExtraPayloads = {
      peek: () => bad ?? strips.peek(),
      delivered: () => (bad ? void (bad = null) : strips.delivered()),
    };
    const uplink = new Uplink({ scheduler: clock, queue, seq, session, random, vitals: new CountingVitals(), extras }, { epochMs: (t) => EPOCH0 + Math.round(t), uploadPeriodMs: 30_000 });
    uplink.start();
    await clock.runFor(20_000);
    assert.ok(strips.take('alarm'));
    const sent = strips.recorder.strip(EPOCH0 + clock.now())!;
    uplink.flushSoon();
    await clock.runFor(5_000);

    assert.is(bad, null, 'the refused payload was dropped');
    assert.is(strips.queued, 0);
    assert.is(strips.stats.delivered, 1);
    const st = uplink.status();
    assert.is(st.consecutiveFailures, 0);
    assert.is(st.lastError, null);
    assert.ok(uplink.stats.failures === 0, `failures ${uplink.stats.failures}`);
    const rows = await db.query('SELECT measured_at, rate_hz, samples_uv FROM ecg_strips');
    assert.is(rows.length, 1);
    const stored = JSON.parse(String(rows[0]!.samples_uv)) as Array<number | null>;
    assert.is(Number(rows[0]!.rate_hz), 100);
    assert.is(stored.length, 400);
    stored.forEach((x, i) => (sent.samplesUv[i] === null ? assert.is(x, null, `sample ${i}`) : assert.ok(x !== null && Math.abs(x - sent.samplesUv[i]!) <= 5, `sample ${i}`)));
    assert.is(stored.filter((x) => x === null).length, 40);
    // The readings went first and all arrived (the strip did not take a sequence number).
    const n = Number((await db.query('SELECT count(*) AS n FROM readings'))[0]!.n);
    assert.ok(n >= 12, `${n} readings`);
    assert.is(Number((await db.query('SELECT acked_seq FROM lpus'))[0]!.acked_seq), n);
    assert.ok(h.logLines.some((l) => l.includes('"ecg-strip-stored"')));
    uplink.stop();
  } finally {
    await h.close();
    await db.close();
  }
});

test.run();
