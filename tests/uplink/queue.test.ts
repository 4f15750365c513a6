import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FlashQueue, QueueFullError, SECTOR_BYTES } from '../../firmware/uplink/queue.ts';
import type { BatchItem } from '../../protocol/readings.ts';
import { Rng } from '../../sim/rng.ts';
import { alarm, CuttableStore, memory, PowerCut, summary } from './helpers.ts';

const T0 = 1_700_000_000_000;
const FLASH = 4 * 1024 * 1024;

/** Drains the queue through batches acknowledged in full; returns what a server would store. */
function drain(q: FlashQueue): BatchItem[] {
  const got: BatchItem[] = [];
  for (let b = q.nextBatch(); b; b = q.nextBatch()) {
    got.push(...b.readings);
    const r = q.acknowledge(b.lastSeq);
    assert.is(r.kind, 'committed');
  }
  return got;
}

test('delivers in order with contiguous sequence numbers, exactly once', () => {
  const q = new FlashQueue(memory(FLASH));
  for (let i = 0; i < 300; i++) q.enqueue(i % 50 === 7 ? alarm(i) : summary(i), i % 50 === 7 ? 'event' : 'summary');
  const got = drain(q);
  assert.is(got.length, 294 * 4 + 6);
  got.forEach((r, i) => assert.is(r.seq, i + 1));
  for (let i = 1; i < got.length; i++) assert.ok(got[i]!.measuredAt >= got[i - 1]!.measuredAt, 'enqueue order kept');
  assert.is(q.length, 0);
  assert.is(q.nextBatch(), null);
});

test('an unacknowledged batch is sent again with the same numbers; a partial ack commits nothing', () => {
  const q = new FlashQueue(memory(FLASH), { maxBatchReadings: 40 });
  for (let i = 0; i < 30; i++) q.enqueue(summary(i), 'summary');
  const a = q.nextBatch()!;
  assert.is(a.readings.length, 40);
  assert.equal(q.nextBatch(), a);
  assert.equal(q.acknowledge(a.firstSeq + 5), { kind: 'partial' });
  assert.equal(q.nextBatch(), a);
  assert.is(q.acknowledge(a.lastSeq).kind, 'committed');
  const b = q.nextBatch()!;
  assert.is(b.firstSeq, a.lastSeq + 1);
  assert.equal(q.acknowledge(0), { kind: 'behind', ackedSeq: 0 });
});

test('a power cycle keeps the queue and the batch in flight (same records, same numbers)', () => {
  const mem = memory(FLASH);
  let q = new FlashQueue(mem, { maxBatchReadings: 20 });
  for (let i = 0; i < 40; i++) q.enqueue(summary(i), 'summary');
  const first = q.nextBatch()!;
  q.acknowledge(first.lastSeq);
  const inFlight = q.nextBatch()!;
  q = new FlashQueue(mem, { maxBatchReadings: 20 });
  assert.is(q.length, 35);
  assert.equal(q.nextBatch(), inFlight);
  q.acknowledge(inFlight.lastSeq);
  q.enqueue(summary(40), 'summary');
  q = new FlashQueue(mem, { maxBatchReadings: 20 });
  const rest = drain(q);
  assert.is(rest[0]!.seq, inFlight.lastSeq + 1);
  assert.is(rest.length, 31 * 4);
  assert.is(rest.at(-1)!.measuredAt, T0 + 40 * 5000);
});

test('bounded: when the flash is full the oldest summaries go, never an alarm, never the batch in flight', () => {
  const region = 16 * SECTOR_BYTES;
  const q = new FlashQueue(memory(0x4000 + region), { size: region, maxBatchReadings: 20 });
  q.enqueue(summary(0), 'summary');
  const inFlight = q.nextBatch()!;
  const alarms: number[] = [];
  const n = 3000;
  for (let i = 1; i < n; i++) {
    if (i % 97 === 0) {
      q.enqueue(alarm(i), 'event');
      alarms.push(T0 + i * 5000 + 1);
    } else q.enqueue(summary(i), 'summary');
  }
  assert.ok(q.stats.evictedSummaries > 2000, `evicted ${q.stats.evictedSummaries}`);
  assert.ok(q.stats.cleanings > 0);
  assert.equal(q.nextBatch(), inFlight);
  const got = [...inFlight.readings];
  q.acknowledge(inFlight.lastSeq);
  got.push(...drain(q));
  got.forEach((r, i) => assert.is(r.seq, i + 1, 'no hole left by eviction'));
  const alarmTimes = got.filter((r) => r.kind === 'alarm').map((r) => r.measuredAt);
  assert.equal(alarmTimes, alarms, 'every alarm delivered, in order');
  for (let i = 1; i < got.length; i++) assert.ok(got[i]!.measuredAt >= got[i - 1]!.measuredAt);
  // What survived of the summaries is the newest ones, contiguous up to the last.
  const sums = [...new Set(got.filter((r) => r.kind === 'heart-rate').map((r) => (r.measuredAt - T0) / 5000))];
  assert.is(sums.at(-1), n - 1);
  const kept = sums.slice(1); // the first is the batch in flight (summary 0)
  const expected = [];
  for (let i = kept[0]!; i < n; i++) if (i % 97 !== 0) expected.push(i);
  assert.equal(kept, expected);
});

test('24 h at one summary per 5 s (17,280) plus 500 alarms fit the 4 MiB flash without eviction', () => {
  const q = new FlashQueue(memory(FLASH));
  for (let i = 0; i < 17_280; i++) {
    q.enqueue(summary(i), 'summary');
    if (i % 35 === 0) q.enqueue(alarm(i), 'event');
  }
  assert.is(q.stats.evictedSummaries, 0);
  assert.is(q.length, 17_280 + 494);
  assert.ok(q.freeBytes > 0);
  // and the recovery scan finds all of it again
  const again = new FlashQueue((q as unknown as { flash: CuttableStore['inner'] }).flash);
  assert.is(again.length, q.length);
});

test('a power cut at any byte of a record write loses at most that record', () => {
  const mem = memory(0x4000 + 16 * SECTOR_BYTES);
  const opts = { size: 16 * SECTOR_BYTES };
  const base = new FlashQueue(mem, opts);
  for (let i = 0; i < 10; i++) base.enqueue(summary(i), 'summary');
  const snapshot = mem.read(0, mem.size);
  const recLen = 16 + 3 + 4 * 16; // header + batch header + 4 readings of 14 + 2 bytes
  for (let cut = 0; cut <= recLen; cut++) {
    mem.write(0, snapshot);
    const store = new CuttableStore(mem);
    const q = new FlashQueue(store, opts);
    assert.is(q.length, 10);
    store.budget = cut;
    let completed = true;
    try {
      q.enqueue(alarm(10), 'event');
    } catch (e) {
      assert.instance(e, PowerCut);
      completed = false;
    }
    const after = new FlashQueue(mem, opts);
    assert.is(after.length, completed ? 11 : 10, `cut after ${cut} bytes`);
    after.enqueue(summary(11), 'summary');
    const got = drain(after);
    const times = [...new Set(got.map((r) => r.measuredAt))];
    const want = [...Array.from({ length: 10 }, (_, i) => T0 + i * 5000), ...(completed ? [T0 + 50_001] : []), T0 + 55_000];
    assert.equal(times, want);
  }
});

test('random power cuts during a long run (cleaning, erases, marks): no alarm lost, no duplicate, order kept', () => {
  const rng = new Rng(5);
  const region = 24 * SECTOR_BYTES;
  const mem = memory(0x4000 + region);
  const opts = { size: region, maxBatchReadings: 30 };
  let q = new FlashQueue(mem, opts);
  const delivered: BatchItem[] = [];
  const alarmsEnqueued: number[] = [];
  let cuts = 0;
  let i = 0;
  const store = new CuttableStore(mem);
  q = new FlashQueue(store, opts);
  while (i < 4000) {
    store.budget = rng.chance(0.02) ? rng.int(0, 400) : Number.POSITIVE_INFINITY;
    try {
      const isAlarm = i % 61 === 0;
      q.enqueue(isAlarm ? alarm(i) : summary(i), isAlarm ? 'event' : 'summary');
      if (isAlarm) alarmsEnqueued.push(T0 + i * 5000 + 1);
      i++;
      if (i % 40 === 0 && rng.chance(0.5)) {
        const b = q.nextBatch();
        if (b) {
          // the server stores what it has not seen (by seq)
          for (const r of b.readings) if (!delivered.some((d) => d.seq === r.seq)) delivered.push(r);
          q.acknowledge(b.lastSeq);
        }
      }
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
      cuts++;
      store.budget = Number.POSITIVE_INFINITY;
      q = new FlashQueue(store, opts);
      // an alarm whose write was cut was never acknowledged to the device: enqueue it again
      if (i % 61 === 0 && !alarmsEnqueued.includes(T0 + i * 5000 + 1)) continue;
      i++;
    }
  }
  store.budget = Number.POSITIVE_INFINITY;
  for (let b = q.nextBatch(); b; b = q.nextBatch()) {
    for (const r of b.readings) if (!delivered.some((d) => d.seq === r.seq)) delivered.push(r);
    q.acknowledge(b.lastSeq);
  }
  assert.ok(cuts > 10, `cuts ${cuts}`);
  delivered.sort((a, b) => a.seq - b.seq);
  delivered.forEach((r, k) => assert.is(r.seq, k + 1));
  for (let k = 1; k < delivered.length; k++) assert.ok(delivered[k]!.measuredAt >= delivered[k - 1]!.measuredAt, 'order');
  const keys = delivered.map((r) => `${r.kind}@${r.measuredAt}`);
  assert.is(new Set(keys).size, keys.length, 'no reading stored twice under two numbers');
  const alarmsGot = delivered.filter((r) => r.kind === 'alarm').map((r) => r.measuredAt);
  assert.equal(alarmsGot, alarmsEnqueued);
});

test('a flash full of undelivered events refuses more with QueueFullError (never a write outside the region)', () => {
  const region = 12 * SECTOR_BYTES;
  const mem = memory(0x4000 + region);
  const q = new FlashQueue(mem, { size: region });
  let n = 0;
  let error: unknown = null;
  try {
    for (; n < 100_000; n++) q.enqueue(alarm(n), 'event');
  } catch (e) {
    error = e;
  }
  assert.instance(error, QueueFullError);
  assert.ok(n > 9 * 100, `events stored ${n}`);
  // everything stored is still there, in order, after a reboot
  const again = new FlashQueue(mem, { size: region });
  assert.is(again.length, n);
  const got = drain(again);
  assert.equal(got.map((r) => r.measuredAt), Array.from({ length: n }, (_, i) => T0 + i * 5000 + 1));
});

test.run();
