// `npm run bench -- NAME [--json]`: runs bench/NAME.ts. Benchmarks print numbers; they never
// pass or fail.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Bench { readonly summary: string; run(args: string[]): Promise<void> }

const dir = dirname(fileURLToPath(import.meta.url));
const names = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3)).sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  process.stderr.write(`usage: npm run bench -- NAME [--json]\nbenchmarks: ${names.join(', ') || '(none yet)'}\n`);
  process.exit(name ? 2 : 0);
}
const mod = (await import(pathToFileURL(join(dir, `${name}.ts`)).href)) as { bench: Bench };
await mod.bench.run(rest);
