// Every fault code the device reports reaches someone (the default fault table has a row for each
// but the transient 'noisy' and 'motion'), and a pulse sensor finding no pulse during a critical
// rhythm is not texted to the family as a "technical fault".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase } from '../../server/db.ts';
import { classify, loadDefaultActionTables } from '../../server/action-tables.ts';
import { FAULTS, SENSORS, type Reading } from '../../protocol/readings.ts';
import { CONTACTS, HttpLpu, registerLpu, startServer, runEngine as run } from './helpers.ts';

const TECH = CONTACTS.technical.phone;
const FAMILY = CONTACTS.family.phone;

test('default tables: every fault code is classified as a fault, except the transient noisy and motion', () => {
  const tables = loadDefaultActionTables();
  for (const fault of FAULTS) {
    for (const sensor of SENSORS) {
      const c = classify(tables, { kind: 'fault', seq: 1, measuredAt: 1, sensor, fault });
      if (fault === 'noisy' || fault === 'motion') assert.is(c.level, 'none', fault);
      else assert.is(c.level, 'fault', `${sensor} ${fault}`);
    }
  }
});

const fault = (seq: number, sensor: (typeof SENSORS)[number], code: (typeof FAULTS)[number]): Reading => ({ kind: 'fault', seq, measuredAt: 1_700_000_000_000 + seq, sensor, fault: code });

test('through the server: a temperature probe-open reaches the technical contact; pulse no-pulse during asystole does not text anyone', async () => {
  const db = await openDatabase({});
  const h = await startServer(db, { script: { [CONTACTS.emergency.phone]: ['answered'] } });
  try {
    const { credential } = await registerLpu(h.base);
    const lpu = new HttpLpu(h.base, credential);
    await lpu.handshake();
    assert.is((await lpu.send([fault(1, 'temperature', 'probe-open')])).status, 200);
    await run(h, 1);
    const techSms = () => h.telephony.log.filter((d) => d.channel === 'sms' && d.to === TECH);
    assert.is(techSms().length, 1, 'probe-open was dropped silently before');
    assert.match(techSms()[0]!.text, /probe-open/);
    // Asystole (critical), then the finger sensor finds no pulse: the same emergency, not a fault.
    assert.is((await lpu.send([{ kind: 'rhythm', seq: 2, measuredAt: 1_700_000_000_002, rhythm: 'asystole' }, fault(3, 'ppg', 'no-pulse')])).status, 200);
    await run(h, 1);
    assert.is(techSms().length, 1, 'no technical notice for no pulse during asystole');
    const familyFault = h.telephony.log.filter((d) => d.channel === 'sms' && d.to === FAMILY && /TECHNICAL FAULT/.test(d.text));
    assert.equal(familyFault.length, 1, 'only the probe-open notice');
    const ev = await db.query(`SELECT level FROM events WHERE seq = 3`);
    assert.equal(ev.map((e) => String(e.level)), ['fault'], 'still recorded');
  } finally {
    await h.close();
    await db.close();
  }
});

test.run();
