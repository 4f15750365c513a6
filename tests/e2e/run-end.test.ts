// Regression: a run that ends while the server's modem is on a call. The escalation engine's step
// in flight is a phone call through the server's SIM800 model, which only progresses in virtual
// time; runE2e used to await engine.idle() (and close() awaited engine.stop()) after the clock had
// stopped, so it never returned (the bradycardia and atrial-fibrillation runs hung). Now the engine
// is stopped while the clock runs: the call in flight ends (its 45 s ring timeout) and no new step
// starts. A wall-clock watchdog turns a hang into a failure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createE2e, runOn } from '../../cli/e2e-run.ts';
import { callSeq, e2e, watchdog } from './helpers.ts';

test('runE2e returns when the run ends during the family call (bradycardia, 40 s; the call rings from ~21 s)', async () => {
  const s = await e2e('bradycardia', 40 / 60);
  const calls = s.alerts.filter((a) => a.channel === 'call');
  assert.is(calls.length, 1, JSON.stringify(calls));
  // Dialled before the end of the run, finished after it: the call was in flight at the end.
  assert.ok(calls[0]!.atMs < s.durationMs, `dialled at ${calls[0]!.atMs}`);
  assert.is(calls[0]!.outcome, 'hung-up-by-caller', 'the server gave up after 45 s of ringing');
  assert.equal(callSeq(s), ['family:no-answer']);
  // The engine started nothing after the end: no second call, the escalation still open.
  assert.equal(s.escalations.map((e) => `${e.kind}:${e.level}:${e.status}`), ['heart-rate:family:active']);
});

test('close() returns when called during a call (createE2e)', async () => {
  const w = await createE2e({ scenario: 'bradycardia', seed: 7, durationMs: 120_000, device: { nibpIntervalMs: 120_000 } });
  const tel = w.serverModem.telephony;
  await watchdog((async () => {
    await runOn(w.clock, w.serverModem.driver.init());
    await runOn(w.clock, w.lpuModem.driver.init());
    w.run.device.start();
    w.uplink.start();
    w.fallback.start();
    while (!(tel.calls.length > 0 && tel.calls[0]!.outcome === undefined) && w.clock.now() < 120_000) await w.clock.runFor(500);
    assert.ok(tel.calls.length === 1 && tel.calls[0]!.outcome === undefined, `a call in flight at ${w.clock.now()} ms: ${JSON.stringify(tel.calls)}`);
    await w.close();
  })(), 60_000, 'close() during a call');
  assert.is(tel.calls.length, 1);
  assert.ok(tel.calls[0]!.outcome !== undefined, 'the call in flight ended during close()');
});

test.run();
