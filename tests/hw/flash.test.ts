// `bsn-care flash` for real: the installed avrdude writes StandardFirmata over a socat pty pair to
// an STK500v1 responder standing in for the Uno's bootloader (optiboot's protocol subset), and the
// flash the responder holds afterwards must equal the hex image byte for byte. Also: the clear
// errors (no avrdude, no port, a board that never answers), and avrdude's dryrun programmer
// where the installed avrdude has it (7.2+).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { SerialPort } from 'serialport';
import { avrdudeHasDryrun, avrdudeVersion } from '../../cli/commands/flash.ts';
import { parseIntelHex } from '../../sim/avr/intel-hex.ts';
import { firmataHexOrSkip } from './firmata-fixture.ts';
import { openPtyPair, socatAvailable } from './pty-pair.ts';
import { Stk500Responder } from './stk500-responder.ts';

const bin = new URL('../../bin/bsn-care.js', import.meta.url).pathname;

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err, ms: Date.now() - t0 }));
  });
}

const version = avrdudeVersion();
const hex = await firmataHexOrSkip('bsn-care flash of StandardFirmata');

test('no avrdude: a clear message how to install it, exit 2', async () => {
  const r = await cli(['flash', '--port', '/dev/null', '--avrdude', '/nonexistent/avrdude']);
  assert.is(r.code, 2);
  assert.match(r.err, /avrdude is not installed.*apt install avrdude/);
});

test('a port that does not exist: exit 2 naming it', async () => {
  if (version === null) return void console.log('SKIP port check: avrdude not installed');
  const r = await cli(['flash', '--port', '/dev/no-such-uno']);
  assert.is(r.code, 2);
  assert.match(r.err, /serial port \/dev\/no-such-uno does not exist/);
});

if (version === null) {
  console.log('SKIP avrdude flashing tests: avrdude is not installed');
} else if (!socatAvailable()) {
  console.log('SKIP avrdude flashing tests: socat is not installed');
} else if (hex) {
  test('real avrdude -c arduino writes StandardFirmata into the bootloader stand-in; flash equals the hex', async () => {
    const pair = await openPtyPair();
    const port = new SerialPort({ path: pair.board, baudRate: 115200 });
    const boot = new Stk500Responder((b) => port.write(Buffer.from(b)));
    port.on('data', (d: Buffer) => boot.receive(d));
    try {
      const r = await cli(['flash', '--port', pair.host]);
      assert.is(r.code, 0, r.out + r.err);
      assert.match(r.out, /bytes of flash verified/);
      const img = parseIntelHex(hex);
      assert.ok(img.ok);
      if (!img.ok) return;
      assert.ok(boot.stats.pagesWritten >= 95, `${boot.stats.pagesWritten} pages written`);
      let diff = -1;
      for (let i = 0; i < img.image.length; i++) if (img.image[i] !== boot.flash[i]) { diff = i; break; }
      assert.is(diff, -1, `flash differs from the hex at byte ${diff}`);
    } finally {
      await new Promise((r) => port.close(() => r(null)));
      pair.close();
    }
  });

  test('a board that never answers: avrdude gives up, bsn-care flash exits 1 with the cause', async () => {
    const pair = await openPtyPair();
    try {
      const r = await cli(['flash', '--port', pair.host, '--timeout', '3']);
      assert.is(r.code, 1);
      assert.match(r.err, /bootloader did not finish within 3 s/);
      assert.ok(r.ms < 10_000, `${r.ms} ms`);
    } finally {
      pair.close();
    }
  });

  if (avrdudeHasDryrun()) {
    test('avrdude dryrun programmer accepts the image', async () => {
      const r = await cli(['flash', '--dry-run']);
      assert.is(r.code, 0, r.out + r.err);
    });
  } else {
    console.log(`SKIP avrdude dryrun test: avrdude ${version} has no dryrun programmer (added in 7.2); the real-avrdude-over-pty test covers flashing`);
    test('without dryrun, --dry-run says so (exit 2)', async () => {
      const r = await cli(['flash', '--dry-run']);
      assert.is(r.code, 2);
      assert.match(r.err, /no dryrun programmer/);
    });
  }
}

test.run();
