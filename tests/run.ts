// Test runner: each tests/**/*.test.ts file runs in its own Node process (uvu through tsx), so a
// test that opens ports, servers or serial devices cannot disturb another. The type check counts
// as one test. The last line is `N passed, N failed, N skipped`, as .ci/run expects.
//   npm test                 every file
//   npm test -- protocol     files whose path contains "protocol"
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const jobs = Number(process.env.TEST_JOBS ?? Math.max(1, Math.min(2, availableParallelism())));
const fileTimeoutMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 900_000);

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

interface Result { file: string; passed: number; failed: number; skipped: number; ms: number; output: string }

function runChild(file: string, cmd: string, args: string[]): Promise<Result> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      output += `\n[runner] ${file} exceeded ${fileTimeoutMs} ms and was killed\n`;
      child.kill('SIGKILL');
    }, fileTimeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const num = (label: string) => {
        const m = output.match(new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm'));
        return m ? Number(m[1]) : undefined;
      };
      const total = num('Total');
      const passed = num('Passed');
      const skipped = num('Skipped') ?? 0;
      let r: Result;
      if (total === undefined || passed === undefined) {
        // No uvu summary: a crash or a non-uvu check (the type check); judge by exit code.
        r = { file, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0, ms: Date.now() - t0, output };
      } else {
        const failed = total - passed - skipped + (code !== 0 && total - passed - skipped === 0 ? 1 : 0);
        r = { file, passed, failed, skipped, ms: Date.now() - t0, output };
      }
      resolve(r);
    });
  });
}

const files = findTests(join(root, 'tests')).filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)));
const tasks: Array<() => Promise<Result>> = [];
if (filters.length === 0 || filters.includes('typecheck')) {
  tasks.push(() => runChild('typecheck (tsc --noEmit)', process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', root]));
}
for (const f of files) tasks.push(() => runChild(relative(root, f), process.execPath, ['--import', 'tsx', f]));

const results: Result[] = [];
let next = 0;
async function worker(): Promise<void> {
  while (next < tasks.length) {
    const r = await tasks[next++]!();
    results.push(r);
    const status = r.failed > 0 ? 'FAIL' : 'ok  ';
    process.stdout.write(`${status} ${r.file}  (${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped, ${(r.ms / 1000).toFixed(1)} s)\n`);
    if (r.failed > 0 || process.env.TEST_VERBOSE) process.stdout.write(r.output.replace(/^/gm, '    | ') + '\n');
    else {
      // Skips are announced with a line starting "SKIP"; show them so a skipped check is never silent.
      for (const line of r.output.split('\n')) if (/^\s*SKIP\b/.test(line)) process.stdout.write(`    ${line.trim()}\n`);
    }
  }
}
await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
const sum = (k: 'passed' | 'failed' | 'skipped') => results.reduce((a, r) => a + r[k], 0);
process.stdout.write(`${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped\n`);
process.exitCode = sum('failed') > 0 ? 1 : 0;
