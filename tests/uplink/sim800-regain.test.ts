// The uplink over the SIM800 model when coverage comes back: the modem reports the registration
// (+CREG URC) and the uplink retries within seconds instead of sleeping out a back-off of up to
// 5 min; a server that answers with errors keeps the back-off even when coverage flickers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sim800World } from './sim800-rig.ts';
import type { Registration } from '../../firmware/modem/sim800.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** A 1 h outage (long enough to reach the 5 min back-off cap) with an alarm in it. */
async function outage(seed: number, watchRegistration: boolean) {
  const start = 5 * MIN;
  const end = start + HOUR;
  const w = await sim800World({ seed, watchRegistration, rig: { network: { outages: [{ startMs: start, endMs: end }] } } });
  const regs: { atMs: number; reg: Registration }[] = [];
  w.modem.onRegistration((reg) => regs.push({ atMs: w.clock.now(), reg }));
  let firstOkMs: number | null = null;
  let alarmMs: number | null = null;
  w.uplink.onContact((ok) => {
    const now = w.clock.now();
    if (ok && now > end) firstOkMs ??= now;
    if (alarmMs === null && w.server.stored().some((r) => r.kind === 'alarm')) alarmMs = now;
  });
  w.clock.after(start + 30 * MIN, () => w.uplink.event([{ kind: 'alarm', condition: 'bradycardia', level: 'severe', change: 'raised', measuredAt: w.uplink.epoch() }]));
  w.uplink.start();
  await w.clock.runFor(end + 15 * MIN);
  w.uplink.stop();
  const stored = w.server.stored();
  stored.forEach((r, i) => assert.is(r.seq, i + 1, 'contiguous'));
  assert.is(stored.filter((r) => r.kind === 'alarm').length, 1);
  assert.ok(firstOkMs !== null && alarmMs !== null, 'delivered after the outage');
  return { w, regs, start, end, firstAfterS: (firstOkMs! - end) / 1000, alarmAfterS: (alarmMs! - end) / 1000 };
}

test('network back after 1 h: the modem reports it and the first upload follows within seconds', async () => {
  const r = await outage(31, true);
  // The model reports the loss and the return (+CREG: 2, then +CREG: 1,"lac","ci").
  const lost = r.regs.find((x) => x.atMs >= r.start && x.reg.state === 'searching');
  const back = r.regs.find((x) => x.atMs >= r.end && x.reg.state === 'home');
  assert.ok(lost && lost.atMs < r.start + 1000, JSON.stringify(r.regs));
  assert.ok(back && back.atMs - r.end < 10_000, JSON.stringify(r.regs));
  assert.is(back!.reg.lac, 0x1a2b);
  assert.ok(r.w.uplink.stats.regained >= 1);
  // Registration (2 s in the model) + jitter (< 3 s) + MA1 and the first frame over GPRS.
  assert.ok(r.firstAfterS < 15, `first upload ${r.firstAfterS} s after the network came back`);
  // The alarm waits for the half hour of summaries queued before it (about 1 100 readings, 6 frames).
  assert.ok(r.alarmAfterS < 60, `alarm stored ${r.alarmAfterS} s after the network came back`);
  const b = await outage(31, false);
  console.log(`  1 h outage: first upload ${r.firstAfterS.toFixed(1)} s, alarm stored ${r.alarmAfterS.toFixed(1)} s after the network came back (back-off alone: ${b.firstAfterS.toFixed(1)} s, ${b.alarmAfterS.toFixed(1)} s); ${r.w.uplink.stats.failures} failed attempts (${b.w.uplink.stats.failures})`);
  // The back-off alone waits out its last sleep (capped at 5 min +-25 %): the test can tell them apart.
  assert.ok(b.firstAfterS > r.firstAfterS, `back-off alone ${b.firstAfterS} s`);
});

test('a server answering 503 keeps its back-off when coverage flickers', async () => {
  const w = await sim800World({ seed: 32 });
  const server = w.network.endpoint!;
  let failing = true;
  w.network.endpoint = { post: (url, body, type) => (failing ? Promise.resolve({ status: 503, body: new Uint8Array(0) }) : server.post(url, body, type)) };
  w.uplink.start();
  w.uplink.event([{ kind: 'alarm', condition: 'bradycardia', level: 'severe', change: 'raised', measuredAt: w.uplink.epoch() }]);
  await w.clock.runFor(20 * MIN);
  assert.is(w.uplink.status().lastError, 'unreachable');
  const failures = w.uplink.stats.failures;
  assert.ok(failures >= 5 && failures < 20, `failures ${failures}`);
  // 20 s without coverage while the uplink sleeps (its waits are minutes long by now).
  const lostAt = w.clock.now() + 1000;
  w.network.addOutage({ startMs: lostAt, endMs: lostAt + 20_000 });
  const postsBefore = w.network.posts.length;
  // (The first registration after power-up counts already: the uplink's first tries found no cell.)
  const regained = w.uplink.stats.regained;
  await w.clock.runFor(60_000);
  // No retry at the return: the server, not the network, is what fails.
  const early = w.network.posts.slice(postsBefore).filter((p) => p.at < lostAt + 50_000);
  assert.is(early.length, 0, `POSTs at ${early.map((p) => p.at - lostAt).join()} ms`);
  assert.is(w.uplink.stats.regained, regained);
  failing = false;
  await w.clock.runFor(15 * MIN);
  w.uplink.stop();
  assert.ok(w.server.stored().some((r) => r.kind === 'alarm'), 'delivered once the server recovers');
  console.log(`  503 for 20 min with a 20 s coverage gap: ${failures} failed attempts, none at the return`);
});

test.run();
