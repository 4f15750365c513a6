import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Digester, parseFinal, type DigestEvent } from '../../firmware/modem/digester.ts';
import { LineBuffer } from '../../firmware/modem/line-buffer.ts';
import { AT } from '../../firmware/modem/commands.ts';

const b = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
const kinds = (evs: DigestEvent[]) => evs.map((e) => (e.kind === 'final' ? `final:${e.result.kind}` : e.kind === 'info' ? `info:${e.line}` : e.kind === 'urc' ? `urc:${e.urc.name}` : e.kind));

test('finals: OK, ERROR, +CME ERROR numeric and verbose, +CMS ERROR, dial and send finals only where valid', () => {
  assert.is(parseFinal('OK')?.kind, 'ok');
  assert.is(parseFinal('ERROR')?.kind, 'error');
  assert.equal(parseFinal('+CME ERROR: 10'), { kind: 'cme', code: 10, text: '', line: '+CME ERROR: 10' });
  assert.equal(parseFinal('+CME ERROR: SIM PIN required'), { kind: 'cme', code: 11, text: 'SIM PIN required', line: '+CME ERROR: SIM PIN required' });
  assert.is(parseFinal('+CMS ERROR: 500')?.code, 500);
  assert.is(parseFinal('NO CARRIER'), undefined);
  assert.is(parseFinal('NO CARRIER', 'dial')?.kind, 'no-carrier');
  assert.is(parseFinal('BUSY', 'dial')?.kind, 'busy');
  assert.is(parseFinal('NO ANSWER', 'dial')?.kind, 'no-answer');
  assert.is(parseFinal('SEND OK', 'send')?.kind, 'send-ok');
  assert.is(parseFinal('SEND FAIL', 'send')?.kind, 'send-fail');
  assert.is(parseFinal('OKAY'), undefined);
});

test('+CREG ambiguity: response to AT+CREG? vs URC, decided by the pending command', () => {
  const d = new Digester();
  d.expect({ ...AT.cregQuery, command: 'AT+CREG?' });
  const evs = d.push(b('\r\n+CREG: 1,"1A2B","00C3"\r\n\r\n+CREG: 2,1,"1A2B","00C3"\r\n\r\nOK\r\n'));
  assert.equal(kinds(evs), ['urc:+CREG', 'info:+CREG: 2,1,"1A2B","00C3"', 'final:ok']);
  // The same URC text with no command pending, and with another command pending.
  assert.equal(kinds(d.push(b('\r\n+CREG: 1,"1A2B","00C3"\r\n'))), ['urc:+CREG']);
  // A late answer to AT+CREG? with nothing pending is a stray, never a (misread) URC.
  assert.equal(kinds(d.push(b('\r\n+CREG: 2,0\r\n'))), ['stray']);
  d.expect({ ...AT.csq, command: 'AT+CSQ' });
  assert.equal(kinds(d.push(b('\r\n+CREG: 5\r\n\r\n+CSQ: 9,0\r\n\r\nOK\r\n'))), ['urc:+CREG', 'info:+CSQ: 9,0', 'final:ok']);
});

test('+CPIN: answers AT+CPIN? once; a second one is a URC', () => {
  const d = new Digester();
  d.expect({ ...AT.cpinQuery, command: 'AT+CPIN?' });
  assert.equal(kinds(d.push(b('\r\n+CPIN: READY\r\n\r\n+CPIN: READY\r\n\r\nOK\r\n'))), ['info:+CPIN: READY', 'urc:+CPIN', 'final:ok']);
  assert.equal(kinds(d.push(b('\r\n+CPIN: NOT READY\r\n'))), ['urc:+CPIN']);
});

test('NO CARRIER ends ATD but is a URC during AT+CLCC', () => {
  const d = new Digester();
  d.expect({ ...AT.clcc, command: 'AT+CLCC' });
  assert.equal(kinds(d.push(b('\r\nNO CARRIER\r\n\r\nOK\r\n'))), ['urc:NO CARRIER', 'final:ok']);
  d.expect({ ...AT.dial, command: 'ATD123;' });
  assert.equal(kinds(d.push(b('\r\nNO CARRIER\r\n'))), ['final:no-carrier']);
});

test('echo is recognised and dropped; bare CR line ends work', () => {
  const d = new Digester();
  d.expect({ ...AT.at, command: 'AT' });
  assert.equal(kinds(d.push(b('AT\r\r\nOK\r\n'))), ['echo', 'final:ok']);
});

test('"> " prompt without line end, only when the command expects one; split across chunks', () => {
  const d = new Digester();
  d.expect({ ...AT.cmgs, command: 'AT+CMGS="1"' });
  assert.equal(kinds(d.push(b('\r\n>'))), []);
  assert.equal(kinds(d.push(b(' '))), ['prompt']);
  // "+CMGS: <mr>" alone proves the SMS went, so it ends AT+CMGS; the OK after it is a stray.
  const evs = d.push(b('\r\n+CMGS: 12\r\n\r\nOK\r\n'));
  assert.equal(kinds(evs), ['final:ok', 'stray']);
  assert.is((evs[0] as { result: { line: string } }).result.line, '+CMGS: 12');
  d.expect({ ...AT.csq, command: 'AT+CSQ' });
  assert.equal(kinds(d.push(b('\r\n> \r\nOK\r\n'))), ['info:> ', 'final:ok']);
});

test('raw mode: +HTTPREAD: n then n binary bytes that may contain line ends and result codes', () => {
  const d = new Digester();
  d.expect({ ...AT.httpRead, command: 'AT+HTTPREAD=0,12' });
  const payload = b('\r\nOK\r\nRING\r\n');
  const stream = new Uint8Array([...b('\r\n+HTTPREAD: 12\r\n'), ...payload, ...b('\r\nOK\r\n')]);
  // fed one byte at a time to exercise chunk boundaries
  const evs: DigestEvent[] = [];
  for (const x of stream) evs.push(...d.push(Uint8Array.of(x)));
  assert.equal(kinds(evs), ['info:+HTTPREAD: 12', 'raw', 'final:ok']);
  const raw = evs.find((e) => e.kind === 'raw') as { bytes: Uint8Array };
  assert.equal([...raw.bytes], [...payload]);
  // A raw length beyond the bound is refused (counted), never allocated.
  const small = new Digester(512, 64);
  small.expect({ ...AT.httpRead, command: 'AT+HTTPREAD' });
  assert.equal(kinds(small.push(b('\r\n+HTTPREAD: 100000\r\n'))), ['info:+HTTPREAD: 100000', 'line-error']);
  assert.ok(small.buffered < 600);
});

test('+CMT is a two-line URC', () => {
  const d = new Digester();
  const evs = d.push(b('\r\n+CMT: "+4477",,"24/01/01,10:00:00+00"\r\nHELP\r\n'));
  assert.is(evs.length, 1);
  assert.equal(evs[0], { kind: 'urc', urc: { name: '+CMT', line: '+CMT: "+4477",,"24/01/01,10:00:00+00"', data: 'HELP' } });
});

test('over-long lines are dropped to the next line end and counted; resync after', () => {
  const lb = new LineBuffer(16);
  const out: string[] = [];
  lb.push(b('x'.repeat(100) + '\r\nOK\r\n' + 'y'.repeat(17) + '\nZ\n'), (e) => out.push(e.kind === 'line' ? e.text : e.kind));
  assert.equal(out, ['overflow', 'OK', 'overflow', 'Z']);
  assert.is(lb.stats.overflows, 2);
  assert.is(lb.stats.droppedBytes, 117);
});

test('late final with nothing pending is a stray, not a response for the next command', () => {
  const d = new Digester();
  assert.equal(kinds(d.push(b('\r\nOK\r\n'))), ['stray']);
  assert.is(d.stats.strays, 1);
});

test.run();
