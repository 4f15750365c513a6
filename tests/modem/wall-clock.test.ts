// The wall-time Scheduler used by the CLI and real boards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WallClock } from '../../hal/targets/wall-clock.ts';

test('after, sleep and cancel on wall time', async () => {
  const c = new WallClock();
  const t0 = c.now();
  const fired: string[] = [];
  c.after(30, () => fired.push('a'));
  const h = c.after(10, () => fired.push('cancelled'));
  h.cancel();
  h.cancel(); // twice is harmless
  await c.sleep(60);
  assert.equal(fired, ['a']);
  assert.ok(c.now() - t0 >= 57, `${c.now() - t0}`); // timers count whole ms from the loop time
});

test('every keeps a fixed rate (no drift from slow tasks) and stops on cancel', async () => {
  const c = new WallClock();
  const t0 = c.now();
  const times: number[] = [];
  const ends: number[] = [];
  const h = c.every(20, () => {
    times.push(c.now() - t0);
    const busyUntil = performance.now() + 12; // a task that takes 12 ms
    while (performance.now() < busyUntil);
    ends.push(c.now() - t0);
  });
  // Ten runs, however loaded the machine (a run counted in a fixed window fails under load).
  for (let waited = 0; times.length < 11 && waited < 5000; waited += 20) await c.sleep(20);
  h.cancel();
  const n = times.length;
  await c.sleep(60);
  assert.is(times.length, n, 'no run after cancel');
  assert.ok(n >= 11, `${n} runs`);
  // Never ahead of the grid, within the timer's granularity (libuv timers count whole ms from the
  // loop's cached time, so one can fire up to ~2 ms before its due instant on performance.now()).
  for (let i = 0; i < n; i++) assert.ok(times[i]! >= 20 * (i + 1) - 3, `run ${i + 1} at ${times[i]} ms, early`);
  // The idle gap between one task's end and the next start: on a fixed 20 ms grid it is
  // 20 - 12 = 8 ms plus timer lateness (and 0 when behind); a timer re-armed after each task would
  // leave 20 ms plus lateness. The median keeps a loaded machine's outliers out.
  const gaps = times.slice(1).map((t, i) => t - ends[i]!).sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)]!;
  assert.ok(median < 16, `median idle gap ${median.toFixed(1)} ms (${gaps.map((g) => g.toFixed(0)).join(' ')})`);
  assert.throws(() => c.every(0, () => {}), RangeError);
});

test.run();
