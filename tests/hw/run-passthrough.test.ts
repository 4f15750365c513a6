// Acceptance of `bsn-care run --modem firmata` with the full device, no hardware: the real
// StandardFirmataPlus 2.5.8 (built from packages, sim/avr/firmata-plus.ts) on the emulated Uno
// behind a socat pty pair is the --board; the SIM800 model sits on a bit-level UART on the emulated
// D2/D3 (the MAX232's place), forwarding its GPRS HTTP to the real BSN-Care server in this process.
// The device runs everything at once: sensing, ECG at 100 Hz, the LCD over Firmata I2C and the
// uplink through the passthrough. The LM35 input (A2) is held at 0.41 V (40.8 °C): the readings
// must reach the server sealed (MA1/MA2/MA3 and /v1/data through the passthrough, every piece of
// every command intact) and the server must store the temperature.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, type CliChild as Child } from './cli-child.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SerialPort } from 'serialport';
import { openPtyPair, socatAvailable, type PtyPair } from './pty-pair.ts';
import { startEmulatedUno } from '../../sim/avr/harness.ts';
import { loadStandardFirmataPlusHex } from '../../sim/avr/firmata-plus.ts';
import { SoftUartPort } from '../../sim/avr/soft-uart.ts';
import { Hd44780Model } from '../../sim/lcd/hd44780.ts';
import { Pcf8574, wireBackpack } from '../../sim/lcd/pcf8574.ts';
import { Rng } from '../../sim/rng.ts';
import { NetworkModel } from '../../sim/sim800/network.ts';
import { Sim800Model } from '../../sim/sim800/model.ts';
import { TelephonyModel } from '../../sim/sim800/telephony.ts';
import { forwardingEndpoint } from '../../cli/commands/sim800.ts';
import { createBsnServer, type BsnServer } from '../../server/app.ts';
import { wallClock } from '../../server/clock.ts';
import { openDatabase, type Database } from '../../server/db.ts';
import { silentLogger } from '../../server/log.ts';
import { composeNotifier } from '../../server/notifier.ts';
import { E2E_CONTACTS } from '../../cli/e2e-run.ts';

const TOKEN = 'hw-passthrough-operator-token';

/** The gate's figures as `bsn-care run` prints them at exit. */
function gateStats(out: string): string {
  return /passthrough: (.*)/.exec(out)?.[1] ?? '?';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SERIAL_WRITE messages (0xF0 0x60 0x2x) in a chunk of host bytes. */
function serialWrites(chunk: Buffer): number {
  let n = 0;
  for (let i = 0; i + 2 < chunk.length; i++) if (chunk[i] === 0xf0 && chunk[i + 1] === 0x60 && (chunk[i + 2]! & 0xf0) === 0x20) n++;
  return n;
}

if (!process.env.BSN_PT_FULL) {
  // Open problem (see sim/avr/README.md): the full device through the passthrough still loses
  // bytes of some commands on this emulated setup; run it on demand to measure.
  console.log('SKIP bsn-care run --modem firmata with the full device: an open problem, measured on demand (BSN_PT_FULL=1)');
} else if (!socatAvailable()) {
  console.log('SKIP bsn-care run --modem firmata end to end: socat is not installed');
} else {
  const plus = await loadStandardFirmataPlusHex();
  if (!plus.ok) {
    console.log(`SKIP bsn-care run --modem firmata end to end: StandardFirmataPlus could not be built (${plus.reason}): ${plus.message}`);
  } else {
    test('bsn-care run --modem firmata, the full device (sensing, ECG 100 Hz, LCD, uplink) on StandardFirmataPlus behind a pty: sealed readings reach the server', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'bsn-run-pt-'));
      const store = join(dir, 'store');
      let db: Database | undefined;
      let server: BsnServer | undefined;
      let board: PtyPair | undefined;
      let run: Child | undefined;
      let rig: ReturnType<typeof startEmulatedUno> | undefined;
      let port: SerialPort | undefined;
      const loop = monitorEventLoopDelay({ resolution: 10 });
      let speedTimer: ReturnType<typeof setInterval> | undefined;
      try {
        db = await openDatabase({});
        server = await createBsnServer({ db, clock: wallClock, notifier: composeNotifier({ call: async () => 'no-answer', sms: async () => 'sent' }, null), operatorToken: TOKEN, log: silentLogger });
        const url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
        writeFileSync(join(dir, 'contacts.json'), JSON.stringify(E2E_CONTACTS));
        const prov = cli(['provision', '--server', url, '--token', TOKEN, '--contacts', join(dir, 'contacts.json'), '--out', join(dir, 'lpu.cred')]);
        assert.is(await prov.done, 0, prov.out() + prov.err());
        const patient = Number(/^patient (\d+):/.exec(prov.out())?.[1]);

        board = await openPtyPair();
        rig = startEmulatedUno(plus.text, { realTime: true });
        const wire = new SoftUartPort(rig.uno, { rx: 'D2', tx: 'D3' });
        await wire.open(9600);
        // When the modem is sending to the board (SoftwareSerial's receive interrupt keeps the
        // board's interrupts off), in emulated ms.
        const modemTx: Array<{ from: number; to: number }> = [];
        const wireWrite = wire.write.bind(wire);
        wire.write = (bytes: Uint8Array) => {
          const from = Math.max(rig!.clock.now(), modemTx.at(-1)?.to ?? 0);
          modemTx.push({ from, to: from + (bytes.length * 10 * 1000) / 9600 });
          if (modemTx.length > 64) modemTx.shift();
          wireWrite(bytes);
        };
        const cell = { mcc: '262', mnc: '01', lac: 0x1a2b, ci: 0x2f3e };
        const rng = new Rng(1);
        const network = new NetworkModel(rig.clock, rng.fork('network'), { cell, endpoint: forwardingEndpoint(url, cell), registrationDelayMs: 300 });
        const model = new Sim800Model(wire, rig.clock, { rng: rng.fork('model'), network, telephony: new TelephonyModel(rng.fork('telephony')), bootMs: 300 });
        const lcd = new Hd44780Model({ powerOnAtMs: 0 });
        const expander = new Pcf8574();
        wireBackpack(expander, lcd);
        rig.uno.attachI2c(0x27, expander);
        rig.uno.attachAnalog('A2', () => 0.41);

        // What the pty hands the board: chunk sizes and how many modem pieces came back to back.
        const raw: string[] = [];
        const chunks = { n: 0, maxBytes: 0, withTwoPieces: 0, pieces: 0 };
        // When each SERIAL_WRITE reaches the board's USART, in emulated time, against when the board
        // can be done bit-banging the previous one: a piece that arrives earlier is overrun.
        const timing = { early: 0, minSlackMs: Infinity, duringModem: 0 };
        let busyUntil = 0;
        const notePieces = (d: Buffer): void => {
          const byteMs = (10 * 1000) / 57600;
          for (let i = 0; i + 2 < d.length; i++) {
            if (d[i] !== 0xf0 || d[i + 1] !== 0x60 || (d[i + 2]! & 0xf0) !== 0x20) continue;
            let end = i + 3;
            while (end < d.length && d[end] !== 0xf7) end++;
            const arrives = rig!.clock.now() + (rig!.uno.hostBacklog + end + 1) * byteMs;
            const starts = rig!.clock.now() + (rig!.uno.hostBacklog + i) * byteMs;
            if (modemTx.some((w) => w.from < arrives && w.to > starts)) timing.duringModem++;
            timing.minSlackMs = Math.min(timing.minSlackMs, arrives - busyUntil);
            if (arrives < busyUntil) timing.early++;
            busyUntil = arrives + ((end - i - 3) / 2) * ((10 * 1000) / 9600);
          }
        };
        // Emulated ms per wall ms over 1 s windows: below 1 the board runs slower than the host's clock.
        const speed = { min: Infinity, samples: [] as number[] };
        let lastSpeed = { w: Date.now(), e: 0 };
        speedTimer = setInterval(() => {
          const now = { w: Date.now(), e: rig!.clock.now() };
          const r = (now.e - lastSpeed.e) / (now.w - lastSpeed.w);
          if (lastSpeed.e > 0) {
            speed.samples.push(r);
            speed.min = Math.min(speed.min, r);
          }
          lastSpeed = now;
        }, 1000);
        const p = new SerialPort({ path: board.board, baudRate: 57600, autoOpen: false, lock: true });
        await new Promise<void>((res, rej) => p.open((e) => (e ? rej(e) : res())));
        port = p;
        p.on('data', (d: Buffer) => {
          chunks.n++;
          chunks.maxBytes = Math.max(chunks.maxBytes, d.length);
          const w = serialWrites(d);
          chunks.pieces += w;
          if (w >= 2) chunks.withTwoPieces++;
          notePieces(d);
          if (process.env.BSN_PT_RAW && d.includes(0x60) && raw.length < 40) raw.push(`${rig!.clock.now().toFixed(1)} ${d.toString('hex')}`);
          rig!.uno.hostWrite(d);
        });
        rig.stream.on('data', (d: Buffer) => p.write(d));
        loop.enable();

        const t0 = Date.now();
        run = cli(['run', '--board', board.host, '--modem', 'firmata', '--server', url, '--credential', join(dir, 'lpu.cred'), '--store', store, '--timeout', '30', '--upload-period', '10', '--duration', '170']);
        const q = async <T>(sql: string): Promise<T[]> => (await db!.query(sql, [patient])) as T[];
        let temps: Array<{ value: string }> = [];
        const wantUploads = Number(process.env.BSN_PT_UPLOADS ?? 2);
        while (Date.now() - t0 < 160_000) {
          await sleep(1000);
          temps = await q<{ value: string }>("SELECT value FROM readings WHERE lpu_id = $1 AND kind = 'temperature' ORDER BY seq");
          const acks = run.out().match(/acknowledged readings through/g)?.length ?? 0;
          if (temps.length > 0 && acks >= wantUploads) break;
          if (run.child.exitCode !== null) break;
        }
        const tDone = Date.now() - t0;
        loop.disable();
        clearInterval(speedTimer);
        run.child.kill('SIGINT');
        const code = await run.done;
        const out = run.out();
        const cmds = model.commandLog;
        const figures = `${(tDone / 1000).toFixed(1)} s wall, ${(rig.clock.now() / 1000).toFixed(1)} s emulated; test process event loop: max stall ${(loop.max / 1e6).toFixed(0)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms; pty → board: ${chunks.n} chunks (largest ${chunks.maxBytes} bytes), ${chunks.pieces} SERIAL_WRITE pieces, ${chunks.withTwoPieces} chunks with two or more pieces back to back; ${timing.early} pieces reached the board before it could have sent the previous one (least slack ${timing.minSlackMs.toFixed(1)} ms emulated), ${timing.duringModem} arrived while the modem was sending to the board; emulator speed ${speed.min.toFixed(2)}-${Math.max(...speed.samples).toFixed(2)}x wall (${speed.samples.filter((r) => r < 0.64).length} of ${speed.samples.length} s below 0.64x); gate ${JSON.stringify(gateStats(out))}; modem: ${cmds.length} commands, UART framing errors ${wire.stats.framingErrors}`;
        const log = `${figures}\nrun stdout:\n${out}\nrun stderr:\n${run.err()}\nmodem (tail):\n${cmds.slice(-40).join('\n')}`;
        if (process.env.BSN_PT_LOG) writeFileSync(process.env.BSN_PT_LOG, `${log}\nmodem UART ${JSON.stringify(wire.stats)}\nraw:\n${raw.join('\n')}\nmodem (all):\n${cmds.join('\n')}\n`);
        assert.is(code, 0, log);
        assert.match(out, /board: Arduino \(StandardFirmataPlus\.ino 2\.5\); analog every >= 1 ms, I2C yes, modem serial yes/, log);
        assert.match(out, /modem: answering on firmata at 9600 baud/, log);
        assert.match(out, /uplink: server acknowledged readings through seq [1-9]\d*/, log);
        assert.not.match(out, /no upload \(rejected\)/, log);
        for (const path of ['/v1/ma1', '/v1/ma3', '/v1/data']) assert.ok(cmds.some((c) => c.includes(`${url}${path}`)), `modem never posted to ${path}\n${log}`);
        // Every command the modem received is one the driver sends: no piece lost, doubled or garbled.
        const garbled = cmds.filter((c) => !/^AT[\x20-\x7e]*$/.test(c) || /.AT(\+|E0|$)/.test(c));
        assert.equal(garbled, [], log);
        assert.ok(temps.length > 0, `no temperature stored\n${log}`);
        const tempC = (JSON.parse(temps[temps.length - 1]!.value) as { tempC: number }).tempC;
        assert.ok(tempC > 40.2 && tempC < 41, `stored ${tempC} °C`);
        console.log(`  run --modem firmata → server: ${temps.length} temperature readings stored; ${figures}`);
      } finally {
        loop.disable();
        clearInterval(speedTimer);
        run?.child.kill('SIGKILL');
        rig?.stop();
        if (port?.isOpen) await new Promise<void>((r) => port!.close(() => r()));
        board?.close();
        await server?.close();
        await db?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test.run();
