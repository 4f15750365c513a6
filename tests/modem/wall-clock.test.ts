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
  assert.ok(c.now() - t0 >= 59, `${c.now() - t0}`);
});

test('every keeps a fixed rate (no drift from slow tasks) and stops on cancel', async () => {
  const c = new WallClock();
  const t0 = c.now();
  const times: number[] = [];
  const h = c.every(20, () => {
    times.push(c.now() - t0);
    const busyUntil = performance.now() + 8; // a task that takes 8 ms
    while (performance.now() < busyUntil);
  });
  await c.sleep(215);
  h.cancel();
  const n = times.length;
  await c.sleep(60);
  assert.is(times.length, n);
  assert.ok(n >= 7 && n <= 11, `${n} runs`);
  // the 10th run is due at 200 ms: lateness does not accumulate
  if (n >= 10) assert.ok(times[9]! < 200 + 60, `${times[9]}`);
  assert.throws(() => c.every(0, () => {}), RangeError);
});

test.run();
