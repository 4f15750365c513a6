// Blood-pressure row of the default action tables, end to end: simulated patient → cuff and
// sensing firmware → uplink → UART → SIM800 model → GPRS model → server app (PGlite) → escalation
// engine → the server's own SIM800 placing the calls; email over SMTP on loopback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scenarioFromValues } from '../../sim/patient/scenarios.ts';
import { callSeq, checkRow, e2e, E2E_CONTACTS, reportRow, ROW_OPTIONS, uploadsClean, type RowLevel } from './helpers.ts';

test('hypertensive crisis: family, then family/physician in turn, then the emergency unit with the verified location', async () => {
  const s = await e2e('hypertensive-crisis', 20);
  assert.is(uploadsClean(s), null);
  // The truth crosses 130, 145 and 160 systolic in that order.
  assert.ok(s.crossings.family! < s.crossings.physician! && s.crossings.physician! < s.crossings.emergency!, JSON.stringify(s.crossings));
  const calls = callSeq(s);
  assert.is(calls[0], 'family:no-answer', calls.join());
  const firstEmergency = calls.indexOf('emergency:answered');
  assert.ok(firstEmergency > 0, calls.join());
  // Before the emergency unit: only family and physician, the physician at least once, never the
  // physician twice in a row (they alternate once the physician's step is reached).
  const before = calls.slice(0, firstEmergency);
  assert.ok(before.every((c) => c.startsWith('family') || c.startsWith('physician')), before.join());
  assert.ok(before.includes('physician:no-answer'), before.join());
  for (let i = 1; i < before.length; i++) assert.ok(!(before[i] === 'physician:no-answer' && before[i - 1] === 'physician:no-answer'), before.join());
  // The emergency unit is told the location the server verified in MA1 (the modem model's cell).
  const sms = s.alerts.find((a) => a.channel === 'sms' && a.role === 'emergency');
  assert.ok(sms?.text?.includes('Verified location: LAI 262-01-0x1a2b, cell 0x2f3e'), sms?.text);
  assert.is(sms!.to, E2E_CONTACTS.emergency.phone);
  // Email to the family went through the SMTP server.
  assert.ok(s.alerts.some((a) => a.channel === 'email' && a.role === 'family'));
  // Latency: the cuff measures every 2 min (plus ~40 s per measurement), so the first family call
  // comes within two cuff periods of the true crossing; the emergency call after the physician's turn.
  const fam = s.alerts.find((a) => a.channel === 'call' && a.role === 'family')!;
  assert.ok(fam.latencyMs! > 0 && fam.latencyMs! <= 240_000, `family latency ${fam.latencyMs}`);
  const em = s.alerts.find((a) => a.channel === 'call' && a.role === 'emergency')!;
  assert.ok(em.latencyMs! > 0 && em.latencyMs! <= 420_000, `emergency latency ${em.latencyMs}`);
  // From the cuff reading over 130 that the device measured to the family's first call: at most
  // the upload period of summaries (60 s; an alarm event takes the summary with it at once) + GPRS.
  const cuff = s.timeline.find((t) => t.source === 'device' && /^cuff (\d+)/.test(t.text) && Number(/^cuff (\d+)/.exec(t.text)![1]) > 130)!;
  assert.ok(fam.atMs - cuff.tMs < 75_000, `measured ${cuff.tMs} -> call ${fam.atMs}`);
});

// One run per row: the pressure is held at the row's value from the start, the cuff measures 5 s
// after power-on (then every 2 min), and a reading over 120 raises the device's hypertension
// alarm, which uploads at once. Onset is the start (the truth is in the band from 0 s); the
// latency includes the ~40 s cuff cycle. Retry interval 10 s (ROW_OPTIONS).
const rows: Array<[string, number, number, RowLevel, number]> = [
  ['> 120 (above normal)', 125, 80, 'mild', 1.5],
  ['> 130 (family)', 138, 86, 'family', 1.5],
  ['> 145 (physician)', 152, 94, 'physician', 2.5],
  ['> 160 (emergency)', 175, 105, 'emergency', 3.5],
];
for (const [row, sys, dia, level, minutes] of rows) {
  test(`blood pressure ${row}: patient at ${sys}/${dia} mmHg → ${level}`, async () => {
    const s = await e2e(scenarioFromValues({ heartRateBpm: 72, systolicMmHg: sys, diastolicMmHg: dia }), minutes, { ...ROW_OPTIONS, device: { nibpIntervalMs: 120_000, nibpFirstAfterMs: 5000 } });
    const r = checkRow(s, { topic: 'blood-pressure', level, onsetMs: 0 });
    assert.is(r.error, null);
    reportRow(`blood-pressure ${row} ${level} (${sys}/${dia} mmHg)`, r.line);
    const cuff = s.timeline.find((t) => t.source === 'device' && t.text.startsWith('cuff '));
    assert.ok(cuff, 'the cuff measured');
    // The first cuff result after ~45 s, then the alarm upload (or the 60 s upload for mild).
    assert.ok(r.firstAlertMs! > cuff!.tMs && r.firstAlertMs! < cuff!.tMs + (level === 'mild' ? 75_000 : 20_000), `first notice ${r.firstAlertMs} ms, cuff at ${cuff!.tMs} ms`);
  });
}

test.run();
