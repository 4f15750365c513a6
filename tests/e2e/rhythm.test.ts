// The other rows of the default action tables end to end (see blood-pressure.test.ts for the
// chain): heart rate, rhythm (critical) and sensor faults. SpO2 has no sensor on the device.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { callSeq, e2e, uploadsClean } from './helpers.ts';

test('asystole (critical rhythm row): the emergency unit is called and answers, with the verified location; the family gets an SMS', async () => {
  const s = await e2e('asystole', 3);
  assert.is(uploadsClean(s), null);
  assert.ok(s.escalations.some((e) => e.kind === 'rhythm' && e.level === 'critical'), JSON.stringify(s.escalations));
  const em = s.alerts.find((a) => a.channel === 'call' && a.role === 'emergency');
  assert.ok(em && em.answeredAtMs !== undefined, JSON.stringify(s.alerts));
  // Asystole from 10 s; the rhythm reaches the server with the next upload (≤ 60 s) over GPRS.
  assert.ok(em!.latencyMs! > 0 && em!.latencyMs! <= 90_000, `latency ${em!.latencyMs}`);
  const sms = s.alerts.find((a) => a.channel === 'sms' && a.role === 'emergency');
  assert.ok(sms?.text?.includes('Verified location: LAI 262-01-0x1a2b'), sms?.text);
  assert.ok(s.alerts.some((a) => a.channel === 'sms' && a.role === 'family' && a.atMs <= em!.atMs + 60_000));
});

test.run();
