// `npm run bench -- protocol [--json] [--duration-ms N] [--section NAME]`
// Protocol benchmarks, one section each. A section returns a flat record of numbers (units in the
// key); the runner prints them as a table, or with --json as one object {section: {key: number}}.
// To add a section, append it to `sections`.
//
// Section "ocb": AES-OCB throughput (MB/s, 1 MB = 1e6 bytes of plaintext) for our protocol/ocb.ts,
// for OpenSSL's aes-128-ocb through node:crypto, and for @noble/ciphers gcm, which runs on the same
// JS AES core as ours. Each message uses a fresh counter nonce, as the protocol does. noble's gcm
// and node:crypto take the key per message (that is their API), so their figures include the
// per-message key setup; ours sets the key up once (createOcb) and reuses it.
import { parseArgs } from 'node:util';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import type { Bench } from './run.ts';
import { createOcb } from '../protocol/ocb.ts';

export interface BenchOptions {
  /** Timed duration of each case, after warm-up. */
  readonly durationMs: number;
}

export interface BenchSection {
  readonly name: string;
  readonly summary: string;
  run(opts: BenchOptions): Promise<Record<string, number>>;
}

/**
 * Runs `op` repeatedly for about `durationMs` after a warm-up of half that (at least 150 ms, so
 * the JIT has reached its optimizing tier) and returns operations per second. Time is read once per batch so the clock does not
 * dominate tiny operations.
 */
export function opsPerSecond(op: () => void, durationMs: number): number {
  const spin = (ms: number): { ops: number; ms: number } => {
    let ops = 0;
    let batch = 1;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      for (let i = 0; i < batch; i++) op();
      ops += batch;
      t = performance.now();
      if (t - t0 < ms / 20) batch *= 2;
    }
    return { ops, ms: t - t0 };
  };
  spin(Math.max(150, durationMs / 2));
  const r = spin(durationMs);
  return (r.ops * 1000) / r.ms;
}

const SIZES: ReadonlyArray<readonly [string, number]> = [['64B', 64], ['1KiB', 1024], ['16KiB', 16384]];

function counterNonce(): () => Uint8Array {
  const n = new Uint8Array(12);
  let c = 0;
  return () => {
    c = (c + 1) >>> 0;
    n[8] = c >>> 24; n[9] = (c >>> 16) & 0xff; n[10] = (c >>> 8) & 0xff; n[11] = c & 0xff;
    return n;
  };
}

interface AeadUnderTest {
  readonly name: string;
  seal(nonce: Uint8Array, p: Uint8Array, ad: Uint8Array): Uint8Array;
  /** Returns the plaintext; throws if authentication fails (never expected here). */
  open(nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array;
}

function aeads(key: Uint8Array): AeadUnderTest[] {
  const ocb = createOcb(key);
  return [
    {
      name: 'ours-ocb',
      seal: (n, p, ad) => ocb.seal(n, p, ad),
      open: (n, s, ad) => {
        const r = ocb.open(n, s, ad);
        if (!r.ok) throw new Error('bench: ours-ocb open failed');
        return r.plaintext;
      },
    },
    {
      name: 'node-ocb',
      seal: (n, p, ad) => {
        const c = createCipheriv('aes-128-ocb', key, n, { authTagLength: 16 });
        c.setAAD(ad, { plaintextLength: p.length });
        return Buffer.concat([c.update(p), c.final(), c.getAuthTag()]);
      },
      open: (n, s, ad) => {
        const d = createDecipheriv('aes-128-ocb', key, n, { authTagLength: 16 });
        d.setAuthTag(s.subarray(s.length - 16));
        d.setAAD(ad, { plaintextLength: s.length - 16 });
        return Buffer.concat([d.update(s.subarray(0, s.length - 16)), d.final()]);
      },
    },
    {
      name: 'noble-gcm',
      seal: (n, p, ad) => gcm(key, n, ad).encrypt(p),
      open: (n, s, ad) => gcm(key, n, ad).decrypt(s),
    },
  ];
}

const ocbSection: BenchSection = {
  name: 'ocb',
  summary: 'AES-128 AEAD throughput in MB/s: ours (OCB), node:crypto aes-128-ocb (OpenSSL), @noble/ciphers gcm',
  async run({ durationMs }) {
    const out: Record<string, number> = {};
    const key = Uint8Array.from({ length: 16 }, (_, i) => 0x40 + i);
    const ad = Uint8Array.from({ length: 16 }, (_, i) => i);
    let sink = 0; // keeps results observable so no work is optimized away
    for (const [label, size] of SIZES) {
      const p = Uint8Array.from({ length: size }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
      const mbps = (ops: number) => Number(((ops * size) / 1e6).toFixed(1));
      // Opening cycles through a ring of messages sealed under distinct nonces: re-opening one
      // message would feed the table-based AES identical inputs and flatter it with hot caches.
      const ring = Math.max(8, Math.min(256, (1 << 20) / size));
      for (const aead of aeads(key)) {
        const nextSeal = counterNonce();
        out[`${aead.name}.seal.${label}.MBps`] = mbps(opsPerSecond(() => { sink ^= aead.seal(nextSeal(), p, ad)[0]!; }, durationMs));
        const nextRing = counterNonce();
        const msgs = Array.from({ length: ring }, () => {
          const n = nextRing().slice();
          return { n, s: aead.seal(n, p, ad) };
        });
        let k = 0;
        out[`${aead.name}.open.${label}.MBps`] = mbps(opsPerSecond(() => {
          const m = msgs[k]!;
          k = (k + 1) % ring;
          sink ^= aead.open(m.n, m.s, ad)[0]!;
        }, durationMs));
      }
    }
    if (sink === 0x1234_5678) process.stderr.write(''); // never true; uses sink
    return out;
  },
};

/** Sections in print order; later sections (e.g. server-side handshakes) are appended here. */
export const sections: BenchSection[] = [ocbSection];

function printTable(results: Record<string, Record<string, number>>): void {
  const rows: Array<[string, string, string]> = [];
  for (const [section, rec] of Object.entries(results)) {
    for (const [k, v] of Object.entries(rec)) rows.push([section, k, String(v)]);
  }
  const w0 = Math.max(7, ...rows.map((r) => r[0].length));
  const w1 = Math.max(6, ...rows.map((r) => r[1].length));
  const w2 = Math.max(5, ...rows.map((r) => r[2].length));
  const line = (a: string, b: string, c: string) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c.padStart(w2)}\n`;
  process.stdout.write(line('section', 'metric', 'value'));
  for (const r of rows) process.stdout.write(line(...r));
}

export const bench: Bench = {
  summary: `protocol benchmarks: ${sections.map((s) => s.name).join(', ')}`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        json: { type: 'boolean', default: false },
        'duration-ms': { type: 'string', default: '500' },
        section: { type: 'string', multiple: true },
      },
    });
    const durationMs = Number(values['duration-ms']);
    if (!Number.isFinite(durationMs) || durationMs <= 0) throw new Error(`--duration-ms must be a positive number, got ${values['duration-ms']}`);
    const wanted = values.section ?? sections.map((s) => s.name);
    const unknown = wanted.filter((w) => !sections.some((s) => s.name === w));
    if (unknown.length > 0) throw new Error(`unknown section(s): ${unknown.join(', ')}; known: ${sections.map((s) => s.name).join(', ')}`);
    const results: Record<string, Record<string, number>> = {};
    for (const s of sections) {
      if (!wanted.includes(s.name)) continue;
      if (!values.json) process.stderr.write(`[${s.name}] ${s.summary}\n`);
      results[s.name] = await s.run({ durationMs });
    }
    if (values.json) process.stdout.write(JSON.stringify(results) + '\n');
    else printTable(results);
  },
};
