// Critical rhythm row of the default action tables end to end (see blood-pressure.test.ts for the
// chain): asystole. The alarm event uploads at once (it does not wait for the 60 s upload period),
// and on the server's one modem whatever goes to the emergency number goes first: a call ringing
// at the family (opened by the heart-rate-0 reading of the same upload) is hung up for it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { callSeq, e2e, uploadsClean } from './helpers.ts';

test('asystole (critical rhythm row): the emergency unit is called within seconds of detection and answers, with the verified location; the family gets an SMS', async () => {
  const s = await e2e('asystole', 1.5);
  assert.is(uploadsClean(s), null);
  assert.ok(s.escalations.some((e) => e.kind === 'rhythm' && e.level === 'critical'), JSON.stringify(s.escalations));
  const em = s.alerts.find((a) => a.channel === 'call' && a.role === 'emergency');
  assert.ok(em && em.answeredAtMs !== undefined, JSON.stringify(s.alerts));
  const onsetMs = 10_000;
  const detected = s.deviceAlarms.find((a) => a.condition === 'asystole' && a.change === 'raised')!;
  const fromOnset = em!.atMs - onsetMs;
  const fromDetection = em!.atMs - detected.atMs;
  console.log(`asystole: detected ${((detected.atMs - onsetMs) / 1000).toFixed(1)} s after onset; emergency call ${(fromOnset / 1000).toFixed(1)} s after onset (${(fromDetection / 1000).toFixed(1)} s after detection)`);
  // Detection: 4 s without a QRS. Then the alarm upload: GPRS bearer, MA1/MA3 handshake, data
  // (about 9 s); the server's SMS and email to the family (about 5 s); the emergency SMS and dial.
  assert.ok(detected.atMs - onsetMs <= 6000, `detected ${detected.atMs - onsetMs} ms after onset`);
  assert.ok(fromDetection > 0 && fromDetection <= 25_000, `emergency call ${fromDetection} ms after detection (${fromOnset} ms after onset)`);
  assert.is(em!.latencyMs, fromOnset, 'the truth crosses the emergency level at the onset');
  // Nothing made the emergency unit wait: any call before it was cut short for it.
  for (const c of s.alerts.filter((a) => a.channel === 'call' && a.atMs < em!.atMs)) assert.ok(c.role === 'family', JSON.stringify(c));
  assert.is(callSeq(s).find((c) => c.startsWith('emergency')), 'emergency:answered');
  const sms = s.alerts.find((a) => a.channel === 'sms' && a.role === 'emergency');
  assert.ok(sms?.text?.includes('Verified location: LAI 262-01-0x1a2b'), sms?.text);
  assert.ok(sms!.atMs <= em!.atMs);
  assert.ok(s.alerts.some((a) => a.channel === 'sms' && a.role === 'family' && a.atMs <= em!.atMs));
});

test.run();
