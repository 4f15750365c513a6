// Every driver operation against its recorded transcript: the driver must send exactly the
// scripted commands, consume every expectation, and return the expected result.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { Sim800 } from '../../firmware/modem/sim800.ts';
import { ModemError, ModemLineError, ModemTimeout } from '../../firmware/modem/errors.ts';
import { ScriptedPort, type Step } from './scripted-port.ts';
import { TRANSCRIPTS } from './transcripts.ts';
import { runOn } from './rig.ts';

async function play(steps: Step[], op: (m: Sim800) => Promise<unknown>) {
  const clock = new VirtualClock();
  const port = new ScriptedPort(clock, steps);
  await port.open(115200);
  const modem = new Sim800(port, clock);
  let result: unknown;
  let error: unknown;
  try {
    result = await runOn(clock, op(modem));
  } catch (e) {
    error = e;
  }
  return { clock, port, modem, result, error };
}

for (const t of TRANSCRIPTS) {
  test(`transcript: ${t.name}`, async () => {
    const r = await play(t.steps, t.run);
    assert.equal(r.port.failures, []);
    if (r.error) throw r.error;
    assert.ok(r.port.done, `${r.port.remaining} expectations not consumed`);
    assert.equal(r.result, t.expected);
  });
}

test('a command the script does not expect is caught', async () => {
  const r = await play([{ expect: 'AT+CSQ\r', reply: [{ line: '+CSQ: 5,0' }, { line: 'OK' }] }], (m) => m.simState());
  assert.ok(r.port.failures.length > 0);
  assert.ok(r.error instanceof ModemTimeout);
});

test('+CME ERROR (verbose) becomes a typed ModemError with its code', async () => {
  const r = await play(
    [
      { expect: 'AT+CPBS="SM"\r', reply: [{ line: 'OK' }] },
      { expect: 'AT+CPBW=250,"112",129,"Emergency"\r', reply: [{ line: '+CME ERROR: invalid index' }] },
    ],
    (m) => m.phonebookWrite(250, '112', 'Emergency'),
  );
  assert.ok(r.error instanceof ModemError);
  const e = r.error as ModemError;
  assert.is(e.kind, 'cme');
  assert.is(e.code, 21);
  assert.is(e.text, 'invalid index');
  assert.ok(r.port.done);
});

test('+CMS ERROR numeric on SMS send', async () => {
  const r = await play(
    [
      { expect: 'AT+CMGF=1\r', reply: [{ line: 'OK' }] },
      { expect: 'AT+CNMI=2,2,0,0,0\r', reply: [{ line: 'OK' }] },
      { expect: 'ATE1\r', reply: [{ line: 'OK' }] },
      { expect: 'AT+CMGS="+447700900123"\r', reply: [{ raw: Uint8Array.from('AT+CMGS="+447700900123"\r', (c) => c.charCodeAt(0)) }, { prompt: true }] },
      { expect: 'hi', reply: [{ raw: Uint8Array.of(0x68, 0x69) }] },
      { expect: '\x1a', reply: [{ line: '+CMS ERROR: 331' }] },
      { expect: 'ATE0\r', reply: [{ line: 'OK' }] },
    ],
    (m) => m.sendSms('+447700900123', 'hi'),
  );
  assert.ok(r.error instanceof ModemError);
  assert.is((r.error as ModemError).kind, 'cms');
  assert.is((r.error as ModemError).code, 331);
  assert.ok(r.port.done);
});

test('timeout: retried per the table (CSQ: 2 retries), then succeeds; 1 s per attempt on the virtual clock', async () => {
  const r = await play(
    [
      { expect: 'AT+CSQ\r', reply: [] },
      { expect: 'AT+CSQ\r', reply: [] },
      { expect: 'AT+CSQ\r', reply: [{ line: '+CSQ: 20,0' }, { line: 'OK' }] },
    ],
    (m) => m.signal(),
  );
  if (r.error) throw r.error;
  assert.is((r.result as { bars: number }).bars, 4);
  assert.is(r.modem.at.stats.timeouts, 2);
  assert.is(r.modem.at.stats.retries, 2);
  // two 1 s timeouts, each followed by 200 ms of quiet before the retry
  assert.ok(r.clock.now() >= 2400 && r.clock.now() < 2600, `${r.clock.now()}`);
});

test('timeout exhausts retries: ModemTimeout; SMS is never retried and ESC cancels the prompt', async () => {
  const r = await play([{ expect: 'AT+CSQ\r', reply: [] }, { expect: 'AT+CSQ\r', reply: [] }, { expect: 'AT+CSQ\r', reply: [] }], (m) => m.signal());
  assert.ok(r.error instanceof ModemTimeout);
  assert.ok(r.port.done);
  const s = await play(
    [{ expect: 'AT+CMGF=1\r', reply: [{ line: 'OK' }] }, { expect: 'AT+CNMI=2,2,0,0,0\r', reply: [{ line: 'OK' }] }, { expect: 'ATE1\r', reply: [{ line: 'OK' }] }, { expect: 'AT+CMGS="123"\r', reply: [] }, { expect: '\x1b', reply: [] }, { expect: 'ATE0\r', reply: [{ line: 'OK' }] }],
    (m) => m.sendSms('123', 'x'),
  );
  assert.ok(s.error instanceof ModemTimeout);
  assert.is((s.error as ModemTimeout).timeoutMs, 60_000);
  assert.ok(s.port.done, s.port.failures.join());
});

test('a UART framing error during a response makes it damaged: retried, never returned', async () => {
  const clock = new VirtualClock();
  const port = new ScriptedPort(clock, [
    { expect: 'AT+CREG?\r', reply: [{ line: '+CREG: 2,1,"1A2B","00C3"' }, { pauseMs: 1 }, { line: 'OK' }] },
    { expect: 'AT+CREG?\r', reply: [{ line: '+CREG: 2,1,"1A2B","00C3"' }, { line: 'OK' }] },
  ]);
  await port.open(9600);
  const m = new Sim800(port, clock);
  const p = m.registration();
  clock.after(5.5, () => port.lineError('framing'));
  const reg = await runOn(clock, p);
  assert.is(reg.state, 'home');
  assert.is(m.at.stats.damagedResponses, 1);
  assert.is(m.at.stats.serial.framing, 1);
  assert.ok(port.done);
  // Damaged on every attempt: ModemLineError.
  const clock2 = new VirtualClock();
  const steps: Step[] = Array.from({ length: 3 }, () => ({ expect: 'AT+CSQ\r', reply: [{ line: '+CSQ: 1,0' }, { pauseMs: 2 }, { line: 'OK' }] }));
  const port2 = new ScriptedPort(clock2, steps);
  await port2.open(9600);
  const m2 = new Sim800(port2, clock2);
  m2.at.onUrc('*', () => {});
  const p2 = m2.signal().catch((e: unknown) => e);
  clock2.every(1, () => port2.lineError('parity'));
  assert.ok((await runOn(clock2, p2)) instanceof ModemLineError);
});

test('a late OK (of a timed-out command) is not taken as the answer to a query that needs a response line', async () => {
  const clock = new VirtualClock();
  const port = new ScriptedPort(clock, [
    { expect: 'AT+CSQ\r', reply: [{ pauseMs: 1100 }, { line: 'OK' }] }, // answers after the 1 s timeout: a stray
    { expect: 'AT+CSQ\r', reply: [{ line: 'OK' }] }, // ... and this bare OK must not count either
    { expect: 'AT+CSQ\r', reply: [{ line: '+CSQ: 14,0' }, { line: 'OK' }] },
  ]);
  await port.open(9600);
  const m = new Sim800(port, clock);
  const q = await runOn(clock, m.signal());
  assert.is(q.rssi, 14);
  assert.ok(port.done);
  assert.is(m.at.stats.strays, 1);
  assert.is(m.at.stats.damagedResponses, 1);
});

test('20 ms guard between a final result and the next command', async () => {
  const r = await play(
    [
      { expect: 'AT+CPIN?\r', reply: [{ line: '+CPIN: READY' }, { line: 'OK' }] },
      { expect: 'AT+CSQ\r', reply: [{ line: '+CSQ: 3,0' }, { line: 'OK' }] },
    ],
    async (m) => {
      const sent: number[] = [];
      const w = m.port.write.bind(m.port);
      m.port.write = (b: Uint8Array) => { sent.push(m.scheduler.now()); w(b); };
      await m.simState();
      await m.signal();
      return sent;
    },
  );
  const [t1, t2] = r.result as number[];
  // first reply at +5 ms; the second command no earlier than 20 ms after it
  assert.ok(t2! - t1! >= 25 - 1e-9, `${t2! - t1!}`);
});

test('bad arguments are refused before anything is sent', async () => {
  const r = await play([], async (m) => {
    const errs: string[] = [];
    for (const f of [() => m.sendSms('12ab', 'x'), () => m.sendSms('123', 'x'.repeat(161)), () => m.sendSms('123', 'caf\u00e9'), () => m.phonebookWrite(0, '1', 'a'), () => m.phonebookWrite(1, '1', 'a name too long for SIM')]) {
      try { await f(); } catch (e) { errs.push((e as Error).name); }
    }
    return errs;
  });
  assert.equal(r.result, ['RangeError', 'RangeError', 'RangeError', 'RangeError', 'RangeError']);
  assert.ok(r.port.done);
});

test.run();
