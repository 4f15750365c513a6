import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const bin = new URL('../../bin/bsn-care.js', import.meta.url).pathname;

test('bsn-care --help lists every subcommand module', () => {
  const out = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  assert.match(out, /Usage: bsn-care COMMAND/);
  assert.match(out, /\n  start\s+/);
});

test('an unknown subcommand exits 2 with a message naming it', () => {
  const r = spawnSync(process.execPath, [bin, 'no-such-command'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown command 'no-such-command'/);
});

test('package.json declares the bin, ESM and the Node engine', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  assert.is(pkg.name, 'bsn-care');
  assert.is(pkg.type, 'module');
  assert.equal(pkg.bin, { 'bsn-care': 'bin/bsn-care.js' });
  assert.equal(pkg.engines, { node: '>=20' });
});

test.run();
