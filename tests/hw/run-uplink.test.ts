// Acceptance test of `bsn-care run` end to end, no hardware: the real StandardFirmata on the
// emulated Uno behind one socat pty pair is the --board; `bsn-care sim800` (the SIM800 model) on a
// second pty pair is the --modem, its GPRS forwarding HTTP to the real BSN-Care server in this
// process on loopback; the credential comes from `bsn-care provision`. The LM35 input (A2) is held
// at 0.41 V (41 °C; ADC count 83, 40.8 °C at the step's middle): the device must raise its fever alarm, the
// readings must reach the server sealed through the modem, and the server must escalate them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, type CliChild as Child } from './cli-child.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { openPtyPair, socatAvailable, type PtyPair } from './pty-pair.ts';
import { firmataHexOrSkip } from './firmata-fixture.ts';
import { startEmulatedUno } from '../../sim/avr/harness.ts';
import { Hd44780Model } from '../../sim/lcd/hd44780.ts';
import { Pcf8574, wireBackpack } from '../../sim/lcd/pcf8574.ts';
import { createBsnServer, type BsnServer } from '../../server/app.ts';
import { wallClock } from '../../server/clock.ts';
import { openDatabase, type Database } from '../../server/db.ts';
import { silentLogger } from '../../server/log.ts';
import { composeNotifier, type Telephony } from '../../server/notifier.ts';
import { E2E_CONTACTS } from '../../cli/e2e-run.ts';
import { openHostStores } from '../../hal/targets/host-store.ts';
import { loadCredential } from '../../firmware/uplink/credential-store.ts';

const TOKEN = 'hw-acceptance-operator-token';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

if (!socatAvailable()) {
  console.log('SKIP bsn-care run end to end: socat is not installed');
} else {
  const hex = await firmataHexOrSkip('bsn-care run end to end on the emulated Uno');
  if (hex) {
    test('bsn-care run on the emulated Uno and the SIM800 model: sealed readings reach the server, a 40 °C temperature escalates', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bsn-run-e2e-'));
      const store = join(dir, 'store');
      const calls: Array<{ channel: 'call' | 'sms'; to: string; atMs: number }> = [];
      const telephony: Telephony = {
        call: async (to) => {
          calls.push({ channel: 'call', to, atMs: Date.now() });
          return 'no-answer';
        },
        sms: async (to) => {
          calls.push({ channel: 'sms', to, atMs: Date.now() });
          return 'sent';
        },
      };
      let db: Database | undefined;
      let server: BsnServer | undefined;
      let board: PtyPair | undefined;
      let modem: PtyPair | undefined;
      let sim800: Child | undefined;
      let run: Child | undefined;
      let rig: ReturnType<typeof startEmulatedUno> | undefined;
      let port: SerialPort | undefined;
      try {
        db = await openDatabase({});
        server = await createBsnServer({ db, clock: wallClock, notifier: composeNotifier(telephony, null), operatorToken: TOKEN, log: silentLogger, escalation: { retryIntervalMs: 2000 } });
        const httpPort = await server.listen(0, '127.0.0.1');
        const url = `http://127.0.0.1:${httpPort}`;

        // Provisioning over the operator channel, as an installer would.
        writeFileSync(join(dir, 'contacts.json'), JSON.stringify(E2E_CONTACTS));
        const prov = cli(['provision', '--server', url, '--token', TOKEN, '--contacts', join(dir, 'contacts.json'), '--out', join(dir, 'lpu.cred')]);
        assert.is(await prov.done, 0, prov.out() + prov.err());
        const patient = Number(/^patient (\d+):/.exec(prov.out())?.[1]);
        assert.ok(patient > 0, prov.out());

        board = await openPtyPair();
        modem = await openPtyPair();
        sim800 = cli(['sim800', '--port', modem.board, '--baud', '9600', '--forward', url, '--cell', '262,01,1A2B,2F3E', '--boot-ms', '300', '--log']);

        rig = startEmulatedUno(hex, { realTime: true });
        const lcd = new Hd44780Model({ powerOnAtMs: 0 });
        const expander = new Pcf8574();
        wireBackpack(expander, lcd);
        rig.uno.attachI2c(0x27, expander);
        rig.uno.attachAnalog('A2', () => 0.41); // LM35: 10 mV/°C → 41.0 °C; count 83 → 40.8 °C
        const p = new SerialPort({ path: board.board, baudRate: 57600, autoOpen: false, lock: true });
        await new Promise<void>((res, rej) => p.open((e) => (e ? rej(e) : res())));
        port = p;
        p.on('data', (d: Buffer) => rig!.uno.hostWrite(d));
        rig.stream.on('data', (d: Buffer) => p.write(d));

        const t0 = Date.now();
        run = cli(['run', '--board', board.host, '--modem', modem.host, '--server', url, '--credential', join(dir, 'lpu.cred'), '--store', store, '--timeout', '20', '--upload-period', '10', '--duration', '150']);

        // Until the server has stored a temperature reading and escalated it, bounded in wall time.
        const q = async <T = Record<string, unknown>>(sql: string): Promise<T[]> => (await db!.query(sql, [patient])) as T[];
        let temps: Array<{ value: string }> = [];
        let escalation: Array<{ topic: string; state: string }> = [];
        while (Date.now() - t0 < 140_000) {
          await sleep(1000);
          temps = await q<{ value: string }>("SELECT value FROM readings WHERE lpu_id = $1 AND kind = 'temperature' ORDER BY seq");
          escalation = await q<{ topic: string; state: string }>("SELECT topic, state FROM escalations WHERE lpu_id = $1 AND topic = 'temperature'");
          if (temps.length > 0 && escalation.length > 0 && calls.length > 0 && /alarm raised: fever/.test(run.out()) && /acknowledged readings through/.test(run.out())) break;
          if (run.child.exitCode !== null) break;
        }
        const tDone = Date.now() - t0;
        run.child.kill('SIGINT');
        const code = await run.done;
        const out = run.out();
        const log = `run stdout:\n${out}\nrun stderr:\n${run.err()}\nsim800 stderr (tail):\n${sim800.err().slice(-1500)}`;
        assert.is(code, 0, log);
        assert.match(out, /credential: loaded .*lpu\.cred into /);
        assert.match(out, /board: Arduino \(StandardFirmata\.ino 2\.4\); analog every >= 10 ms, I2C yes, modem serial yes/);
        assert.match(out, /modem: answering on .* at 9600 baud; uploading to http:\/\/127\.0\.0\.1/, log);
        // The device itself saw the fever (its local alarm) ...
        assert.match(out, /\*\* alarm raised: fever \(severe\) 40\.[3-9] °C/, log);
        // ... the readings reached the server through the modem model's GPRS, sealed (the data
        // route stores only what opens under the session keys of a completed MA1/MA2) ...
        assert.match(out, /uplink: server acknowledged readings through seq [1-9]\d*/, log);
        const cmds = sim800.err();
        for (const path of ['/v1/ma1', '/v1/ma3', '/v1/data']) assert.ok(cmds.includes(`${url}${path}`), `modem model never posted to ${path}\n${log}`);
        assert.ok(temps.length > 0, `no temperature reading stored after ${tDone} ms\n${log}`);
        const tempC = (JSON.parse(temps[temps.length - 1]!.value) as { tempC: number }).tempC;
        assert.ok(tempC > 40.2 && tempC < 41, `stored ${tempC} °C`);
        // ... and the server escalated it: 39.5-41 °C is the physician level, which starts with the family.
        assert.is(escalation.length, 1, log);
        const level = (JSON.parse(escalation[0]!.state) as { core?: { level?: string } }).core?.level;
        assert.is(level, 'physician');
        assert.ok(calls.some((c) => c.to === E2E_CONTACTS.family.phone), `notifier: ${JSON.stringify(calls)}`);
        const stored = Number((await q<{ n: number }>('SELECT count(*)::int AS n FROM readings WHERE lpu_id = $1'))[0]!.n);
        console.log(`  run → server: temperature stored and escalated ${(tDone / 1000).toFixed(1)} s after start; ${stored} readings stored; alerts ${calls.map((c) => `${c.channel} ${c.to}`).join(', ')}`);

        // The session advanced the credential in the host store (a newer key slot than the import).
        const nv = openHostStores(store);
        try {
          const c = loadCredential(nv);
          assert.ok(c !== null && c.generation > 1, `generation ${c?.generation}`);
        } finally {
          nv.close();
        }
      } finally {
        run?.child.kill('SIGKILL');
        sim800?.child.kill('SIGINT');
        if (sim800) await sim800.done;
        rig?.stop();
        if (port?.isOpen) await new Promise<void>((r) => port!.close(() => r()));
        board?.close();
        modem?.close();
        await server?.close();
        await db?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test.run();
