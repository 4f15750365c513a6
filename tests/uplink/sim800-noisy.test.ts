// The uplink over a noisy RS232 line (bit errors on the UART between the Uno and the SIM800):
// damaged requests are refused by the server's integrity checks, damaged replies fail to open,
// and the batch is sent again; the server still stores every reading once, in order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sim800World } from './sim800-rig.ts';

for (const seed of [62, 63, 64, 65])
test(`bit error rate 1e-4 on the UART for 30 min (seed ${seed}): contiguous, in order, nothing twice`, async () => {
  const w = await sim800World({ seed, rig: { bitErrorRate: 1e-4 } });
  w.uplink.start();
  await w.clock.runFor(30 * 60_000);
  w.uplink.stop();
  const stored = w.server.stored();
  stored.forEach((r, i) => assert.is(r.seq, i + 1));
  for (let i = 1; i < stored.length; i++) assert.ok(stored[i]!.measuredAt >= stored[i - 1]!.measuredAt);
  const hr = stored.filter((r) => r.kind === 'heart-rate').map((r) => r.measuredAt);
  assert.is(new Set(hr).size, hr.length);
  const overlap = Math.max(0, w.server.ackedSeq - w.queue.acknowledgedSeq);
  assert.is(stored.length + w.queue.pendingReadings - overlap, w.vitals.taken * 3);
  // the queue keeps up: at most two minutes of summaries waiting
  assert.ok(w.queue.pendingReadings <= 25 * 3, `pending ${w.queue.pendingReadings} (failures ${w.uplink.stats.failures}, last ${w.uplink.status().lastError})`);
  console.log(`  noisy line: ${w.uplink.stats.batches} batches, ${w.uplink.stats.failures} failed attempts, ${w.server.duplicatesDropped} duplicates dropped, line stats ${JSON.stringify({ retries: w.modem.at.stats.retries, timeouts: w.modem.at.stats.timeouts })}`);
});

test.run();
