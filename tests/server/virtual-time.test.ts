// The server on the simulator's virtual clock (sim/clock.ts): an escalation runs through its
// minutes of retries in virtual time, with no manual stepping, because the engine's work is
// tracked by the clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { createBsnServer } from '../../server/app.ts';
import { openDatabase } from '../../server/db.ts';
import { silentLogger } from '../../server/log.ts';
import { composeNotifier, ScriptedTelephony } from '../../server/notifier.ts';
import { seededRandom } from '../protocol/helpers.ts';
import { bp, CONTACTS, HttpLpu, OPERATOR_TOKEN, registerLpu } from './helpers.ts';

test('BP 170 escalates to the emergency unit on virtual time, one call per virtual retry interval', async () => {
  const clock = new VirtualClock({ startMs: 1_000_000 });
  const telephony = new ScriptedTelephony({ [CONTACTS.emergency.phone]: ['no-answer', 'no-answer', 'answered'] });
  const db = await openDatabase({});
  const server = await createBsnServer({
    db, clock, notifier: composeNotifier(telephony, null), operatorToken: OPERATOR_TOKEN, random: seededRandom(3), log: silentLogger,
    escalation: { retryIntervalMs: 60_000 },
  });
  const base = `http://127.0.0.1:${await server.listen(0)}`;
  try {
    const { credential } = await registerLpu(base);
    const lpu = new HttpLpu(base, credential);
    await lpu.handshake();
    await lpu.send([bp(1, 170)]);
    await clock.runFor(20 * 60_000);
    const calls = telephony.log.filter((d) => d.channel === 'call');
    assert.equal(calls.map((c) => `${c.to}:${c.outcome}`), [
      `${CONTACTS.family.phone}:no-answer`, `${CONTACTS.physician.phone}:no-answer`,
      `${CONTACTS.emergency.phone}:no-answer`, `${CONTACTS.emergency.phone}:no-answer`, `${CONTACTS.emergency.phone}:answered`,
    ]);
    const times = (await db.query(`SELECT created_at FROM notifications WHERE channel = 'call' ORDER BY step`)).map((r) => Number(r.created_at));
    // One call per retry interval of virtual time (calls take no virtual time in the double).
    assert.equal(times.map((t) => t - times[0]!), [0, 60_000, 120_000, 180_000, 240_000]);
  } finally {
    await server.close();
    await db.close();
  }
});

test.run();
