// Concurrent verifications against one store: the memory store yields before it reads and before
// it writes, so verifications interleave as they would against a database; compare-and-swap lets
// exactly one win. The last test shows the interleaving is real: a read-then-blind-write
// implementation on the same store lets every one of them "succeed".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMa1 } from '../../protocol/lpu.ts';
import { verifyMa1 } from '../../protocol/server.ts';
import { CELL_A, seededRandom, setup } from './helpers.ts';

const N = 16;

test(`${N} concurrent verifications of one MA1: exactly one succeeds`, async () => {
  const s = await setup(201);
  const made = createMa1(s.credential, CELL_A, seededRandom(5));
  if (!made.ok) return assert.unreachable();
  const results = await Promise.all(Array.from({ length: N }, () => verifyMa1(s.store, made.value.ma1, CELL_A, s.random)));
  const wins = results.filter((r) => r.ok);
  assert.is(wins.length, 1);
  for (const r of results) if (!r.ok) assert.is(r.error.code, 'conflict');
  const win = wins[0]!;
  if (!win.ok) return;
  assert.is(win.value.record.version, 1);
  assert.is(s.store.recordBytes(s.idL)!.length > 0, true);
  assert.is((await s.store.getById(s.idL))!.version, 1);
  // And afterwards it is a replay.
  const again = await verifyMa1(s.store, made.value.ma1, CELL_A, s.random);
  assert.ok(!again.ok && again.error.code === 'replay');
});

test(`${N} concurrent verifications of ${N} different MA1s of one LPU: exactly one succeeds`, async () => {
  const s = await setup(202);
  const rnd = seededRandom(6);
  const ma1s = Array.from({ length: N }, (_, i) => {
    const m = createMa1(s.credential, CELL_A, rnd, i % 2 ? 'normal' : 'emergency');
    if (!m.ok) throw new Error(m.error.code);
    return m.value.ma1;
  });
  const results = await Promise.all(ma1s.map((m) => verifyMa1(s.store, m, CELL_A, s.random)));
  assert.is(results.filter((r) => r.ok).length, 1);
  assert.ok(results.every((r) => r.ok || r.error.code === 'conflict'));
});

test('concurrent verifications for different LPUs do not interfere', async () => {
  const fixtures = await Promise.all(Array.from({ length: 8 }, (_, i) => setup(300 + i)));
  // Move all records into one store.
  const store = fixtures[0]!.store;
  for (const f of fixtures.slice(1)) assert.ok(await store.insert(f.record));
  const results = await Promise.all(
    fixtures.map((f, i) => {
      const m = createMa1(f.credential, CELL_A, seededRandom(400 + i));
      if (!m.ok) throw new Error(m.error.code);
      return verifyMa1(store, m.value.ma1, CELL_A, f.random);
    }),
  );
  assert.ok(results.every((r) => r.ok));
});

test('control: without compare-and-swap every concurrent update would have "succeeded"', async () => {
  const s = await setup(203);
  // The lost-update pattern: read, work, then write whatever is there now (last write wins).
  const naive = async () => {
    const r = await s.store.getById(s.idL);
    if (!r) throw new Error('missing');
    for (;;) {
      const latest = (await s.store.getById(s.idL))!;
      if ((await s.store.compareAndSwap({ ...r, version: latest.version + 1 }, latest.version)) === 'ok') return r.version;
    }
  };
  const casFirst = async () => {
    const r = await s.store.getById(s.idL);
    return s.store.compareAndSwap({ ...r!, version: r!.version + 1 }, r!.version);
  };
  const readVersions = await Promise.all(Array.from({ length: N }, naive));
  // All N read the same version before any of them wrote, and all N wrote: N lost updates.
  assert.equal(readVersions, Array.from({ length: N }, () => 0));
  assert.is((await s.store.getById(s.idL))!.version, N);
  const cas = await Promise.all(Array.from({ length: N }, casFirst));
  assert.is(cas.filter((x) => x === 'ok').length, 1);
});

test.run();
