// The simulated SIM800 as a terminal sees it (exact bytes on the line), and as the driver sees it
// (calls by callee behaviour, SIM PIN, HTTP failures, outages, phonebook limits).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeRig, runOn } from './rig.ts';
import { ModemError } from '../../firmware/modem/errors.ts';

async function terminal(opts: Parameters<typeof makeRig>[0] = {}) {
  const rig = await makeRig(opts);
  await rig.line.a.open(115200);
  let rx = '';
  rig.line.a.onData((b) => (rx += String.fromCharCode(...b)));
  const send = async (s: string, waitMs = 200) => {
    rx = '';
    rig.line.a.write(Uint8Array.from(s, (c) => c.charCodeAt(0)));
    await rig.clock.runFor(waitMs);
    return rx;
  };
  await rig.clock.runFor(2500); // boot
  return { ...rig, send, get rx() { return rx; } };
}

test('boot URCs, echo on until ATE0, result code framing, verbose and numeric CME errors', async () => {
  const rig = await makeRig();
  await rig.line.a.open(115200);
  let rx = '';
  rig.line.a.onData((b) => (rx += String.fromCharCode(...b)));
  await rig.clock.runFor(6000);
  assert.ok(rx.startsWith('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n'), JSON.stringify(rx));
  assert.match(rx, /Call Ready\r\n\r\nSMS Ready/);
  const t = await terminal();
  assert.is(await t.send('AT\r'), 'AT\r\r\nOK\r\n');
  assert.is(await t.send('ATE0\r'), 'ATE0\r\r\nOK\r\n');
  assert.is(await t.send('AT\r'), '\r\nOK\r\n');
  assert.is(await t.send('AT+CPBW=999,"1",129,"x"\r'), '\r\nERROR\r\n'); // CMEE=0
  await t.send('AT+CMEE=1\r');
  assert.is(await t.send('AT+CPBW=999,"1",129,"x"\r'), '\r\n+CME ERROR: 21\r\n');
  await t.send('AT+CMEE=2\r');
  assert.is(await t.send('AT+CPBW=999,"1",129,"x"\r'), '\r\n+CME ERROR: invalid index\r\n');
  assert.is(await t.send('AT+BOGUS\r'), '\r\nERROR\r\n');
  assert.is(await t.send('garbage\r'), '');
});

test('+CREG modes 0/1/2 and URCs on registration change; COPS numeric; CSQ', async () => {
  const t = await terminal({ network: { cell: { mcc: '310', mnc: '260', lac: 0xbeef, ci: 0x0042 }, rssi: 25 } });
  await t.send('ATE0\r');
  assert.is(await t.send('AT+CREG?\r'), '\r\n+CREG: 0,2\r\n\r\nOK\r\n'); // still searching
  await t.send('AT+CREG=2\r');
  await t.clock.runFor(3000);
  assert.match(t.rx, /\+CREG: 1,"BEEF","0042"/);
  assert.is(await t.send('AT+CREG?\r'), '\r\n+CREG: 2,1,"BEEF","0042"\r\n\r\nOK\r\n');
  await t.send('AT+CREG=1\r');
  assert.is(await t.send('AT+CREG?\r'), '\r\n+CREG: 1,1\r\n\r\nOK\r\n');
  assert.is(await t.send('AT+COPS?\r'), '\r\n+COPS: 0,0,"SIMNET 310-260"\r\n\r\nOK\r\n');
  await t.send('AT+COPS=3,2\r');
  assert.is(await t.send('AT+COPS?\r'), '\r\n+COPS: 0,2,"310260"\r\n\r\nOK\r\n');
  assert.is(await t.send('AT+CSQ\r'), '\r\n+CSQ: 25,0\r\n\r\nOK\r\n');
  // outage: +CREG: 2 URC (n=1), then back to 1
  t.network.addOutage({ startMs: t.clock.now() + 100, endMs: t.clock.now() + 1000 });
  await t.send('', 500);
  assert.match(t.rx, /\+CREG: 2\r\n/);
  await t.send('', 3000);
  assert.match(t.rx, /\+CREG: 1\r\n/);
});

test('SIM PIN: +CPIN: SIM PIN, CME 11 for SIM operations, wrong PIN CME 16, right PIN -> READY and registration', async () => {
  const { modem, run, clock } = await makeRig({ model: { simPin: '4321' } });
  await run(modem.init());
  assert.is(await run(modem.simState()), 'SIM PIN');
  try {
    await run(modem.sendSms('123', 'x'));
    assert.unreachable();
  } catch (e) {
    assert.is((e as ModemError).code, 11);
  }
  try {
    await run(modem.enterPin('1111'));
    assert.unreachable();
  } catch (e) {
    assert.is((e as ModemError).code, 16);
  }
  await run(modem.enterPin('4321'));
  assert.is(await run(modem.simState()), 'READY');
  await run(clock.sleep(3000));
  assert.is((await run(modem.registration())).state, 'home');
});

test('calls follow per-number behaviour: answered, busy, never answered; the telephony model records them', async () => {
  const { modem, run, clock, telephony } = await makeRig({
    telephony: {
      behaviours: {
        '+441111': { answerProbability: 1, answerDelayMs: 6000 },
        '+442222': { answerProbability: 1, answerDelayMs: 1000, busy: true },
        '+443333': { answerProbability: 0, answerDelayMs: 0 },
      },
      noAnswerTimeoutMs: 30_000,
    },
  });
  await run(modem.init());
  await run(clock.sleep(3000));
  const a = await run(modem.call('+441111'));
  assert.is(a.outcome, 'answered');
  assert.ok(a.elapsedMs >= 6000 && a.elapsedMs < 8000, `${a.elapsedMs}`);
  await run(modem.hangUp());
  const b = await run(modem.call('+442222'));
  assert.is(b.outcome, 'busy');
  const c = await run(modem.call('+443333', { answerTimeoutMs: 60_000 }));
  assert.is(c.outcome, 'no-answer');
  assert.ok(c.elapsedMs >= 30_000 && c.elapsedMs < 32_000, `${c.elapsedMs}`);
  // our own answer timeout shorter than the network's: the driver hangs up
  const d = await run(modem.call('+443333', { answerTimeoutMs: 10_000 }));
  assert.is(d.outcome, 'no-answer');
  assert.ok(d.elapsedMs < 12_000);
  assert.equal(telephony.calls.map((c) => [c.number, c.outcome]), [
    ['+441111', 'answered'],
    ['+442222', 'busy'],
    ['+443333', 'no-answer'],
    ['+443333', 'hung-up-by-caller'],
  ]);
});

test('HTTP failures: 601 without bearer, 603 DNS failure, 601 in an outage; endpoint called with clock.track', async () => {
  let calls = 0;
  const { modem, run, clock, network } = await makeRig({
    network: { dnsFailHosts: ['nowhere.example'] },
    endpoint: {
      async post() {
        calls++;
        await new Promise((r) => setTimeout(r, 20)); // real time passes; virtual time must hold
        return { status: 200, body: new Uint8Array(0) };
      },
    },
  });
  await run(modem.init());
  await run(clock.sleep(3000));
  const code = async (p: Promise<unknown>) => {
    try {
      await run(p);
      return 0;
    } catch (e) {
      return (e as ModemError).code;
    }
  };
  assert.is(await code(modem.httpPost('http://bsn.example/x', Uint8Array.of(1))), 601);
  await run(modem.openBearer('internet'));
  assert.is(await code(modem.httpPost('http://nowhere.example/x', Uint8Array.of(1))), 603);
  const t0 = clock.now();
  const ok = await run(modem.httpPost('http://bsn.example/x', Uint8Array.of(1)));
  assert.is(ok.status, 200);
  assert.ok(clock.now() - t0 < 10_000);
  assert.is(calls, 1);
  network.addOutage({ startMs: clock.now() + 10, endMs: clock.now() + 60_000 });
  await run(clock.sleep(100));
  assert.is((await run(modem.bearer())).state, 'closed');
  assert.is(await code(modem.httpPost('http://bsn.example/x', Uint8Array.of(1))), 601);
  assert.equal(network.posts.map((p) => p.status), [603, 200]);
});

test('phonebook limits: index 1..250, name 14 chars (CME 24 from the SIM when longer)', async () => {
  const { modem, run, model } = await makeRig();
  await run(modem.init());
  await run(modem.phonebookWrite(250, '112', 'Emergency'));
  await run(modem.phonebookWrite(1, '+447700900123', 'Family'));
  assert.equal((await run(modem.phonebookRead())).map((e) => e.index), [1, 250]);
  await run(modem.phonebookDelete(1));
  assert.equal((await run(modem.phonebookRead())).map((e) => e.index), [250]);
  // bypass the driver's own check to see the SIM's answer
  const r = await runOn(model.scheduler as never, modem.at.run({ name: 'CPBW', text: 'AT+CPBW=', timeoutMs: 5000, retries: 0 }, '2,"1",129,"Fifteen chars!!"').catch((e: unknown) => e));
  assert.is((r as ModemError).code, 24);
});

test('incoming SMS: the telephony model texts the device, the driver gets it as +CMT (two-line URC)', async () => {
  const { modem, run, clock, telephony, model } = await makeRig();
  telephony.textDevice('+447700900123', 'too early'); // modem still booting: not delivered
  await run(modem.init());
  await run(clock.sleep(3000));
  const got: Array<{ from: string; text: string; timestamp: string }> = [];
  modem.onSms((s) => got.push(s));
  telephony.textDevice('+447700900123', 'OK, on my way. Mum');
  await run(clock.sleep(100));
  assert.is(got.length, 1);
  assert.is(got[0]!.from, '+447700900123');
  assert.is(got[0]!.text, 'OK, on my way. Mum');
  assert.match(got[0]!.timestamp, /^24\/01\/01,00:00:\d\d\+00$/);
  assert.is(model.droppedIncomingSms, 1);
});

test('no SIM: init still succeeds, status reports NOT INSERTED / not registered, SMS fails with a typed error', async () => {
  const { modem, run, clock } = await makeRig({ model: { simInserted: false } });
  await run(modem.init());
  await run(clock.sleep(3000));
  const s = await run(modem.status());
  assert.is(s.sim, 'NOT INSERTED');
  assert.is(s.registration.state, 'not-registered');
  assert.is(s.location, null);
  assert.is(s.signal.rssi, 99);
  assert.is(s.signal.rssiDbm, null);
  try {
    await run(modem.sendSms('+447700900123', 'x'));
    assert.unreachable();
  } catch (e) {
    assert.instance(e, ModemError);
    assert.is((e as ModemError).code, 310);
  }
});

test('8 KiB POST at 9600 baud and a 1500-byte reply read back in 512-byte HTTPREAD chunks', async () => {
  const { Rng } = await import('../../sim/rng.ts');
  const reply = new Rng(77).bytes(1500);
  let got: Uint8Array | undefined;
  const { modem, run, clock, model } = await makeRig({ baud: 9600, endpoint: { post: async (_u, b) => ((got = b), { status: 200, body: reply }) } });
  await run(modem.init());
  await run(clock.sleep(3000));
  await run(modem.openBearer('internet'));
  const body = new Rng(78).bytes(8192);
  const t0 = clock.now();
  const r = await run(modem.httpPost('http://bsn.example/bulk', body));
  const took = clock.now() - t0;
  assert.equal([...got!], [...body]);
  assert.equal([...r.body], [...reply]);
  // 8192 bytes at 9600 8N1 are 8.5 s on the wire; the reply 1.6 s more
  assert.ok(took > 10_000 && took < 20_000, `${took}`);
  assert.equal(model.commandLog.filter((c) => c.startsWith('AT+HTTPREAD')), ['AT+HTTPREAD=0,512', 'AT+HTTPREAD=512,512', 'AT+HTTPREAD=1024,476']);
  assert.ok(model.commandLog.includes('AT+HTTPDATA=8192,17067'));
});

test('TCP over GPRS: connect, binary send and length-delimited receive, server close -> CLOSED, outage -> +PDP: DEACT', async () => {
  const received: number[][] = [];
  let serverConn: { close(): void } | undefined;
  const rig = await makeRig({
    network: {
      tcp: {
        async connect(_host, port) {
          if (port !== 7000) return null;
          const dataL: Array<(d: Uint8Array) => void> = [];
          const closeL: Array<() => void> = [];
          const conn = {
            async send(d: Uint8Array) {
              received.push([...d]);
              // the server answers with the bytes reversed, 50 ms later
              rig.clock.after(50, () => dataL.forEach((l) => l(Uint8Array.from(d).reverse())));
            },
            onData: (l: (d: Uint8Array) => void) => void dataL.push(l),
            onClose: (l: () => void) => void closeL.push(l),
            close: () => closeL.forEach((l) => l()),
          };
          serverConn = conn;
          return conn;
        },
      },
    },
  });
  const { modem, run, clock, network, model } = rig;
  await run(modem.init());
  await run(clock.sleep(3000));
  // refused port: CONNECT FAIL
  try {
    await run(modem.tcpOpen('internet', 'bsn.example', 7001));
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /CONNECT FAIL/);
  }
  const { localIp } = await run(modem.tcpOpen('internet', 'bsn.example', 7000));
  assert.match(localIp, /^10\.\d+\.\d+\.\d+$/);
  let waiting = 0;
  modem.onTcpData(() => waiting++);
  const payload = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
  await run(modem.tcpSend(payload));
  assert.equal(received.map((r) => r.length), [1460, 1460, 80]);
  assert.equal(received.flat(), [...payload]);
  await run(clock.sleep(2000));
  assert.is(waiting, 1); // one +CIPRXGET: 1 for data arriving into an empty buffer
  const back: number[] = [];
  for (;;) {
    const chunk = await run(modem.tcpRead(1460));
    if (chunk.length === 0) break;
    back.push(...chunk);
  }
  assert.is(back.length, 3000);
  assert.equal(back.slice(0, 1460), [...payload.subarray(0, 1460)].reverse());
  const closed: string[] = [];
  modem.onTcpClosed((why) => closed.push(why));
  serverConn!.close();
  await run(clock.sleep(2000));
  assert.equal(closed, ['CLOSED']);
  // reconnect, then an outage takes the PDP context down
  await run(modem.tcpOpen('internet', 'bsn.example', 7000));
  network.addOutage({ startMs: clock.now() + 10, endMs: clock.now() + 5000 });
  await run(clock.sleep(100));
  assert.equal(closed, ['CLOSED', '+PDP: DEACT']);
  assert.is(model.tcpRxDropped, 0);
});

test('injected failure rates: 604 stack busy and 601 network error at the configured probabilities (seeded)', async () => {
  const { modem, run, clock, network } = await makeRig({
    seed: 21,
    network: { failures: { stackBusy604: 0.3, network601: 0.2 } },
    endpoint: { post: async () => ({ status: 200, body: new Uint8Array(0) }) },
  });
  await run(modem.init());
  await run(clock.sleep(3000));
  await run(modem.openBearer('internet'));
  const codes: number[] = [];
  for (let i = 0; i < 60; i++) {
    try {
      codes.push((await run(modem.httpPost('http://bsn.example/x', Uint8Array.of(i)))).status);
    } catch (e) {
      codes.push((e as ModemError).code ?? -1);
    }
  }
  const n = (c: number) => codes.filter((x) => x === c).length;
  assert.is(n(200) + n(601) + n(604), 60);
  // 604 ~ 30 %, 601 ~ 0.7 x 20 % = 14 %, of 60
  assert.ok(n(604) >= 8 && n(604) <= 28, `${n(604)}`);
  assert.ok(n(601) >= 2 && n(601) <= 16, `${n(601)}`);
  assert.equal(network.posts.map((p) => p.status), codes);
});

test.run();
