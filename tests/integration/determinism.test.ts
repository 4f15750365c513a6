// The whole device run is a pure function of scenario and seed: same seed, same summary and event
// log byte for byte; another seed, another run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runSim } from '../../cli/sim-run.ts';

const opts = { scenario: 'lead-off', durationMs: 75_000, sampleEveryMs: 5_000 } as const;

test('same seed: identical JSON summary and event log', async () => {
  const a = await runSim({ ...opts, seed: 7 });
  const b = await runSim({ ...opts, seed: 7 });
  assert.ok(a.samples.length >= 14);
  assert.ok(a.eventLog.length > 5, a.eventLog.join('\n'));
  assert.is(JSON.stringify(b), JSON.stringify(a));
});

test('different seed: the measurements differ', async () => {
  const a = await runSim({ ...opts, seed: 7 });
  const c = await runSim({ ...opts, seed: 8 });
  const hr = (s: typeof a) => JSON.stringify(s.samples.map((r) => [r.heartRateBpm.measured, r.pulseRateBpm.measured, r.tempC.measured]));
  assert.is.not(hr(c), hr(a));
});

test.run();
