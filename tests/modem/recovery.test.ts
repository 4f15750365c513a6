// Recovery on the virtual clock: a hung modem is power-cycled through PWRKEY and re-initialised;
// a lost bearer (+SAPBR 1: DEACT during a network outage) is re-attached with exponential
// back-off whose delays are checked against the clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeRig } from './rig.ts';
import { Backoff, ModemRecovery, type RecoveryEvent } from '../../firmware/modem/recovery.ts';
import { SimDigitalOut } from '../../sim/pins.ts';

test('Backoff: 1 s doubling to a 5 min cap, jitter only shortens', () => {
  const b = new Backoff(() => 0);
  const d = Array.from({ length: 12 }, () => b.next());
  assert.equal(d, [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000, 300000]);
  const j = new Backoff(() => 0.999999, { jitter: 0.5 });
  assert.ok(Math.abs(j.next() - 500) < 0.01);
  b.reset();
  assert.is(b.next(), 1000);
});

test('hung modem: 3 consecutive timeouts -> power cycle through PWRKEY -> re-init -> bearer back', async () => {
  const pwrkey = new SimDigitalOut('D7');
  const rig = await makeRig({ seed: 5, driver: { powerKey: pwrkey } });
  const { modem: m, model, clock, run } = rig;
  model.attachPowerKey(pwrkey);
  await run(m.init());
  await run(clock.sleep(3000));
  await run(m.openBearer('internet'));
  const rec = new ModemRecovery(m, clock, { apn: 'internet', random: () => 0, powerCycle: true });
  rec.start();
  model.hang();
  const hungAt = clock.now();
  // The application keeps polling signal quality; each poll times out.
  for (let i = 0; i < 3; i++) await run(m.signal().catch(() => undefined));
  const recovered = new Promise<RecoveryEvent>((resolve) => rec.onEvent((e) => e.kind === 'recovered' && resolve(e)));
  const ev = await run(recovered, 120_000).catch((e) => { console.log(rec.log, model.powerState, model.commandLog.slice(-10)); throw e; });
  assert.is(ev.kind, 'recovered');
  const kinds = rec.log.map((e) => e.kind);
  assert.equal(kinds.slice(0, 3), ['unresponsive', 'attempt', 'recovered']);
  const attempt = rec.log[1] as Extract<RecoveryEvent, { kind: 'attempt' }>;
  assert.is(attempt.afterMs, 1000);
  assert.is(model.powerState, 'on');
  // 3 x CSQ with retries: 9 timeouts of 1 s each before the recovery decision
  assert.ok(rec.log[0]!.at - hungAt >= 3000);
  const b = await run(m.bearer());
  assert.is(b.state, 'connected');
  rec.stop();
});

test('+SAPBR 1: DEACT in a network outage -> re-attach with back-off 1, 2, 4, 8 ... s until the network returns', async () => {
  const rig = await makeRig({ seed: 6 });
  const { modem: m, clock, run, network } = rig;
  await run(m.init());
  await run(clock.sleep(3000));
  await run(m.openBearer('internet'));
  const rec = new ModemRecovery(m, clock, { apn: 'internet', random: () => 0 });
  rec.start();
  const t0 = clock.now();
  network.addOutage({ startMs: t0 + 1000, endMs: t0 + 40_000 });
  const recovered = new Promise<RecoveryEvent>((resolve) => rec.onEvent((e) => e.kind === 'recovered' && resolve(e)));
  const ev = await run(recovered, 600_000);
  const lost = rec.log.filter((e) => e.kind === 'link-lost').map((e) => (e as { cause: string }).cause);
  assert.ok(lost.includes('+SAPBR 1: DEACT'), JSON.stringify(lost));
  assert.ok(lost.some((c) => c.startsWith('+CREG: 2')), JSON.stringify(lost));
  const attempts = rec.log.filter((e): e is Extract<RecoveryEvent, { kind: 'attempt' }> => e.kind === 'attempt');
  assert.equal(attempts.map((a) => a.afterMs).slice(0, 5), [1000, 2000, 4000, 8000, 16000]);
  // Each attempt is scheduled when the previous one failed; the first right at the outage.
  assert.ok(Math.abs(attempts[0]!.at - (t0 + 1000)) < 50, `${attempts[0]!.at - t0}`);
  // Recovered only after the network came back and registration (2 s) completed.
  assert.ok(ev.at >= t0 + 42_000, `${ev.at - t0}`);
  assert.ok(ev.at < t0 + 40_000 + 40_000, 'not more than one back-off step late');
  const b = await run(m.bearer());
  assert.is(b.state, 'connected');
  // Back-off reset after success: a new outage starts at 1 s again.
  const t1 = clock.now();
  network.addOutage({ startMs: t1 + 500, endMs: t1 + 3000 });
  await run(clock.sleep(1000));
  const last = rec.log.filter((e) => e.kind === 'attempt').at(-1) as Extract<RecoveryEvent, { kind: 'attempt' }>;
  assert.is(last.afterMs, 1000);
  rec.stop();
});

test('the module restarts by itself (RDY after a brown-out): re-initialised, echo off again, bearer back', async () => {
  const rig = await makeRig({ seed: 8 });
  const { modem: m, model, clock, run } = rig;
  await run(m.init());
  await run(clock.sleep(3000));
  await run(m.openBearer('internet'));
  const rec = new ModemRecovery(m, clock, { apn: 'internet', random: () => 0 });
  rec.start();
  model.brownOut();
  const recovered = new Promise<RecoveryEvent>((resolve) => rec.onEvent((e) => e.kind === 'recovered' && resolve(e)));
  const ev = await run(recovered, 120_000);
  assert.equal(ev.kind === 'recovered' && ev.action, 'reinit');
  assert.ok(rec.log.some((e) => e.kind === 'link-lost' && e.cause === 'RDY'), JSON.stringify(rec.log));
  // Echo is off again: a command's response carries no echo line (the model logs what it echoed).
  const before = m.at.digester.stats.echoes;
  assert.is((await run(m.signal())).rssi, 18);
  assert.is(m.at.digester.stats.echoes, before);
  assert.is((await run(m.bearer())).state, 'connected');
  rec.stop();
});

test.run();
