// The real StandardFirmata for the Uno, as a flash image. The build that avrgirl-arduino ships
// (junk/hex/uno/StandardFirmata.cpp.hex, StandardFirmata 2.4) is fetched with `npm pack` (the
// package itself cannot be installed: one of its dependencies lives outside the npm registry),
// that one file is extracted, its SHA-256 checked, and it is cached outside the repository. The
// checksum is verified on every load, so a corrupted or swapped cache is refused, not run.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const FIRMATA_HEX = {
  package: 'avrgirl-arduino@5.0.1',
  member: 'package/junk/hex/uno/StandardFirmata.cpp.hex',
  sha256: '6d57ea7cf30e26c9c2f3a01ee37907d2c951f8bc9c27f84dddad12fa9c8b8f36',
  fileName: 'StandardFirmata-2.4-uno.hex',
} as const;

export type FirmataHexResult =
  | { ok: true; text: string; path: string; fetched: boolean }
  | { ok: false; reason: 'offline' | 'checksum' | 'tool'; message: string };

/** $BSN_CARE_CACHE, else $XDG_CACHE_HOME/bsn-care, else ~/.cache/bsn-care; then firmata/. */
export function firmataCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.BSN_CARE_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'bsn-care');
  return join(root, 'firmata');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Loads the cached hex (checksum verified), fetching it once when absent. */
export async function loadStandardFirmataHex(opts: { cacheDir?: string; fetch?: boolean; registry?: string } = {}): Promise<FirmataHexResult> {
  const dir = opts.cacheDir ?? firmataCacheDir();
  const path = join(dir, FIRMATA_HEX.fileName);
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    if (sha256Hex(text) === FIRMATA_HEX.sha256) return { ok: true, text, path, fetched: false };
    rmSync(path, { force: true }); // a bad cache is dropped and fetched again
  }
  if (opts.fetch === false) return { ok: false, reason: 'offline', message: `${path} is not cached and fetching is off` };
  const work = mkdtempSync(join(tmpdir(), 'bsn-firmata-'));
  try {
    try {
      const args = ['pack', FIRMATA_HEX.package, '--silent', '--fetch-retries=0', '--pack-destination', work];
      if (opts.registry) args.push('--registry', opts.registry);
      await run('npm', args, { cwd: work, timeout: 60_000 });
    } catch (e) {
      return { ok: false, reason: 'offline', message: `npm pack ${FIRMATA_HEX.package} failed (registry unreachable?): ${firstLine(e)}` };
    }
    const tgz = join(work, 'avrgirl-arduino-5.0.1.tgz');
    try {
      await run('tar', ['-xzf', tgz, '-C', work, FIRMATA_HEX.member], { timeout: 30_000 });
    } catch (e) {
      return { ok: false, reason: 'tool', message: `could not extract ${FIRMATA_HEX.member}: ${firstLine(e)}` };
    }
    const text = readFileSync(join(work, FIRMATA_HEX.member), 'utf8');
    const got = sha256Hex(text);
    if (got !== FIRMATA_HEX.sha256) return { ok: false, reason: 'checksum', message: `${FIRMATA_HEX.member} has sha256 ${got}, expected ${FIRMATA_HEX.sha256}` };
    mkdirSync(dir, { recursive: true });
    // Written beside and renamed into place, so a test process reading the cache concurrently
    // never sees half a file.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, path);
    return { ok: true, text, path, fetched: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function firstLine(e: unknown): string {
  const s = e instanceof Error ? ((e as { stderr?: string }).stderr || e.message) : String(e);
  return s.split('\n').find((l) => l.trim() !== '')?.trim() ?? s;
}
