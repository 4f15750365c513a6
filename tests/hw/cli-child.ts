// `bsn-care` as a child process whose output is collected as it runs (the hardware acceptance tests
// watch it while the emulated board and the modem model work).
import { spawn, type ChildProcess } from 'node:child_process';

const bin = new URL('../../bin/bsn-care.js', import.meta.url).pathname;

export interface CliChild {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  done: Promise<number | null>;
}

export function cli(args: string[]): CliChild {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, done };
}
