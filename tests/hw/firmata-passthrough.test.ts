// `--modem firmata`: the modem link through the board's own serial passthrough, on the real
// StandardFirmataPlus 2.5.8 (built here from the Firmata library and Debian's AVR toolchain and
// core; sim/avr/firmata-plus.ts) running on the emulated Uno. The host's SIM800 driver writes AT
// commands into Firmata SERIAL messages (hal/targets/firmata-serial.ts); the sketch's
// SoftwareSerial bit-bangs them out on D3 and samples D2; a bit-level UART on those emulated pins
// (sim/avr/soft-uart.ts) connects the SIM800 model. No part of the chain is a mock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIRMATA_PLUS_SOURCE, loadStandardFirmataPlusHex } from '../../sim/avr/firmata-plus.ts';
import { startEmulatedUno, type EmulatedUnoRig } from '../../sim/avr/harness.ts';
import { SoftUartPort } from '../../sim/avr/soft-uart.ts';
import { JohnnyFiveBoard, FIRMATA_SERIAL_PINS } from '../../hal/targets/johnny-five-board.ts';
import { Sim800 } from '../../firmware/modem/sim800.ts';
import { PASSTHROUGH_READ_CHUNK_BYTES } from '../../hal/targets/firmata-serial.ts';
import { Rng } from '../../sim/rng.ts';
import { NetworkModel } from '../../sim/sim800/network.ts';
import { Sim800Model } from '../../sim/sim800/model.ts';
import { TelephonyModel } from '../../sim/sim800/telephony.ts';

const plus = await loadStandardFirmataPlusHex();
if (!plus.ok) {
  console.log(`SKIP Firmata serial passthrough: StandardFirmataPlus could not be built (${plus.reason}): ${plus.message}`);
} else {
  if (plus.built) console.log(`  StandardFirmataPlus built in ${(plus.buildMs / 1000).toFixed(1)} s, ${plus.flashBytes} bytes of flash`);
  let rig: EmulatedUnoRig;
  let board: JohnnyFiveBoard;

  test.before(async () => {
    rig = startEmulatedUno(plus.text);
    board = await JohnnyFiveBoard.connect({ transport: rig.stream, scheduler: rig.clock, versionQueryAfterMs: 60_000, readyTimeoutMs: 20_000 });
  });
  test.after(() => {
    board.close();
    rig.stop();
  });

  test('the built image is cached with a manifest of its inputs; a tampered cache is refused, not run', async () => {
    const again = await loadStandardFirmataPlusHex({ build: false });
    assert.ok(again.ok && !again.built && again.text === plus.text, 'second load comes from the cache');
    const dir = mkdtempSync(join(tmpdir(), 'bsn-fwplus-'));
    try {
      const path = join(dir, FIRMATA_PLUS_SOURCE.fileName);
      copyFileSync(plus.path, path);
      copyFileSync(`${plus.path}.json`, `${path}.json`);
      assert.ok((await loadStandardFirmataPlusHex({ cacheDir: dir, build: false })).ok, 'an intact copy loads');
      writeFileSync(path, plus.text.replace(':00000001FF', ':0000000AFF\n:00000001FF'));
      const bad = await loadStandardFirmataPlusHex({ cacheDir: dir, build: false });
      assert.is(bad.ok, false);
      assert.is(!bad.ok && bad.reason, 'offline');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('StandardFirmataPlus 2.5 answers on the emulated Uno: 1 ms sampling, I2C, serial passthrough offered', () => {
    assert.match(board.firmware.name, /^StandardFirmataPlus/);
    assert.equal([board.firmware.major, board.firmware.minor], [2, 5]);
    assert.equal(board.capabilities, { minSampleIntervalMs: 1, modemSerial: true, i2c: true });
    assert.ok(plus.flashBytes > 10_000 && plus.flashBytes <= 32_256, `${plus.flashBytes} bytes`);
  });

  test('AT through Firmata SERIAL and SoftwareSerial on D2/D3: the SIM800 driver initialises the model, registers, and an HTTP POST goes out and its answer comes back', async () => {
    assert.equal(FIRMATA_SERIAL_PINS, { serialRx: 'D2', serialTx: 'D3' });
    const modemEnd = new SoftUartPort(rig.uno, { rx: 'D2', tx: 'D3' });
    await modemEnd.open(9600);
    const rng = new Rng(7);
    const posts: Array<{ url: string; body: Uint8Array }> = [];
    const network = new NetworkModel(rig.clock, rng.fork('network'), {
      cell: { mcc: '262', mnc: '01', lac: 0x1a2b, ci: 0x2f3e },
      registrationDelayMs: 300,
      rttMedianMs: 150,
      endpoint: {
        async post(url, body) {
          posts.push({ url, body });
          return { status: 200, body: Uint8Array.from(body).reverse() };
        },
      },
    });
    const model = new Sim800Model(modemEnd, rig.clock, { rng: rng.fork('model'), network, telephony: new TelephonyModel(rng.fork('tel')), bootMs: 300 });
    // The answer is read 32 bytes at a time: a longer burst at 9600 baud overflows SoftwareSerial's
    // 64-byte buffer (its receive interrupt leaves the sketch too little time to forward bytes;
    // 200 in one go lost bytes from the 124th on).
    const driver = new Sim800(board.modemSerial(), rig.clock, { baud: 9600, readChunkBytes: PASSTHROUGH_READ_CHUNK_BYTES });
    const e0 = rig.clock.now();
    const w0 = Date.now();
    await driver.init();
    let loc = await driver.location();
    for (let i = 0; i < 20 && !loc; i++) {
      await rig.clock.sleep(250);
      loc = await driver.location();
    }
    assert.ok(loc, 'registered with a location');
    assert.equal({ mcc: loc!.lai.mcc, mnc: loc!.lai.mnc, lac: loc!.lai.lac }, { mcc: '262', mnc: '01', lac: 0x1a2b });
    await driver.openBearer('internet');
    // 200 bytes: every byte value's bit pattern crosses the two software UARTs both ways.
    const body = Uint8Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff);
    const r = await driver.httpPost('http://bsn.example/v1/data', body);
    assert.is(r.status, 200);
    assert.equal([...r.body], [...body].reverse());
    assert.is(posts.length, 1);
    assert.equal([...posts[0]!.body], [...body]);
    assert.is(modemEnd.stats.framingErrors, 0);
    assert.ok(model.commandLog.some((c) => c.startsWith('AT+HTTPACTION=1')), model.commandLog.slice(-5).join(' | '));
    console.log(`  passthrough: init, registration, bearer and a 200-byte POST in ${((rig.clock.now() - e0) / 1000).toFixed(1)} s emulated (${((Date.now() - w0) / 1000).toFixed(1)} s wall); ${modemEnd.stats.bytesIn} bytes from the sketch's TX, ${modemEnd.stats.bytesOut} to its RX, 0 framing errors`);
  });
}

test.run();
