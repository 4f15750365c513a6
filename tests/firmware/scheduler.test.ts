import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { TaskTable, TaskTableError } from '../../firmware/scheduler.ts';
import type { Scheduler } from '../../hal/clock.ts';

test('tasks run at their own fixed rates', async () => {
  const clock = new VirtualClock();
  const table = new TaskTable(clock);
  let ecg = 0, ppg = 0, temp = 0;
  table.add({ name: 'ecg', periodMs: 4, run: () => ecg++ });
  table.add({ name: 'ppg', periodMs: 10, run: () => ppg++ });
  table.add({ name: 'temp', periodMs: 1000, run: () => temp++ });
  table.start();
  await clock.runFor(60_000);
  assert.equal([ecg, ppg, temp], [15000, 6000, 60]);
  const s = table.stats();
  assert.is(s[0]!.lateRuns, 0);
  assert.is(s[0]!.maxGapMs, 4);
});

test('the table is static: no task after start, bounded capacity, sane periods', () => {
  const clock = new VirtualClock();
  const table = new TaskTable(clock, 2);
  table.add({ name: 'a', periodMs: 1, run: () => {} });
  assert.throws(() => table.add({ name: 'bad', periodMs: 0, run: () => {} }), (e: unknown) => e instanceof TaskTableError);
  table.add({ name: 'b', periodMs: 1, run: () => {} });
  assert.throws(() => table.add({ name: 'c', periodMs: 1, run: () => {} }), /full/);
  table.start();
  assert.throws(() => table.add({ name: 'd', periodMs: 1, run: () => {} }), /after start/);
});

test('a slipping board timer is counted as late runs', async () => {
  // A board whose timer fires every 25 ms although 10 ms was asked: the table must notice.
  const clock = new VirtualClock();
  const slow: Scheduler = {
    now: () => clock.now(),
    every: (_p, task) => clock.every(25, task),
    after: (d, t) => clock.after(d, t),
    sleep: (ms) => clock.sleep(ms),
  };
  const table = new TaskTable(slow);
  table.add({ name: 'x', periodMs: 10, run: () => {} });
  table.start();
  await clock.runFor(1000);
  const [s] = table.stats();
  assert.is(s!.runs, 40);
  assert.is(s!.lateRuns, 40);
  assert.is(s!.maxGapMs, 25);
});

test('stop cancels every task', async () => {
  const clock = new VirtualClock();
  const table = new TaskTable(clock);
  let n = 0;
  table.add({ name: 'a', periodMs: 5, run: () => n++ });
  table.start();
  await clock.runFor(50);
  table.stop();
  await clock.runFor(50);
  assert.is(n, 10);
});

test.run();
