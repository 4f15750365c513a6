// The other rows of the default action tables end to end (see blood-pressure.test.ts for the
// chain): heart rate, rhythm (critical) and sensor faults. SpO2 has no sensor on the device.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { callSeq, e2e, uploadsClean } from './helpers.ts';

test('ECG lead-off (fault row): SMS and email to the technical contact, SMS to the family, no calls', async () => {
  const s = await e2e('lead-off', 2);
  assert.is(uploadsClean(s), null);
  assert.equal(callSeq(s), []);
  assert.ok(s.alerts.some((a) => a.channel === 'sms' && a.role === 'technical' && a.text?.includes('TECHNICAL FAULT (not a medical alarm)')), JSON.stringify(s.alerts));
  assert.ok(s.alerts.some((a) => a.channel === 'email' && a.role === 'technical'));
  assert.ok(s.alerts.some((a) => a.channel === 'sms' && a.role === 'family'));
  assert.ok(!s.alerts.some((a) => a.role === 'emergency'));
  assert.equal(s.escalations.map((e) => `${e.kind}:${e.level}`), ['fault:ecg:lead-off:fault']);
});

test.run();
