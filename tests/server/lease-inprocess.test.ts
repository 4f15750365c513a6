// Escalation leases with two engines in one process on one database (PGlite, and PostgreSQL when
// BSN_TEST_DATABASE_URL is set), each on its own manual clock: a reading that raises the level
// arrives at the engine without the lease; the holder notices the change at its next poll and
// acts at once (not at its old timer). An orderly stop hands the escalation over without waiting
// for the lease to run out. Calls are counted per engine's phone network.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backends, bp, CONTACTS, HttpLpu, registerLpu, startServer, type Harness } from './helpers.ts';

const FAMILY = CONTACTS.family.phone;
const PHYSICIAN = CONTACTS.physician.phone;
const EMERGENCY = CONTACTS.emergency.phone;
const calls = (h: Harness) => h.telephony.log.filter((d) => d.channel === 'call').map((d) => d.to);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

for (const backend of backends()) {
  test(`${backend.name}: a raise through the other engine is acted on by the holder at its next poll; a stop hands over at once`, async () => {
    const db = await backend.open();
    const lease = (instanceId: string) => ({ shared: true, instanceId, leaseMs: 60_000, pollMs: 50 });
    const a = await startServer(db, { lease: lease('A') });
    const b = await startServer(db, { lease: lease('B') });
    try {
      const { credential } = await registerLpu(a.base);
      const viaA = new HttpLpu(a.base, credential, 5);
      await viaA.handshake();
      assert.is((await viaA.send([bp(1, 135)])).status, 200); // family level, opened by A
      await a.server.engine!.idle();
      assert.equal(calls(a), [FAMILY]);
      assert.is(String((await db.query('SELECT lease_owner FROM escalations'))[0]!.lease_owner), 'A');

      // 165 through B: the emergency level, due at once. B may not call; A's next poll sees the
      // new version and calls without waiting for its 60 s timer (no clock is advanced here).
      const viaB = new HttpLpu(b.base, viaA.client.credential, 6);
      await viaB.handshake();
      const t0 = Date.now();
      assert.is((await viaB.send([bp(2, 165)])).status, 200);
      await until(() => calls(a).length >= 2, 5000, 'the holder to act on the raise');
      const reactMs = Date.now() - t0;
      assert.equal(calls(a), [FAMILY, PHYSICIAN]);
      assert.equal(calls(b), [], 'the engine without the lease placed no call');
      assert.match(a.telephony.log.at(-1)!.text, /blood pressure 165\/80 mmHg/, 'the call quotes the raise B received');

      // A stops in order: its lease is released, B takes over at its next poll, not after 60 s.
      await a.close();
      const stoppedAt = Date.now();
      let owner = '';
      while (owner !== 'B' && Date.now() - stoppedAt < 5000) {
        await sleep(20);
        owner = String((await db.query('SELECT lease_owner FROM escalations'))[0]!.lease_owner);
      }
      const handoverMs = Date.now() - stoppedAt;
      assert.is(owner, 'B');
      assert.ok(handoverMs < 5000, 'handed over long before the 60 s lease ran out');
      for (let i = 0; i < 3; i++) {
        b.clock.advance(60_000);
        await sleep(100);
        await b.server.engine!.idle();
      }
      // Family and physician were each called once without an answer: the unit is next, and B calls it.
      assert.equal(calls(b), [EMERGENCY, EMERGENCY, EMERGENCY], 'B continues with the emergency unit');
      assert.ok(b.telephony.log.some((d) => d.channel === 'sms' && d.to === EMERGENCY), 'B sent the unit its SMS');
      assert.is(calls(a).length, 2, 'A placed nothing after its stop');
      console.log(`${backend.name}: holder reacted to the raise in ${reactMs} ms, handover after stop ${handoverMs} ms (poll 50 ms, lease 60 s)`);
    } finally {
      await a.close().catch(() => undefined);
      await b.close();
      await db.drop();
    }
  });
}

test.run();
