// Runs `bsn-care server` as a real child process and waits for its "listening" log line.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OPERATOR_TOKEN } from './helpers.ts';

const bin = fileURLToPath(new URL('../../bin/bsn-care.js', import.meta.url));

export interface Child {
  readonly proc: ChildProcess;
  readonly base: string;
  readonly lines: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
}

export async function startChild(args: string[], timeoutMs = 60_000): Promise<Child> {
  const proc = spawn(process.execPath, [bin, 'server', '--port', '0', '--operator-token', OPERATOR_TOKEN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        const m = /"event":"listening","port":(\d+)/.exec(l);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      }
    });
    proc.stderr!.on('data', (d: Buffer) => lines.push(`stderr: ${d.toString()}`));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
  return { proc, base: `http://127.0.0.1:${port}`, lines, exited };
}

export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
