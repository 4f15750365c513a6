// `bsn-care run` against ports that misbehave, and against the real StandardFirmata on an emulated
// Uno behind a socat pty pair (the host side opens it with serialport, as it would /dev/ttyACM0).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { openPtyPair, socatAvailable, type PtyPair } from './pty-pair.ts';
import { firmataHexOrSkip } from './firmata-fixture.ts';
import { startEmulatedUno } from '../../sim/avr/harness.ts';
import { Hd44780Model } from '../../sim/lcd/hd44780.ts';
import { Pcf8574, wireBackpack } from '../../sim/lcd/pcf8574.ts';
import { renderLines } from '../../sim/lcd/render.ts';

const bin = new URL('../../bin/bsn-care.js', import.meta.url).pathname;
const store = mkdtempSync(join(tmpdir(), 'bsn-run-store-'));

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args, '--store', store], { stdio: ['ignore', 'pipe', 'pipe'] });
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

  test('a board that does not answer Firmata (silent port): exit 1 after the timeout', async () => {
    const r = await cli(['run', '--board', board.host, '--modem', modem.host, '--timeout', '2']);
    assert.is(r.code, 1, r.out + r.err);
    assert.match(r.err, /did not answer Firmata within 2000 ms.*bsn-care flash/);
    assert.ok(r.ms < 8000, `${r.ms} ms`);
  });

  const hex = await firmataHexOrSkip('bsn-care run on the emulated Uno');
  if (hex) {
    test('on the emulated Uno behind a pty: handshake, capabilities, ECG rate adapted, LCD text', async () => {
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
        const r = await cli(['run', '--board', board.host, '--modem', modem.host, '--timeout', '10', '--duration', '1.5']);
        assert.is(r.code, 0, r.out + r.err);
        assert.match(r.out, /board: Arduino \(StandardFirmata\.ino 2\.4\); analog every >= 10 ms, I2C yes, modem serial yes/);
        assert.match(r.out, /ECG at 100 Hz/);
        assert.equal(renderLines(lcd).map((l) => l.trimEnd()), ['bsn-care', 'ECG 100 Hz']);
      } finally {
        rig.stop();
        await closePort(port);
      }
    });

    test('the board link going away while running (port gone): exit 1 saying the connection was lost', async () => {
      const pair = await openPtyPair();
      const rig = startEmulatedUno(hex, { realTime: true });
      // No LCD on this board: bsn-care reports the fault and keeps running.
      const port = await openPort(pair.board);
      port.on('data', (d: Buffer) => rig.uno.hostWrite(d));
      rig.stream.on('data', (d: Buffer) => port.write(d));
      try {
        const child = cli(['run', '--board', pair.host, '--modem', modem.host, '--timeout', '10', '--duration', '30']);
        // Pull the "cable" once the board is up: wait for the handshake, then end the pty pair.
        while (rig.uno.stats.usartBytesIn < 20) await new Promise((r) => setTimeout(r, 50));
        await new Promise((r) => setTimeout(r, 1500));
        pair.close();
        const r = await child;
        assert.is(r.code, 1, r.out + r.err);
        assert.ok(/lost the connection to the board/.test(r.err), r.out + r.err);
        assert.match(r.out, /LCD fault: no LCD backpack at I2C 0x27/);
        assert.ok(r.ms < 20_000, `${r.ms} ms`);
      } finally {
        rig.stop();
        await closePort(port);
      }
    });
  }
}

test.run();
