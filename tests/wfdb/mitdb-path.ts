// Where the MIT-BIH development records are: env BSN_MITDB_DIR, else ../shared/data/mitdb next to
// the repository. Tests that need them print SKIP and register nothing when absent.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function mitdbDir(): string | undefined {
  const dir = process.env.BSN_MITDB_DIR ?? resolve(repoRoot, '..', 'shared', 'data', 'mitdb');
  return existsSync(resolve(dir, '100.hea')) ? dir : undefined;
}
