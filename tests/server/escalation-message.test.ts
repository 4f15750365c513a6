// Escalation texts quote the newest reading, when it was measured and its course since the
// reading that opened the escalation; the emergency unit also gets the verified location with the
// time it was verified. Whole server (HTTP upload, engine, outbox, telephony double) on a manual
// clock; PGlite and PostgreSQL.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeCurrent, formatClockTime } from '../../server/describe.ts';
import type { Reading } from '../../protocol/readings.ts';
import { backends, CONTACTS, HttpLpu, registerLpu, startServer } from './helpers.ts';

const FAMILY = CONTACTS.family.phone;
const PHYSICIAN = CONTACTS.physician.phone;
const EMERGENCY = CONTACTS.emergency.phone;
const MIN = 60_000;
// ManualClock starts at 1_700_000_000_000 = 2023-11-14 22:13:20 UTC.
const T0 = 1_700_000_000_000;

const bpAt = (seq: number, systolicMmHg: number, diastolicMmHg: number, measuredAt: number): Reading => ({ kind: 'blood-pressure', seq, measuredAt, systolicMmHg, diastolicMmHg });

test('describeCurrent: value, time, course since the opening reading', () => {
  const first = bpAt(1, 165, 80, T0);
  assert.is(describeCurrent(first, first, T0), 'blood pressure 165/80 mmHg at 22:13 UTC');
  assert.is(describeCurrent(bpAt(2, 182, 110, T0 + 13 * MIN), first, T0 + 14 * MIN), 'blood pressure 182/110 mmHg at 22:26 UTC (rising since 22:13, from 165/80 mmHg)');
  assert.is(describeCurrent(bpAt(3, 150, 90, T0 + 20 * MIN), first, T0 + 20 * MIN), 'blood pressure 150/90 mmHg at 22:33 UTC (falling since 22:13, from 165/80 mmHg)');
  const rhythm = (seq: number, r: 'af' | 'vf', at: number): Reading => ({ kind: 'rhythm', seq, measuredAt: at, rhythm: r });
  assert.is(describeCurrent(rhythm(2, 'vf', T0 + MIN), rhythm(1, 'af', T0), T0 + MIN), 'rhythm vf at 22:14 UTC (was af at 22:13)');
  // Another calendar day gets its date; another time zone its own clock time and name.
  assert.is(formatClockTime(T0, T0 + 2 * 3_600_000), '14 Nov 2023 22:13 UTC');
  assert.is(describeCurrent(bpAt(2, 182, 110, T0 + 13 * MIN), first, T0 + 14 * MIN, { short: true }), 'BP 182/110 mmHg at 22:26 UTC (rising since 22:13, from 165/80 mmHg)');
  assert.is(describeCurrent(bpAt(2, 182, 110, T0 + 13 * MIN), first, T0 + 14 * MIN, { short: true, noCourse: true }), 'BP 182/110 mmHg at 22:26 UTC');
  assert.match(formatClockTime(T0, T0, 'Europe/Berlin'), /^23:13 (CET|GMT\+1)$/);
});

for (const backend of backends()) {
  test(`${backend.name}: each step quotes the newest reading; the unit gets it with the verified location`, async () => {
    const db = await backend.open();
    // Ten minutes between calls: family 22:13, physician 22:23, emergency unit 22:33, again 22:43.
    const h = await startServer(db, { escalation: { retryIntervalMs: 10 * MIN, emergencyAfterRounds: 1 }, script: { [EMERGENCY]: ['no-answer', 'answered'] } });
    try {
      const { credential } = await registerLpu(h.base);
      const lpu = new HttpLpu(h.base, credential);
      await lpu.handshake();
      const engine = h.server.engine!;
      const advance = async (ms: number) => {
        for (let t = 0; t < ms; t += MIN) {
          h.clock.advance(MIN);
          await engine.idle();
        }
      };
      assert.is((await lpu.send([bpAt(1, 165, 80, T0)])).status, 200);
      await engine.idle();
      await advance(13 * MIN); // 22:26: the physician was called at 22:23
      assert.is((await lpu.send([bpAt(2, 182, 110, T0 + 13 * MIN)])).status, 200);
      await advance(10 * MIN); // 22:36: the unit was called at 22:33
      assert.is((await lpu.send([bpAt(3, 150, 90, T0 + 23 * MIN)])).status, 200);
      await advance(10 * MIN); // 22:46: the unit again at 22:43, and answers

      const log = h.telephony.log;
      const calls = log.filter((d) => d.channel === 'call');
      assert.equal(calls.map((c) => c.to), [FAMILY, PHYSICIAN, EMERGENCY, EMERGENCY]);
      // The family's first SMS and the first two calls: only the opening reading exists.
      const familySms = log.find((d) => d.channel === 'sms' && d.to === FAMILY)!;
      assert.match(familySms.text, /: blood pressure 165\/80 mmHg at 22:13 UTC\./);
      assert.match(calls[1]!.text, /blood pressure 165\/80 mmHg at 22:13 UTC\./);
      // Step 3 (the unit, 22:33): the newer, higher reading with its time and course.
      const unitSms = log.filter((d) => d.channel === 'sms' && d.to === EMERGENCY);
      assert.is(unitSms.length, 1);
      assert.is(unitSms[0]!.text, 'BSN-Care EMERGENCY patient #1: BP 182/110 mmHg at 22:26 UTC (rising since 22:13, from 165/80 mmHg). Verified location: LAI 262-01-0x1a2b (verified 22:13 UTC).');
      assert.ok(unitSms[0]!.text.length <= 160, 'one SMS');
      assert.match(calls[2]!.text, /^BSN-Care EMERGENCY for patient #\d+ \(.*\): blood pressure 182\/110 mmHg at 22:26 UTC \(rising since 22:13, from 165\/80 mmHg\)\. Verified location: LAI 262-01-0x1a2b \(verified 22:13 UTC\)\.$/);
      assert.not.match(calls[2]!.text, /165\/80 mmHg at/, 'the opening value is quoted only as the start of the course');
      // Step 4 (22:43): the newest reading is lower again.
      assert.match(calls[3]!.text, /blood pressure 150\/90 mmHg at 22:36 UTC \(falling since 22:13, from 165\/80 mmHg\)\. Verified location: LAI 262-01-0x1a2b/);
      // The outbox keeps exactly what was sent.
      const rows = await db.query(`SELECT message FROM notifications WHERE channel = 'call' ORDER BY step`);
      assert.equal(rows.map((r) => String(r.message)), calls.map((c) => c.text));
    } finally {
      await h.close();
      await db.drop();
    }
  });
}

test.run();
