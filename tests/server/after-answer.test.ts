// After someone answered: the device keeps repeating the value that was answered for (a cuff
// reading rides in every 5 s summary), and the person who took charge must not be rung again for
// it. The same level stays quiet for answeredQuietMs; a higher level, or the condition still there
// after the quiet time, opens a new escalation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase } from '../../server/db.ts';
import { opensAfter, type PreviousEscalation } from '../../server/escalation.ts';
import { bp, CONTACTS, HttpLpu, registerLpu, startServer, runEngine as run } from './helpers.ts';

const FAMILY = CONTACTS.family.phone;
const MIN = 60_000;

test('opensAfter: only an answered escalation quiets the same or a lower level, for the quiet time', () => {
  const answered: PreviousEscalation = { level: 'physician', status: 'resolved', resolution: 'family answered', updatedAt: 0 };
  const cfg = { answeredQuietMs: 30 * MIN };
  assert.is(opensAfter(null, 'family', 1, cfg), true);
  assert.is(opensAfter(answered, 'family', 10 * MIN, cfg), false);
  assert.is(opensAfter(answered, 'physician', 29 * MIN, cfg), false);
  assert.is(opensAfter(answered, 'physician', 30 * MIN, cfg), true, 'still there after the quiet time');
  assert.is(opensAfter(answered, 'emergency', 1, cfg), true, 'worse: at once');
  assert.is(opensAfter(answered, 'critical', 1, cfg), true);
  assert.is(opensAfter({ ...answered, status: 'active' }, 'family', 1, cfg), true);
  assert.is(opensAfter({ ...answered, resolution: 'fault reported', level: 'fault' }, 'fault', 1, cfg), true);
  assert.is(opensAfter(answered, 'physician', 29 * MIN, {}), false, 'default 30 min');
});

test('through the server: the family answers for BP 135; the repeated 135 rings nobody; 150 opens a new one; 135 after 30 min does too', async () => {
  const db = await openDatabase({});
  const h = await startServer(db, { script: { [FAMILY]: ['answered', 'answered', 'answered'] } });
  try {
    const { credential } = await registerLpu(h.base);
    const lpu = new HttpLpu(h.base, credential);
    await lpu.handshake();
    const familyCalls = () => h.telephony.log.filter((d) => d.channel === 'call' && d.to === FAMILY).length;
    assert.is((await lpu.send([bp(1, 135)])).status, 200);
    await run(h, 3);
    assert.is(familyCalls(), 1);
    // The same cuff reading repeated in the next summaries (new seqs, same value).
    assert.is((await lpu.send([bp(2, 135), bp(3, 135)])).status, 200);
    await run(h, 5);
    assert.is(familyCalls(), 1, 'no new call for the value just answered for');
    let esc = await db.query('SELECT status FROM escalations ORDER BY id');
    assert.equal(esc.map((e) => String(e.status)), ['resolved']);
    const quiet = await db.query("SELECT count(*)::int AS n FROM events WHERE escalation_id IS NULL AND level = 'family'");
    assert.is(Number(quiet[0]!.n), 2, 'the repeated readings are still recorded as events');
    // Worse: a new escalation at once (family first, then physician in turn).
    assert.is((await lpu.send([bp(4, 150)])).status, 200);
    await run(h, 3);
    assert.is(familyCalls(), 2);
    esc = await db.query('SELECT status FROM escalations ORDER BY id');
    assert.is(esc.length, 2);
    // Still 135 after the quiet time (30 min after the second escalation was answered).
    await run(h, 31);
    await lpu.handshake(); // the session has expired meanwhile
    assert.is((await lpu.send([bp(5, 135)])).status, 200);
    await run(h, 3);
    assert.is(familyCalls(), 3, 'the condition persists: the family hears again');
  } finally {
    await h.close();
    await db.close();
  }
});

test.run();
