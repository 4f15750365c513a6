// Escalation scenarios through the whole server (HTTP upload, classification, engine, outbox,
// telephony double) on a manual clock: one per row of the default blood-pressure table, and
// heart-rate, temperature, rhythm and fault rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROUTES } from '../../server/app.ts';
import { int, openDatabase } from '../../server/db.ts';
import type { CallOutcome } from '../../server/escalation.ts';
import type { Reading } from '../../protocol/readings.ts';
import { composeNotifier, type Telephony } from '../../server/notifier.ts';
import { bp, CONTACTS, HttpLpu, post, registerLpu, startServer, runEngine as run } from './helpers.ts';

const FAMILY = CONTACTS.family.phone;
const PHYSICIAN = CONTACTS.physician.phone;
const EMERGENCY = CONTACTS.emergency.phone;
const TECH = CONTACTS.technical.phone;

async function scenario(script: Record<string, CallOutcome[]>, readings: Reading[], minutes = 6) {
  const db = await openDatabase({});
  const h = await startServer(db, { script });
  const { credential } = await registerLpu(h.base);
  const lpu = new HttpLpu(h.base, credential);
  await lpu.handshake();
  const r = await lpu.send(readings);
  assert.is(r.status, 200);
  await run(h, minutes);
  const calls = h.telephony.log.filter((d) => d.channel === 'call').map((d) => `${d.to}:${d.outcome}`);
  const sms = h.telephony.log.filter((d) => d.channel === 'sms');
  const esc = await db.query('SELECT status, state FROM escalations ORDER BY id');
  const events = await db.query('SELECT level FROM events ORDER BY id');
  return { h, db, lpu, calls, sms, esc, events: events.map((e) => String(e.level)), close: async () => { await h.close(); await db.close(); } };
}

test('BP 118 (<= 120): nothing at all', async () => {
  const s = await scenario({}, [bp(1, 118)]);
  assert.equal(s.calls, []);
  assert.equal(s.sms, []);
  assert.equal(s.events, []);
  await s.close();
});

test('BP 125 (120..130): a mild event is recorded, nobody is called', async () => {
  const s = await scenario({}, [bp(1, 125)]);
  assert.equal(s.events, ['mild']);
  assert.equal(s.calls, []);
  assert.equal(s.sms, []);
  await s.close();
});

test('BP 135 (> 130): family informed and called until they answer; nobody else', async () => {
  const s = await scenario({ [FAMILY]: ['no-answer', 'busy', 'answered'] }, [bp(1, 135)]);
  assert.equal(s.calls, [`${FAMILY}:no-answer`, `${FAMILY}:busy`, `${FAMILY}:answered`]);
  assert.equal(s.sms.map((m) => m.to), [FAMILY]);
  assert.match(s.sms[0]!.text, /blood pressure 135\/80 mmHg/);
  assert.equal(s.esc.map((e) => String(e.status)), ['resolved']);
  assert.is(JSON.parse(String(s.esc[0]!.state)).core.fr, true);
  await s.close();
});

test('BP 150 (> 145): family, then physician, in turn until one answers', async () => {
  const s = await scenario({ [FAMILY]: ['no-answer', 'no-answer', 'no-answer'], [PHYSICIAN]: ['no-answer', 'answered'] }, [bp(1, 150)]);
  assert.equal(s.calls, [`${FAMILY}:no-answer`, `${PHYSICIAN}:no-answer`, `${FAMILY}:no-answer`, `${PHYSICIAN}:answered`]);
  assert.not.ok(s.calls.some((c) => c.startsWith(EMERGENCY)), 'no emergency unit below 160');
  assert.is(JSON.parse(String(s.esc[0]!.state)).core.pr, true);
  await s.close();
});

test('BP 165 (> 160), fr = pr = false: emergency unit with the verified location, repeated until it answers', async () => {
  const s = await scenario({ [EMERGENCY]: ['no-answer', 'answered'] }, [bp(1, 165)]);
  assert.equal(s.calls, [`${FAMILY}:no-answer`, `${PHYSICIAN}:no-answer`, `${EMERGENCY}:no-answer`, `${EMERGENCY}:answered`]);
  const emergencyCalls = s.h.telephony.log.filter((d) => d.channel === 'call' && d.to === EMERGENCY);
  for (const c of emergencyCalls) assert.match(c.text, /Verified location: LAI 262-01-0x1a2b/);
  const toUnit = s.sms.filter((m) => m.to === EMERGENCY);
  assert.is(toUnit.length, 1);
  assert.match(toUnit[0]!.text, /EMERGENCY.*BP 165\/80 mmHg.*LAI 262-01-0x1a2b/);
  assert.ok(toUnit[0]!.text.length <= 160, 'the unit\'s SMS fits one SMS');
  assert.is(String(s.esc[0]!.status), 'resolved');
  await s.close();
});

test('BP 165 but the physician answers: stops before the emergency unit', async () => {
  const s = await scenario({ [PHYSICIAN]: ['answered'] }, [bp(1, 165)]);
  assert.equal(s.calls, [`${FAMILY}:no-answer`, `${PHYSICIAN}:answered`]);
  await s.close();
});

test('BP rising during an open escalation raises its level (135 then 165)', async () => {
  const db = await openDatabase({});
  const h = await startServer(db, { script: { [EMERGENCY]: ['answered'] } });
  const { credential } = await registerLpu(h.base);
  const lpu = new HttpLpu(h.base, credential);
  await lpu.handshake();
  await lpu.send([bp(1, 135)]);
  await run(h, 2);
  await lpu.send([bp(2, 165)]);
  await run(h, 10);
  const calls = h.telephony.log.filter((d) => d.channel === 'call').map((d) => d.to);
  // Family was called alone at first; after the rise the physician and then the unit follow.
  assert.equal(calls.slice(0, 3), [FAMILY, FAMILY, FAMILY]);
  assert.ok(calls.includes(PHYSICIAN));
  assert.is(calls[calls.length - 1], EMERGENCY);
  assert.is(int((await db.query('SELECT count(*) AS n FROM escalations'))[0]!.n), 1, 'one escalation, raised');
  await h.close();
  await db.close();
});

test('acknowledging through the link token stops the calls (fr from the web link)', async () => {
  const db = await openDatabase({});
  const h = await startServer(db, {});
  const { credential } = await registerLpu(h.base);
  const lpu = new HttpLpu(h.base, credential);
  await lpu.handshake();
  await lpu.send([bp(1, 140)]);
  await run(h, 3);
  const callsBefore = h.telephony.log.filter((d) => d.channel === 'call').length;
  assert.ok(callsBefore >= 3);
  const link = /https:\/\/care\.example\.test\/ack\/([A-Za-z0-9_-]+)/.exec(h.telephony.log.find((d) => d.channel === 'sms')!.text);
  assert.ok(link, 'SMS carries the link');
  assert.ok(link![1]!.length >= 43, 'token has >= 256 bits in base64url');
  const bad = await post(h.base, ROUTES.ack, JSON.stringify({ token: 'A'.repeat(43) }), { 'content-type': 'application/json' });
  assert.is(bad.status, 404);
  const ok = await post(h.base, ROUTES.ack, JSON.stringify({ token: link![1] }), { 'content-type': 'application/json' });
  assert.is(ok.status, 200);
  assert.equal(ok.json, { acknowledged: true, role: 'family' });
  await run(h, 5);
  assert.is(h.telephony.log.filter((d) => d.channel === 'call').length, callsBefore, 'no call after the acknowledgement');
  assert.is(String((await db.query('SELECT status FROM escalations'))[0]!.status), 'resolved');
  await h.close();
  await db.close();
});

test('heart rate: 45 bpm family (bradycardia), 35 bpm physician step, 120 bpm family (tachycardia)', async () => {
  const at = (seq: number, heartRateBpm: number): Reading => ({ kind: 'heart-rate', seq, measuredAt: seq, heartRateBpm });
  const a = await scenario({ [FAMILY]: ['answered'] }, [at(1, 45)], 2);
  assert.equal(a.calls, [`${FAMILY}:answered`]);
  await a.close();
  const b = await scenario({ [PHYSICIAN]: ['answered'] }, [at(1, 35)], 3);
  assert.equal(b.calls, [`${FAMILY}:no-answer`, `${PHYSICIAN}:answered`]);
  await b.close();
  const c = await scenario({ [FAMILY]: ['answered'] }, [at(1, 120)], 2);
  assert.equal(c.calls, [`${FAMILY}:answered`]);
  assert.match(c.sms[0]!.text, /\(tachycardia at rest\): heart rate 120 bpm at (1 Jan 1970 )?00:00 UTC/);
  await c.close();
});

test('temperature: 38.6 °C fever informs the family; 34 °C hypothermia reaches the physician', async () => {
  const at = (seq: number, tempC: number): Reading => ({ kind: 'temperature', seq, measuredAt: seq, tempC });
  const a = await scenario({ [FAMILY]: ['answered'] }, [at(1, 38.6)], 2);
  assert.equal(a.calls, [`${FAMILY}:answered`]);
  assert.match(a.sms[0]!.text, /fever/);
  await a.close();
  const b = await scenario({ [PHYSICIAN]: ['answered'] }, [at(1, 34)], 3);
  assert.equal(b.calls, [`${FAMILY}:no-answer`, `${PHYSICIAN}:answered`]);
  await b.close();
});

test('rhythm: asystole calls the emergency unit directly with the location; AF reaches the physician', async () => {
  const at = (seq: number, rhythm: 'asystole' | 'af'): Reading => ({ kind: 'rhythm', seq, measuredAt: seq, rhythm });
  const a = await scenario({ [EMERGENCY]: ['answered'] }, [at(1, 'asystole')], 2);
  assert.equal(a.calls, [`${EMERGENCY}:answered`], 'critical: the unit first, no family round');
  assert.match(a.h.telephony.log.find((d) => d.channel === 'call')!.text, /asystole.*LAI 262-01-0x1a2b/);
  assert.ok(a.sms.some((m) => m.to === FAMILY), 'family is told by SMS');
  await a.close();
  const b = await scenario({ [PHYSICIAN]: ['answered'] }, [at(1, 'af')], 3);
  assert.equal(b.calls, [`${FAMILY}:no-answer`, `${PHYSICIAN}:answered`]);
  await b.close();
});

test('sensor fault: lead-off goes to the technical contact and the family as a FAULT, never a call or the unit; repeats are quiet', async () => {
  const f = (seq: number): Reading => ({ kind: 'fault', seq, measuredAt: seq, sensor: 'ecg', fault: 'lead-off' });
  const s = await scenario({}, [f(1)], 5);
  assert.equal(s.calls, []);
  assert.equal(s.sms.map((m) => m.to).sort(), [FAMILY, TECH].sort());
  for (const m of s.sms) assert.match(m.text, /TECHNICAL FAULT \(not a medical alarm\).*ecg sensor fault: lead-off/);
  assert.not.ok(s.sms.some((m) => m.to === EMERGENCY));
  await s.lpu.send([f(2)]);
  await run(s.h, 2);
  assert.is(s.h.telephony.log.length, 2, 'the same fault again within the quiet time notifies nobody');
  assert.equal((await s.db.query('SELECT level FROM events ORDER BY id')).map((e) => String(e.level)), ['fault', 'fault']);
  await s.close();
});

test('a telephony adapter that throws counts as a failed call; the escalation goes on', async () => {
  const db = await openDatabase({});
  const dialled: string[] = [];
  const flaky: Telephony = {
    async call(to) {
      dialled.push(to);
      if (to === FAMILY) throw new Error('modem jammed');
      return 'answered';
    },
    async sms() { throw new Error('modem jammed'); },
  };
  const h = await startServer(db, { notifier: composeNotifier(flaky, null) });
  const { credential } = await registerLpu(h.base);
  const lpu = new HttpLpu(h.base, credential);
  await lpu.handshake();
  await lpu.send([bp(1, 150)]);
  await run(h, 3);
  assert.equal(dialled, [FAMILY, PHYSICIAN]);
  const rows = await db.query(`SELECT channel, role, status, outcome FROM notifications ORDER BY step`);
  assert.ok(rows.every((r) => r.status === 'done'));
  assert.equal(rows.filter((r) => r.channel === 'call').map((r) => `${String(r.role)}:${String(r.outcome)}`), ['family:failed', 'physician:answered']);
  assert.is(String((await db.query('SELECT status FROM escalations'))[0]!.status), 'resolved');
  await h.close();
  await db.close();
});

test.run();
