// PDU-mode SMS: the firmware's encoder against the classic packing example and against the
// simulated modem's independent decoder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeSubmit, packSeptets, splitForSms, unpackSeptets } from '../../firmware/modem/sms-pdu.ts';
import { decodeSubmit } from '../../sim/sim800/sms-pdu.ts';
import { Rng } from '../../sim/rng.ts';
import { makeRig } from './rig.ts';

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join('');

test('7-bit packing: "hellohello" packs to E8329BFD4697D9EC37', () => {
  const septets = [...'hellohello'].map((c) => c.charCodeAt(0));
  assert.is(hex(packSeptets(septets)), 'E8329BFD4697D9EC37');
  assert.equal(unpackSeptets(packSeptets(septets), 10), septets);
});

test('SMS-SUBMIT layout: SMSC 00, first octet 11, MR 00, address, PID, DCS, VP, UDL, UD', () => {
  const p = encodeSubmit('+447700900123', 'hellohello');
  // 0C = 12 digits, 91 international, 44 77 00 09 10 32 (digit pairs swapped), PID 00, DCS 00,
  // VP AA (4 days), UDL 0A (10 septets), then the packed text.
  assert.is(p.hex, '0011000C91447700091032' + '0000AA0A' + 'E8329BFD4697D9EC37');
  assert.is(p.tpduLength, (p.hex.length - 2) / 2);
  assert.equal(decodeSubmit(p.hex, p.tpduLength), { number: '+447700900123', text: 'hellohello' });
  const national = encodeSubmit('112', 'SOS');
  assert.equal(decodeSubmit(national.hex, national.tpduLength), { number: '112', text: 'SOS' });
});

test('round trip of 2000 random texts (printable ASCII incl. extension characters) through both codecs', () => {
  const rng = new Rng(5);
  const alphabet = [...' !"#%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz$_^{}\\[~]|'];
  for (let i = 0; i < 2000; i++) {
    let text = '';
    const n = rng.int(0, 150);
    for (let k = 0; k < n; k++) text += alphabet[rng.int(0, alphabet.length - 1)];
    let p;
    try {
      p = encodeSubmit('+4477009' + rng.int(10000, 99999), text);
    } catch {
      continue; // too many extension characters for 160 septets
    }
    assert.is(decodeSubmit(p.hex, p.tpduLength)?.text, text);
  }
  assert.throws(() => encodeSubmit('123', 'caf\u00e9'), RangeError);
  assert.throws(() => encodeSubmit('123', '`'), RangeError);
});

test('damaged PDUs are refused by the decoder (never a different, shorter message)', () => {
  const p = encodeSubmit('+447700900123', 'BSN: temperature 39.4 C, please call');
  assert.is(decodeSubmit(p.hex.slice(0, -2), p.tpduLength), undefined); // cut short
  assert.is(decodeSubmit(p.hex.slice(0, 30), p.tpduLength), undefined);
  assert.is(decodeSubmit(p.hex + '00', p.tpduLength), undefined);
  assert.is(decodeSubmit(p.hex.replace(/^(.{10})./, '$1G'), p.tpduLength), undefined); // not hex
});

test('driver in PDU mode against the model: delivered with the exact number and text', async () => {
  const { modem, run, clock, telephony, model } = await makeRig({ driver: { smsMode: 'pdu' } });
  await run(modem.init());
  await run(clock.sleep(3000));
  await run(modem.sendSms('+447700900123', 'BSN alert: SpO2 [88%] {check} ~now'));
  assert.equal(telephony.outbox.map((s) => [s.number, s.text]), [['+447700900123', 'BSN alert: SpO2 [88%] {check} ~now']]);
  assert.ok(model.commandLog.includes('AT+CMGF=0'));
  assert.ok(model.commandLog.some((c) => /^AT\+CMGS=\d+$/.test(c)));
});

test('concatenated part: first octet 51 (UDHI), UDH 05 00 03 ref total seq, one fill bit, UDL counts the header', () => {
  // Expected user data built bit by bit outside this code base: header octets, 1 fill bit, then
  // the septets of "hello", least significant bit first.
  const p = encodeSubmit('112', 'hello', { ref: 0x2a, total: 2, seq: 1 });
  assert.is(p.hex, '0051000381' + '11F2' + '0000AA' + '0C' + '0500032A0201D06536FB0D');
  assert.equal(decodeSubmit(p.hex, p.tpduLength), { number: '112', text: 'hello', concat: { ref: 0x2a, total: 2, seq: 1 } });
  assert.throws(() => encodeSubmit('112', 'x'.repeat(154), { ref: 1, total: 2, seq: 1 }), RangeError);
  assert.throws(() => encodeSubmit('112', 'x', { ref: 1, total: 2, seq: 3 }), RangeError);
});

test('splitting: 160 septets stay one SMS, longer text goes in parts of <= 153 septets, escapes never split', () => {
  assert.equal(splitForSms('a'.repeat(160)), ['a'.repeat(160)]);
  const two = splitForSms('b'.repeat(161));
  assert.equal(two.map((t) => t.length), [153, 8]);
  // An extension character costs 2 septets: at position 152 it does not fit and moves on.
  const esc = splitForSms('c'.repeat(152) + '{' + 'd'.repeat(20));
  assert.equal(esc[0], 'c'.repeat(152));
  assert.ok(esc[1]!.startsWith('{'));
  assert.throws(() => splitForSms('e'.repeat(153 * 4 + 1)), RangeError);
  const rng = new Rng(9);
  const alphabet = [...'abc XYZ 0123.,:/-{}[]~'];
  for (let i = 0; i < 500; i++) {
    let text = '';
    const n = rng.int(0, 450);
    for (let k = 0; k < n; k++) text += alphabet[rng.int(0, alphabet.length - 1)];
    const parts = splitForSms(text);
    assert.is(parts.join(''), text);
    if (parts.length > 1) for (const [k, part] of parts.entries()) {
      const pdu = encodeSubmit('+4915112345678', part, { ref: i & 0xff, total: parts.length, seq: k + 1 });
      assert.equal(decodeSubmit(pdu.hex, pdu.tpduLength), { number: '+4915112345678', text: part, concat: { ref: i & 0xff, total: parts.length, seq: k + 1 } });
    }
  }
});

test('driver in PDU mode: a 400-character alert goes as 3 parts and the phone shows it whole, once', async () => {
  const { modem, run, clock, telephony, model } = await makeRig({ driver: { smsMode: 'pdu' } });
  await run(modem.init());
  await run(clock.sleep(3000));
  const text = 'BSN-Care: blood pressure 182/110 mmHg at 14:05 UTC (rising since 13:52). ' + 'Open the live page: https://care.example.org/l/' + 'A'.repeat(43) + ' ' + 'x'.repeat(220);
  const r = await run(modem.sendSms('+447700900123', text));
  assert.is(r.parts, 3);
  assert.equal(telephony.outbox.map((s) => [s.number, s.text]), [['+447700900123', text]]);
  assert.is(model.commandLog.filter((c) => /^AT\+CMGS=\d+$/.test(c)).length, 3);
  // A second long alert uses a new reference, so the phone does not mix the two.
  await run(modem.sendSms('+447700900123', text.replace('182', '190')));
  assert.equal(telephony.outbox.map((s) => s.text), [text, text.replace('182', '190')]);
  // Text mode stays one SMS of 160 characters.
  const plain = await makeRig();
  await plain.run(plain.modem.init());
  await plain.run(plain.clock.sleep(3000));
  const err = await plain.run(plain.modem.sendSms('+447700900123', text)).then(() => null, (e: unknown) => e);
  assert.instance(err, RangeError);
});

test.run();
