// The uplink over the SIM800 model: a 6-hour GPRS outage loses nothing, keeps the order and
// stores nothing twice, and resumes within seconds of the network's return (the modem reports it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sim800World } from './sim800-rig.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

test('6 h GPRS outage: every summary and alarm arrives afterwards, in order, once', async () => {
  const t0 = Date.now();
  const w = await sim800World({ seed: 21, rig: { network: { outages: [{ startMs: 10 * MIN, endMs: 10 * MIN + 6 * HOUR }] } } });
  const end = 10 * MIN + 6 * HOUR;
  let firstOkMs: number | null = null;
  w.uplink.onContact((ok) => {
    if (ok && w.clock.now() > end) firstOkMs ??= w.clock.now();
  });
  w.uplink.start();
  // alarms during the outage
  for (const at of [1 * HOUR, 3 * HOUR, 5 * HOUR]) {
    w.clock.after(at, () => w.uplink.event([{ kind: 'alarm', condition: 'bradycardia', level: 'severe', change: 'raised', measuredAt: w.uplink.epoch() }]));
  }
  await w.clock.runFor(10 * MIN);
  const before = w.server.stored().length;
  assert.ok(before > 0, 'uploads before the outage');
  await w.clock.runFor(6 * HOUR);
  assert.is(w.server.stored().length, before, 'nothing reached the server during the outage');
  assert.ok(w.queue.length > 6 * 720 - 10, `queued ${w.queue.length}`);
  assert.ok(w.uplink.status().consecutiveFailures > 0);
  await w.clock.runFor(30 * MIN);
  w.uplink.stop();
  const resumedS = (firstOkMs! - end) / 1000;
  assert.ok(firstOkMs !== null && resumedS < 15, `first upload ${resumedS} s after the network came back`);
  const stored = w.server.stored();
  stored.forEach((r, i) => assert.is(r.seq, i + 1, 'contiguous'));
  for (let i = 1; i < stored.length; i++) assert.ok(stored[i]!.measuredAt >= stored[i - 1]!.measuredAt, 'in order');
  const hr = stored.filter((r) => r.kind === 'heart-rate').map((r) => r.measuredAt);
  assert.is(new Set(hr).size, hr.length, 'no summary stored twice');
  assert.is(stored.filter((r) => r.kind === 'alarm').length, 3);
  assert.is(w.queue.stats.evictedSummaries, 0);
  const overlap = Math.max(0, w.server.ackedSeq - w.queue.acknowledgedSeq); // stored, ack not yet seen
  assert.is(stored.length + w.queue.pendingReadings - overlap, w.vitals.taken * 3 + 3, 'nothing lost');
  assert.ok(w.queue.pendingReadings <= 13 * 3);
  // back-off kept the modem from hammering the dead network: a few dozen attempts in 6 h
  const ma1Posts = w.network.posts.filter((p) => p.url.endsWith('/v1/ma1') || p.url.endsWith('/v1/data'));
  console.log(`  6 h outage: ${w.vitals.taken} summaries, ${stored.length} readings stored, ${w.uplink.stats.failures} failed attempts, ${w.uplink.stats.batches} batches, ${w.server.duplicatesDropped} duplicates dropped by the server, first upload ${resumedS.toFixed(1)} s after the return, ${((Date.now() - t0) / 1000).toFixed(1)} s wall`);
  assert.ok(w.uplink.stats.failures < 120, `failures ${w.uplink.stats.failures}`);
  void ma1Posts;
});

test.run();
