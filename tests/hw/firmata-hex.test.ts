// The StandardFirmata flash image: Intel HEX decoding, and the fetch/verify/cache that refuses a
// tampered cache and reports an unreachable registry as a skip reason rather than a crash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIRMATA_HEX, firmataCacheDir, loadStandardFirmataHex, sha256Hex } from '../../sim/avr/firmata-hex.ts';
import { parseIntelHex } from '../../sim/avr/intel-hex.ts';
import { firmataHexOrSkip } from './firmata-fixture.ts';

const hex = await firmataHexOrSkip('StandardFirmata image checks');

test('Intel HEX: records decode into the image; bad checksum, bad length, missing EOF are typed errors', () => {
  const ok = parseIntelHex(':0400100001020304E2\n:00000001FF\n', 64);
  assert.ok(ok.ok);
  if (ok.ok) {
    assert.equal(Array.from(ok.image.subarray(0x10, 0x14)), [1, 2, 3, 4]);
    assert.is(ok.image[0], 0xff, 'unwritten flash reads erased');
    assert.is(ok.highestAddress, 0x14);
  }
  const bad = parseIntelHex(':0400100001020304E3\n:00000001FF\n', 64);
  assert.equal(bad.ok ? null : bad.error.kind, 'checksum');
  const short = parseIntelHex(':0500100001020304E2\n:00000001FF\n', 64);
  assert.equal(short.ok ? null : short.error.kind, 'syntax');
  const noEof = parseIntelHex(':0400100001020304E2\n', 64);
  assert.equal(noEof.ok ? null : noEof.error.message, 'no end-of-file record');
  const far = parseIntelHex(':0400100001020304E2\n:00000001FF\n', 16);
  assert.equal(far.ok ? null : far.error.kind, 'range');
  assert.equal(parseIntelHex('hello').ok, false);
});

test('cache: a tampered file is refused and dropped; an unreachable registry is "offline"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bsn-fw-cache-'));
  try {
    writeFileSync(join(dir, FIRMATA_HEX.fileName), ':00000001FF\n');
    const r = await loadStandardFirmataHex({ cacheDir: dir, fetch: false });
    assert.equal(r.ok ? 'ok' : r.reason, 'offline');
    assert.not.ok(existsSync(join(dir, FIRMATA_HEX.fileName)), 'the bad cache file was removed');
    const t0 = Date.now();
    const off = await loadStandardFirmataHex({ cacheDir: dir, registry: 'http://127.0.0.1:9/' });
    assert.equal(off.ok ? 'ok' : off.reason, 'offline');
    assert.ok(Date.now() - t0 < 30_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.match(firmataCacheDir({ XDG_CACHE_HOME: '/x' }), /^\/x\/bsn-care\/firmata$/);
});

if (hex) {
  test('the cached StandardFirmata hex has the pinned SHA-256 and decodes to a plausible Uno image', () => {
    assert.is(sha256Hex(hex), FIRMATA_HEX.sha256);
    const img = parseIntelHex(hex);
    assert.ok(img.ok);
    if (!img.ok) return;
    // StandardFirmata for the Uno: ~11 KB of code under the 32 KiB flash minus the 0.5 KiB bootloader.
    assert.ok(img.highestAddress > 8000 && img.highestAddress < 32 * 1024 - 512, `image ends at ${img.highestAddress}`);
    // The reset vector is a JMP (0x940C) as avr-gcc emits it.
    assert.is(img.image[0]! | (img.image[1]! << 8), 0x940c);
    const path = join(firmataCacheDir(), FIRMATA_HEX.fileName);
    assert.is(sha256Hex(readFileSync(path, 'utf8')), FIRMATA_HEX.sha256);
  });
}

test.run();
