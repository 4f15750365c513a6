import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { Rng } from '../../sim/rng.ts';

test('periodic tasks run at a fixed rate without drift', async () => {
  const c = new VirtualClock();
  const times: number[] = [];
  c.every(4, () => times.push(c.now()));
  await c.runUntil(4000);
  assert.is(times.length, 1000);
  assert.is(times[999], 4000);
  // 1/3 ms does not accumulate rounding error over a long run
  const c2 = new VirtualClock();
  let n = 0;
  let last = 0;
  c2.every(1000 / 300, () => { n++; last = c2.now(); });
  await c2.runUntil(60_000);
  assert.is(n, 18000);
  assert.ok(Math.abs(last - 60_000) < 1e-6);
});

test('same-time events run in scheduling order; cancel works', async () => {
  const c = new VirtualClock();
  const order: string[] = [];
  c.after(10, () => order.push('a'));
  const h = c.after(10, () => order.push('x'));
  c.after(10, () => order.push('b'));
  c.after(5, () => order.push('first'));
  h.cancel();
  await c.runUntil(10);
  assert.equal(order, ['first', 'a', 'b']);
});

test('async firmware code sees the virtual time its sleeps promise', async () => {
  const c = new VirtualClock();
  const seen: number[] = [];
  c.after(0, async () => {
    seen.push(c.now());
    await c.sleep(40);
    seen.push(c.now());
    await Promise.resolve();
    await c.sleep(4.1);
    seen.push(c.now());
  });
  c.every(1, () => {});
  await c.runUntil(100);
  assert.equal(seen, [0, 40, 44.1]);
});

test('tracked outside work holds virtual time until it settles', async () => {
  const c = new VirtualClock();
  let valueAt = -1;
  c.after(5, () => {
    void c.track(new Promise<number>((r) => setTimeout(() => r(7), 20))).then(() => (valueAt = c.now()));
  });
  c.every(1, () => {});
  await c.runUntil(50);
  assert.is(valueAt, 5);
});

test('paced mode follows wall time x speed', async () => {
  const c = new VirtualClock({ speed: 10 });
  const t0 = performance.now();
  await c.runUntil(500);
  const wall = performance.now() - t0;
  assert.ok(wall >= 45, `wall ${wall} ms`);
});

test('Rng: same seed same stream; forks are independent and stable', () => {
  const a = new Rng(42), b = new Rng(42);
  for (let i = 0; i < 100; i++) assert.is(a.nextU32(), b.nextU32());
  assert.is.not(new Rng(1).nextU32(), new Rng(2).nextU32());
  assert.is(new Rng(9).fork('ecg').nextU32(), new Rng(9).fork('ecg').nextU32());
  assert.is.not(new Rng(9).fork('ecg').nextU32(), new Rng(9).fork('ppg').nextU32());
  const r = new Rng(3);
  let sum = 0, sq = 0;
  for (let i = 0; i < 20000; i++) { const x = r.normal(); sum += x; sq += x * x; }
  assert.ok(Math.abs(sum / 20000) < 0.05);
  assert.ok(Math.abs(sq / 20000 - 1) < 0.05);
});

test.run();
