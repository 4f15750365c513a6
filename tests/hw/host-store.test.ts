// The LPU's non-volatile store on the host (hal/targets/host-store.ts) and loading a provisioned
// credential into it (bsn-care run --credential): persistence across a restart, durability calls,
// power-off semantics, the one-process lock, and the import rule that never rolls back a session.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, HOST_EEPROM_BYTES, HOST_FLASH_BYTES, StoreBusyError, openHostStores } from '../../hal/targets/host-store.ts';
import { CredentialImportError, importCredential } from '../../cli/commands/run.ts';
import { loadCredential, saveCredential } from '../../firmware/uplink/credential-store.ts';
import { encodeLpuCredential } from '../../protocol/credential.ts';
import { defaultRandom } from '../../protocol/random.ts';
import { register } from '../../protocol/registration.ts';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'bsn-host-store-'));
  dirs.push(d);
  return d;
};
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('a new store file is erased (0xFF) at its full size; writes survive closing and reopening', () => {
  const path = join(tmp(), 'eeprom.bin');
  const s = new FileStore(1024, path);
  assert.is(statSync(path).size, 1024);
  assert.ok(readFileSync(path).every((b) => b === 0xff));
  s.write(100, Uint8Array.of(1, 2, 3));
  s.write(1021, Uint8Array.of(9, 8, 7));
  assert.is(s.syncs, 3, 'one fdatasync for the new file, one per write');
  s.close();
  const again = new FileStore(1024, path);
  assert.equal([...again.read(99, 5)], [0xff, 1, 2, 3, 0xff]);
  assert.equal([...again.read(1021, 3)], [9, 8, 7]);
  again.close();
});

test('after close (power-off) writes are dropped and counted, the file keeps what it had', () => {
  const path = join(tmp(), 'flash.bin');
  const s = new FileStore(4096, path);
  s.write(0, Uint8Array.of(0x42));
  s.close();
  s.write(0, Uint8Array.of(0x00));
  s.write(1, Uint8Array.of(0x00));
  assert.is(s.writesAfterClose, 2);
  assert.is(readFileSync(path)[0], 0x42);
  assert.is(readFileSync(path)[1], 0xff);
  assert.throws(() => s.write(4095, Uint8Array.of(1, 2)), /outside store/);
});

test('openHostStores: EEPROM and flash at the Uno + serial flash sizes, the lock holds the pid and is released on close', () => {
  const dir = join(tmp(), 'lpu');
  const nv = openHostStores(dir);
  assert.is(nv.eeprom.size, HOST_EEPROM_BYTES);
  assert.is(nv.flash.size, HOST_FLASH_BYTES);
  assert.is(readFileSync(join(dir, 'lock'), 'utf8').trim(), String(process.pid));
  nv.close();
  assert.not.ok(existsSync(join(dir, 'lock')));
  openHostStores(dir).close();
});

test('a store held by another live process is refused; a dead process\'s lock is taken over', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'lock'), `${process.ppid}\n`);
  assert.throws(() => openHostStores(dir), (e: unknown) => e instanceof StoreBusyError && e.pid === process.ppid);
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(join(dir, 'lock'), `${dead}\n`);
  const nv = openHostStores(dir);
  assert.is(readFileSync(join(dir, 'lock'), 'utf8').trim(), String(process.pid));
  nv.close();
});

const idS = defaultRandom(32);
const credentialRecord = () => {
  const r = register({ idL: defaultRandom(16), idS, random: defaultRandom, pairCount: 8 });
  return { credential: r.credential, bytes: encodeLpuCredential(r.credential) };
};

test('--credential: loaded into a blank store and still there after a restart', () => {
  const dir = tmp();
  const { credential, bytes } = credentialRecord();
  const nv = openHostStores(dir);
  assert.is(importCredential(nv, bytes), 'imported');
  nv.close();
  const after = openHostStores(dir);
  const c = loadCredential(after);
  after.close();
  assert.ok(c);
  assert.equal([...c!.credential.idL], [...credential.idL]);
  assert.is(c!.credential.trSeq, credential.trSeq);
});

test('--credential again after sessions: the store keeps its newer state (no rollback of trSeq and kls)', () => {
  const dir = tmp();
  const { credential, bytes } = credentialRecord();
  const nv = openHostStores(dir);
  importCredential(nv, bytes);
  // What a session does after MA2: a new trSeq and kls, one pair used up.
  const advanced = { ...credential, trSeq: (credential.trSeq + 1) >>> 0, kls: defaultRandom(32), pairs: credential.pairs.slice(1) };
  saveCredential(nv, advanced);
  const gen = loadCredential(nv)!.generation;
  assert.is(importCredential(nv, bytes), 'kept');
  const c = loadCredential(nv)!;
  nv.close();
  assert.is(c.generation, gen);
  assert.is(c.credential.trSeq, advanced.trSeq);
  assert.equal([...c.credential.kls], [...advanced.kls]);
  assert.is(c.credential.pairs.length, 7);
});

test('--credential of another LPU, or bytes that are not a record: refused, the store unchanged', () => {
  const dir = tmp();
  const first = credentialRecord();
  const nv = openHostStores(dir);
  importCredential(nv, first.bytes);
  assert.throws(() => importCredential(nv, credentialRecord().bytes), (e: unknown) => e instanceof CredentialImportError && /different LPU/.test(e.message));
  const junk = first.bytes.slice();
  junk[junk.length - 1]! ^= 0x01; // checksum
  assert.throws(() => importCredential(nv, junk), (e: unknown) => e instanceof CredentialImportError && /does not decode/.test(e.message));
  assert.equal([...loadCredential(nv)!.credential.idL], [...first.credential.idL]);
  nv.close();
});

test.run();
