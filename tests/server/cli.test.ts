// The command line: `bsn-care server` as a child process and `bsn-care provision` against it;
// the written credential authenticates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decodeLpuCredential } from '../../protocol/index.ts';
import { startChild } from './child.ts';
import { CONTACTS, HttpLpu, OPERATOR_TOKEN } from './helpers.ts';

const bin = fileURLToPath(new URL('../../bin/bsn-care.js', import.meta.url));
const run = promisify(execFile);

test('provision registers an LPU and writes a credential that authenticates; a wrong token fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bsn-prov-'));
  const server = await startChild([]);
  try {
    const contacts = join(dir, 'contacts.json');
    writeFileSync(contacts, JSON.stringify(CONTACTS));
    const out = join(dir, 'lpu.cred');
    const r = await run(process.execPath, [bin, 'provision', '--server', server.base, '--token', OPERATOR_TOKEN, '--contacts', contacts, '--out', out, '--pairs', '10']);
    assert.match(r.stdout, /patient 1: credential \(\d+ bytes, 10 shadow pairs\) written/);
    assert.is(statSync(out).mode & 0o077, 0, 'credential file is private');
    const c = decodeLpuCredential(new Uint8Array(readFileSync(out)));
    assert.ok(c.ok);
    if (!c.ok) return;
    const lpu = new HttpLpu(server.base, c.value);
    await lpu.handshake();
    const bad = await run(process.execPath, [bin, 'provision', '--server', server.base, '--token', 'wrong-token-wrong-token', '--contacts', contacts, '--out', join(dir, 'x')]).catch((e: { code: number; stderr: string }) => e);
    assert.is((bad as { code: number }).code, 1);
    assert.match((bad as { stderr: string }).stderr, /401/);
    const usage = await run(process.execPath, [bin, 'server', '--port', 'abc', '--operator-token', OPERATOR_TOKEN]).catch((e: { code: number; stderr: string }) => e);
    assert.is((usage as { code: number }).code, 2);
  } finally {
    server.proc.kill('SIGTERM');
    assert.is(await server.exited, 0, 'SIGTERM shuts the server down cleanly');
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
