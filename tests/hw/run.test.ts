// `bsn-care run` against ports that misbehave, and against the real StandardFirmata on an emulated
// Uno behind a socat pty pair (the host side opens it with serialport, as it would /dev/ttyACM0).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { openPtyPair, socatAvailable, type PtyPair } from './pty-pair.ts';
import { firmataHexOrSkip } from './firmata-fixture.ts';
import { startEmulatedUno } from '../../sim/avr/harness.ts';
import { Hd44780Model } from '../../sim/lcd/hd44780.ts';
import { Pcf8574, wireBackpack } from '../../sim/lcd/pcf8574.ts';
import { renderLines } from '../../sim/lcd/render.ts';
import { GLYPH_SYMBOLS_BY_SLOT } from '../../firmware/lcd/glyphs.ts';
import { openHostStores } from '../../hal/targets/host-store.ts';
import { loadCredential } from '../../firmware/uplink/credential-store.ts';

const bin = new URL('../../bin/bsn-care.js', import.meta.url).pathname;
const store = mkdtempSync(join(tmpdir(), 'bsn-run-store-'));

function cli(args: string[], onChild?: (c: ChildProcess) => void): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args, ...(args.includes('--server') ? [] : ['--server', 'http://127.0.0.1:9']), ...(args.includes('--store') ? [] : ['--store', store])], { stdio: ['ignore', 'pipe', 'pipe'] });
    onChild?.(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err, ms: Date.now() - t0 }));
  });
}

const openPort = (path: string): Promise<SerialPort> =>
  new Promise((resolve, reject) => {
    const p = new SerialPort({ path, baudRate: 57600, autoOpen: false, lock: true });
    p.open((e) => (e ? reject(e) : resolve(p)));
  });
const closePort = (p: SerialPort): Promise<void> => new Promise((r) => (p.isOpen ? p.close(() => r()) : r()));

test('a board port that does not exist: exit 2 naming it', async () => {
  const r = await cli(['run', '--board', '/dev/no-such-uno', '--modem', '/dev/null']);
  assert.is(r.code, 2);
  assert.match(r.err, /serial port \/dev\/no-such-uno does not exist/);
});

test('bad --lcd: exit 2', async () => {
  const r = await cli(['run', '--board', '/dev/null', '--modem', '/dev/null', '--lcd', 'oled']);
  assert.is(r.code, 2);
  assert.match(r.err, /--lcd must be pcf8574 or parallel/);
});

test('no --server: exit 2 asking for it', async () => {
  const r = await cli(['run', '--board', '/dev/null', '--modem', '/dev/null', '--server', '']);
  assert.is(r.code, 2);
  assert.match(r.err, /run needs --server URL/);
});

test('an https --server (the SIM800 path is plain HTTP; the payload is sealed): exit 2', async () => {
  const r = await cli(['run', '--board', '/dev/null', '--modem', '/dev/null', '--server', 'https://bsn.example']);
  assert.is(r.code, 2);
  assert.match(r.err, /--server must be an http:\/\/ URL/);
});

if (!socatAvailable()) {
  console.log('SKIP bsn-care run pty tests: socat is not installed');
} else {
  let board: PtyPair;
  let modem: PtyPair;
  test.before(async () => {
    board = await openPtyPair();
    modem = await openPtyPair();
  });
  test.after(() => {
    board.close();
    modem.close();
    rmSync(store, { recursive: true, force: true });
  });

  test('a busy board port (another program holds it): exit 1 saying busy', async () => {
    const holder = await openPort(board.host);
    try {
      const r = await cli(['run', '--board', board.host, '--modem', modem.host, '--timeout', '2']);
      assert.is(r.code, 1, r.out + r.err);
      assert.match(r.err, new RegExp(`serial port ${board.host} is busy`));
    } finally {
      await closePort(holder);
    }
  });

  test('a busy modem port: exit 1 saying it is in use, before the board is touched', async () => {
    const holder = await openPort(modem.host);
    try {
      const r = await cli(['run', '--board', board.host, '--modem', modem.host, '--timeout', '2']);
      assert.is(r.code, 1, r.out + r.err);
      assert.match(r.err, new RegExp(`serial port ${modem.host} is in use by another program`));
    } finally {
      await closePort(holder);
    }
  });

  test('a store another bsn-care holds: exit 1 naming its pid, before any port is opened', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bsn-run-busy-'));
    // A live process that is not this one holds the lock (the test runner's parent).
    writeFileSync(join(dir, 'lock'), `${process.ppid}\n`);
    try {
      const r = await cli(['run', '--board', board.host, '--modem', modem.host, '--store', dir, '--timeout', '2']);
      assert.is(r.code, 1, r.out + r.err);
      assert.match(r.err, new RegExp(`the LPU store ${dir} is in use by another bsn-care \\(pid ${process.ppid}\\)`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a credential file that is not a credential record: exit 1, the store stays blank', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bsn-run-cred-'));
    writeFileSync(join(dir, 'junk.cred'), 'not a credential');
    try {
      const r = await cli(['run', '--board', board.host, '--modem', modem.host, '--store', join(dir, 'store'), '--credential', join(dir, 'junk.cred'), '--timeout', '2']);
      assert.is(r.code, 1, r.out + r.err);
      assert.match(r.err, /--credential .*junk\.cred: the credential file does not decode \([a-z-]+\)/);
      const nv = openHostStores(join(dir, 'store'));
      try {
        assert.is(loadCredential(nv), null);
      } finally {
        nv.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a board that does not answer Firmata (silent port): exit 1 after the timeout', async () => {
    const r = await cli(['run', '--board', board.host, '--modem', modem.host, '--timeout', '2']);
    assert.is(r.code, 1, r.out + r.err);
    assert.match(r.err, /did not answer Firmata within 2000 ms.*bsn-care flash/);
    assert.ok(r.ms < 8000, `${r.ms} ms`);
  });

  const hex = await firmataHexOrSkip('bsn-care run on the emulated Uno');
  if (hex) {
    test('on the emulated Uno behind a pty: the device application runs, ECG adapted to 100 Hz, faults reported, LCD drawn', async () => {
      const rig = startEmulatedUno(hex, { realTime: true });
      const lcd = new Hd44780Model({ powerOnAtMs: 0 });
      const expander = new Pcf8574();
      wireBackpack(expander, lcd);
      rig.uno.attachI2c(0x27, expander);
      const port = await openPort(board.board);
      port.setMaxListeners(0);
      port.on('data', (d: Buffer) => rig.uno.hostWrite(d));
      rig.stream.on('data', (d: Buffer) => port.write(d));
      try {
        // Runs until the LCD shows one of the device's screens (Ctrl-C then): on a loaded machine
        // the first backpack probe may time out and the display retries after 5 s.
        let child: ChildProcess | undefined;
        const running = cli(['run', '--board', board.host, '--modem', modem.host, '--timeout', '20', '--duration', '60'], (c) => (child = c));
        // Any of the device's screens counts (they rotate every 3 s): vitals, network, a fault.
        const screens = [/^♥ -- P --   --°C\|BP --\/--/, /^Ψ +No net +Q0 *\|Server offline/, /^FAULT [1-9]\/[1-9] +\|\w/];
        let shown = false;
        // Bounded in emulated time (a loaded machine slows the emulator below real time) and wall time.
        const t0 = Date.now();
        const e0 = rig.clock.now();
        while (!shown && rig.clock.now() - e0 < 30_000 && Date.now() - t0 < 60_000) {
          await new Promise((r) => setTimeout(r, 100));
          const text = renderLines(lcd, GLYPH_SYMBOLS_BY_SLOT).join('|');
          shown = screens.some((re) => re.test(text));
        }
        await new Promise((r) => setTimeout(r, 2500)); // the 1 s evaluations report the notice and faults
        child?.kill('SIGINT');
        const r = await running;
        assert.is(r.code, 0, r.out + r.err);
        assert.match(r.out, /board: Arduino \(StandardFirmata\.ino 2\.4\); analog every >= 10 ms, I2C yes, modem serial yes/);
        assert.match(r.out, /ECG at 100 Hz/);
        // The device application on the board: it adapted the ECG rate and said so, reports the
        // unconnected LM35 (A2 at 0 V through its pull-down) as a fault, and drew its vitals screen.
        assert.match(r.out, /note: ECG at 100 Hz: Arduino \(StandardFirmata\.ino 2\.4\) samples at most every 10 ms \(250 Hz asked\)/);
        assert.match(r.out, /\*\* fault: temperature probe-open/);
        assert.ok(shown, `LCD ${JSON.stringify(renderLines(lcd, GLYPH_SYMBOLS_BY_SLOT))}, violations ${JSON.stringify(lcd.violations.slice(0, 4))}, twi ${JSON.stringify(rig.uno.i2c.stats)}, emulated ${rig.clock.now().toFixed(0)} ms`);
      } finally {
        rig.stop();
        await closePort(port);
      }
    });

    test('the board link going away while running (port gone): exit 1 saying the connection was lost', async () => {
      const pair = await openPtyPair();
      const rig = startEmulatedUno(hex, { realTime: true });
      // No LCD on this board: the device keeps running without it.
      const port = await openPort(pair.board);
      port.on('error', () => undefined); // EIO once the pair is gone: expected here
      port.on('data', (d: Buffer) => rig.uno.hostWrite(d));
      rig.stream.on('data', (d: Buffer) => port.write(d));
      try {
        const child = cli(['run', '--board', pair.host, '--modem', modem.host, '--timeout', '10', '--duration', '30']);
        // Pull the "cable" once the board is up: wait for the handshake, then end the pty pair.
        while (rig.uno.stats.usartBytesIn < 20) await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 1500));
        pair.close();
        rig.stop();
        const r = await child;
        assert.is(r.code, 1, r.out + r.err);
        assert.ok(/lost the connection to the board/.test(r.err), r.out + r.err);
        assert.ok(r.ms < 20_000, `${r.ms} ms`);
      } finally {
        rig.stop();
        await closePort(port);
      }
    });
  }
}

test.run();
