// Long notices as numbered SMS parts (cli/sms-parts.ts): nothing cut, each part one segment.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { joinSmsParts, smsParts, SMS_CHARS } from '../../cli/sms-parts.ts';

const emergency = 'BSN-Care EMERGENCY for patient #1: blood pressure 170/108 mmHg (fr and pr false: the emergency unit with the verified location (er)). Verified location: LAI 262-01-0x1a2b, cell 0x2f3e.';

test('a text of one segment is sent as it is', () => {
  assert.equal(smsParts('BSN-Care alert: short'), ['BSN-Care alert: short']);
  const exactly = 'x'.repeat(SMS_CHARS);
  assert.equal(smsParts(exactly), [exactly]);
});

test('a long emergency notice: two numbered parts of at most 160 characters, the location whole in the last', () => {
  const parts = smsParts(emergency);
  assert.is(parts.length, 2);
  for (const p of parts) assert.ok(p.length <= SMS_CHARS, `${p.length}: ${p}`);
  assert.ok(parts[0]!.startsWith('(1/2) BSN-Care EMERGENCY'));
  assert.ok(parts[1]!.startsWith('(2/2) '));
  assert.ok(parts[1]!.includes('Verified location: LAI 262-01-0x1a2b, cell 0x2f3e.'));
  assert.is(joinSmsParts(parts), emergency);
});

test('an acknowledgement link is never cut (it stays whole in one part)', () => {
  const link = 'https://care.example/ack/nDQCh5bLmbSxva_bZc2R4T2-wthnOsL1NwQPiUOl4IE';
  for (const why of ['rhythm asystole (asystole: emergency directly)', 'heart rate 0 bpm (severe bradycardia)', 'blood pressure 170/108 mmHg (fr and pr false: the emergency unit with the verified location (er))']) {
    const text = `BSN-Care alert for patient #1: ${why}. Acknowledge and see the readings: ${link}`;
    const parts = smsParts(text);
    assert.ok(parts.every((p) => p.length <= SMS_CHARS));
    assert.ok(parts.some((p) => p.includes(link)), parts.join(' | '));
    assert.is(joinSmsParts(parts), text);
  }
});

test('a word longer than a part is split hard, and the parts still join to the text', () => {
  const text = `BSN-Care alert: see https://care.example/ack/${'A'.repeat(300)}`;
  const parts = smsParts(text);
  assert.ok(parts.length >= 3 && parts.every((p) => p.length <= SMS_CHARS));
  assert.is(joinSmsParts(parts)!.replace(/ /g, ''), text.replace(/ /g, ''));
});

test('joinSmsParts refuses incomplete or out-of-order sets', () => {
  const parts = smsParts(emergency);
  assert.is(joinSmsParts([parts[1]!, parts[0]!]), null);
  assert.is(joinSmsParts([parts[0]!]), null);
  assert.throws(() => smsParts('y'.repeat(2000)), RangeError);
});

test.run();
