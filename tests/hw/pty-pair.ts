// A connected pair of pseudo-terminals from socat: one end for the program under test (avrdude,
// `bsn-care run`), the other for the test's stand-in for the board.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** The end the test's board stand-in opens. */
  board: string;
  /** The end the program under test opens. */
  host: string;
  close(): void;
}

export function socatAvailable(): boolean {
  return !spawnSync('socat', ['-V'], { encoding: 'utf8' }).error;
}

export async function openPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'bsn-pty-'));
  const board = join(dir, 'board');
  const host = join(dir, 'host');
  const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${board}`, `pty,raw,echo=0,link=${host}`], { stdio: 'ignore' });
  const t0 = Date.now();
  while (!existsSync(board) || !existsSync(host)) {
    if (Date.now() - t0 > 5000) {
      socat.kill();
      throw new Error('socat did not create the pty pair within 5 s');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    board,
    host,
    close() {
      socat.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
