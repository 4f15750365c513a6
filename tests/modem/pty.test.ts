// A real serial path: a socat pty pair, the SIM800 model on one end through serialport on wall
// time, and on the other end the driver in-process and `bsn-care modem ... --json` as a child
// process. Skips (with a SKIP line) when socat is not installed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeSerial } from '../../hal/targets/node-serial.ts';
import { WallClock } from '../../hal/targets/wall-clock.ts';
import { Rng } from '../../sim/rng.ts';
import { NetworkModel } from '../../sim/sim800/network.ts';
import { TelephonyModel } from '../../sim/sim800/telephony.ts';
import { Sim800Model } from '../../sim/sim800/model.ts';
import { Sim800 } from '../../firmware/modem/sim800.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const haveSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;

function startSocat(): Promise<{ proc: ChildProcess; a: string; b: string }> {
  return new Promise((resolveP, reject) => {
    const proc = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => reject(new Error(`socat gave no ptys: ${err}`)), 5000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const ptys = [...err.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!);
      if (ptys.length === 2) {
        clearTimeout(timer);
        resolveP({ proc, a: ptys[0]!, b: ptys[1]! });
      }
    });
  });
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'bsn-care.js'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

if (!haveSocat) {
  console.log('SKIP tests/modem/pty.test.ts: socat not installed');
} else {
  let socat: Awaited<ReturnType<typeof startSocat>>;
  let modelPort: NodeSerial;
  let model: Sim800Model;
  const posts: Uint8Array[] = [];

  test.before(async () => {
    socat = await startSocat();
    const clock = new WallClock();
    modelPort = new NodeSerial(socat.a);
    await modelPort.open(9600);
    const rng = new Rng(42);
    const network = new NetworkModel(clock, rng.fork('net'), {
      cell: { mcc: '262', mnc: '01', lac: 0x5a5a, ci: 0x1234 },
      rssi: 23,
      registrationDelayMs: 200,
      rttMedianMs: 50,
      endpoint: { post: async (_u, body) => (posts.push(body), { status: 201, body: Uint8Array.of(0, 13, 10, 255) }) },
    });
    const telephony = new TelephonyModel(rng.fork('tel'), { defaultBehaviour: { answerProbability: 1, answerDelayMs: 1500 }, smsDelayMs: [100, 200] });
    model = new Sim800Model(modelPort, clock, { rng: rng.fork('model'), network, telephony, bootMs: 200 });
    await clock.sleep(600);
  });

  test.after(async () => {
    await modelPort.close();
    socat.proc.kill('SIGTERM');
  });

  test('bsn-care modem --json status over a pty reports SIM, registration, LAI, signal, GPRS', async () => {
    const r = await cli(['modem', '--port', socat.b, '--json', 'status']);
    assert.is(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { ok: boolean; status: Record<string, unknown> };
    assert.is(j.ok, true);
    assert.equal(j.status, {
      sim: 'READY',
      registration: { state: 'home', lac: 0x5a5a, cellId: 0x1234 },
      location: { lai: { mcc: '262', mnc: '01', lac: 0x5a5a }, cellId: 0x1234 },
      signal: { rssi: 23, rssiDbm: -68, bars: 4, berClass: 0 },
      gprsAttached: true,
      bearer: { state: 'closed', ip: null },
    });
  });

  test('bsn-care modem sms and phonebook write/list over the pty', async () => {
    const s = await cli(['modem', '--port', socat.b, '--json', 'sms', '+491701234567', 'BSN test message']);
    assert.is(s.code, 0, s.stderr);
    assert.is(model.telephony.outbox.at(-1)?.text, 'BSN test message');
    assert.is(model.telephony.outbox.at(-1)?.number, '+491701234567');
    const pdu = await cli(['modem', '--port', socat.b, '--pdu', 'sms', '+491701234567', 'PDU mode [ok]']);
    assert.is(pdu.code, 0, pdu.stderr);
    assert.is(model.telephony.outbox.at(-1)?.text, 'PDU mode [ok]');
    const w = await cli(['modem', '--port', socat.b, 'phonebook', 'write', '5', '+491709999999', 'Clinic']);
    assert.is(w.code, 0, w.stderr);
    const l = await cli(['modem', '--port', socat.b, '--json', 'phonebook']);
    const j = JSON.parse(l.stdout) as { phonebook: unknown[] };
    assert.equal(j.phonebook, [{ index: 5, number: '+491709999999', type: 145, name: 'Clinic' }]);
  });

  test('the driver in-process over serialport: bearer and a binary HTTP POST', async () => {
    const clock = new WallClock();
    const port = new NodeSerial(socat.b);
    const m = new Sim800(port, clock, { baud: 9600 });
    try {
      await m.init();
      const b = await m.openBearer('internet');
      assert.is(b.state, 'connected');
      const body = new Rng(3).bytes(300);
      const r = await m.httpPost('http://bsn.example/up', body);
      assert.is(r.status, 201);
      assert.equal([...r.body], [0, 13, 10, 255]);
      assert.equal([...posts.at(-1)!], [...body]);
      await m.closeBearer();
    } finally {
      m.at.detach();
      await port.close();
    }
  });

  test('clear errors: missing port, busy port, nothing answering', async () => {
    const missing = await cli(['modem', '--port', '/dev/does-not-exist', '--json', 'status']);
    assert.is(missing.code, 1);
    assert.match(missing.stderr, /does not exist/);
    assert.is((JSON.parse(missing.stdout) as { error: string }).error, 'missing');
    const holder = new NodeSerial(socat.b);
    await holder.open(9600);
    try {
      const busy = await cli(['modem', '--port', socat.b, 'status']);
      assert.is(busy.code, 1);
      assert.match(busy.stderr, /in use/);
    } finally {
      await holder.close();
    }
    model.powerOff();
    const dead = await cli(['modem', '--port', socat.b, 'status']);
    assert.is(dead.code, 1);
    assert.match(dead.stderr, /no answer from a modem/);
    model.powerOn();
  });

  test('usage errors exit 2', async () => {
    const r = await cli(['modem', 'status']);
    assert.is(r.code, 2);
    assert.match(r.stderr, /--port/);
  });
}

test.run();
