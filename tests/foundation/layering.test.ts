// The import rules from the brief, checked on the source: firmware/ sees only hal/ interfaces and
// protocol/; protocol/ imports nothing of ours and no Node built-in (it must run in a browser);
// server/ never imports firmware/ or sim/; sim/ may implement hal/ but never reaches into
// firmware/ or server/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sources(dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out: string[] = [];
  for (const name of readdirSync(abs)) {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) out.push(...sources(relative(root, p)));
    else if (/\.(ts|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const re = /(?:^|\s)(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  for (const m of src.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

/** Top-level folder an import lands in ('' for packages). */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return '';
  return relative(root, resolve(dirname(file), spec)).split(/[\\/]/)[0]!;
}

function violations(dir: string, check: (file: string, spec: string, top: string) => string | null): string[] {
  const out: string[] = [];
  for (const f of sources(dir)) {
    for (const spec of importsOf(f)) {
      const why = check(f, spec, target(f, spec));
      if (why) out.push(`${relative(root, f)} imports ${spec}: ${why}`);
    }
  }
  return out;
}

test('firmware/ imports only hal/ interfaces, protocol/ and itself', () => {
  const v = violations('firmware', (f, spec, top) => {
    if (top === '') return spec.startsWith('node:') ? 'firmware must not use Node built-ins' : /johnny-five|serialport|firmata/.test(spec) ? 'board library' : null;
    if (top === 'hal' && /hal\/(targets|johnny-five)/.test(relative(root, resolve(dirname(f), spec)))) return 'board target';
    return ['firmware', 'hal', 'protocol'].includes(top) ? null : `firmware may not import ${top}/`;
  });
  assert.equal(v, []);
});

test('protocol/ imports nothing of ours and no Node built-in', () => {
  const v = violations('protocol', (_f, spec, top) => {
    if (top === '') return spec.startsWith('node:') || ['crypto', 'fs', 'net', 'buffer'].includes(spec) ? 'no Node built-ins in protocol/' : null;
    return top === 'protocol' ? null : `protocol may not import ${top}/`;
  });
  assert.equal(v, []);
});

test('server/ never imports firmware/ or sim/', () => {
  const v = violations('server', (_f, _spec, top) => (top === 'firmware' || top === 'sim' ? `server may not import ${top}/` : null));
  assert.equal(v, []);
});

test('sim/ never imports firmware/ or server/', () => {
  const v = violations('sim', (_f, _spec, top) => (top === 'firmware' || top === 'server' ? `sim may not import ${top}/` : null));
  assert.equal(v, []);
});

test('hal/ interfaces import nothing outside hal/', () => {
  const v = violations('hal', (f, _spec, top) => (top !== '' && top !== 'hal' && !/hal\/(targets)/.test(relative(root, f)) ? `hal may not import ${top}/` : null));
  assert.equal(v, []);
});

test('the checker itself sees imports (guards against a regex that matches nothing)', () => {
  assert.ok(importsOf(join(root, 'hal', 'board.ts')).includes('./analog.ts'));
});

test.run();
