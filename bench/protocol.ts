// `npm run bench -- protocol [--json] [--duration-ms N] [--section NAME]` (N: timed ms per case,
// default 1000, after warm-up)
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
import { acceptMa2, createMa1 } from '../protocol/lpu.ts';
import { defaultRandom } from '../protocol/random.ts';
import { register } from '../protocol/registration.ts';
import { confirmMa3, verifyMa1, type ServerHandshake } from '../protocol/server.ts';
import { MemoryServerStore } from '../protocol/store.ts';
import type { LocationAreaId } from '../protocol/lai.ts';

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
 * Operations per second of `op`: a warm-up of half of `durationMs` (at least 150 ms, so the JIT
 * has reached its optimizing tier), then `durationMs` split into five slices; the best slice is
 * reported, since on a shared machine other load only ever makes a slice slower. Time is read
 * once per batch so the clock does not dominate tiny operations.
 */
export function opsPerSecond(op: () => void, durationMs: number): number {
  const spin = (ms: number): number => {
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
    return (ops * 1000) / (t - t0);
  };
  spin(Math.max(150, durationMs / 2));
  let best = 0;
  for (let i = 0; i < 5; i++) best = Math.max(best, spin(durationMs / 5));
  return best;
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

// Section "handshake": server-side handshakes per second on one core = verify MA1 and build MA2
// (decode, record lookup by trSeq, aidL/V1/LAI checks, replay cache, next pair, MA2, session keys,
// compare-and-swap commit) against the in-memory store, with the platform CSPRNG. Each MA1 is the
// first of its LPU's epoch (the costliest case: it creates the pending pair). The MA1s are made
// outside the timed region, for a population of freshly registered LPUs per batch. The LPU side
// (MA1, MA2 check) and MA3 are timed separately for reference. Each batch is one timed slice.
// perCpuSecond divides by the process's CPU time (process.cpuUsage), so it is not depressed by
// other load on a shared machine; perSecond is wall time (best slice, median, mean).
const CELL: LocationAreaId = { mcc: 262, mnc: 1, mncDigits: 2, lac: 0x1a2b };
const BATCH = 1000;

async function handshakeBatch(): Promise<{ store: MemoryServerStore; ma1s: Uint8Array[]; attempts: Array<Parameters<typeof acceptMa2>[0]> }> {
  const store = new MemoryServerStore();
  const idS = defaultRandom(32);
  const ma1s: Uint8Array[] = [];
  const attempts: Array<Parameters<typeof acceptMa2>[0]> = [];
  for (let i = 0; i < BATCH; i++) {
    const reg = register({ idL: defaultRandom(16), idS, random: defaultRandom });
    await store.insert(reg.record);
    const m = createMa1(reg.credential, CELL, defaultRandom);
    if (!m.ok) throw new Error('bench: createMa1 failed');
    ma1s.push(m.value.ma1);
    attempts.push(m.value.attempt);
  }
  return { store, ma1s, attempts };
}

const handshakeSection: BenchSection = {
  name: 'handshake',
  summary: 'server-side handshakes/s on one core (verify MA1 + build MA2 + CAS commit, memory store); LPU-side and MA3 for reference',
  async run({ durationMs }) {
    let serverMs = 0;
    let serverOps = 0;
    let lpuAcceptMs = 0;
    let confirmMs = 0;
    let refOps = 0;
    const sliceRates: number[] = [];
    let serverCpuMs = 0;
    // Warm-up: at least two batches and half the duration, so the JIT has optimised the path.
    let warmBatches = 0;
    let warm = true;
    const warmUntil = performance.now() + Math.max(150, durationMs / 2);
    for (;;) {
      const { store, ma1s, attempts } = await handshakeBatch();
      // Timed: the server side alone. Results are dropped at once, as a server that answers and
      // moves on would (keeping thousands alive here would only measure the garbage collector).
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (const m of ma1s) {
        const v = await verifyMa1(store, m, CELL, defaultRandom);
        if (!v.ok) throw new Error(`bench: verifyMa1 failed: ${v.error.code}`);
      }
      const c1 = process.cpuUsage(c0);
      const t1 = performance.now();
      // Reference figures on a slice of the same LPUs (their MA1s are replays now, so fresh ones).
      const k = Math.min(200, ma1s.length);
      const done: ServerHandshake[] = [];
      const fresh: Array<Parameters<typeof acceptMa2>[0]> = [];
      for (let i = 0; i < k; i++) {
        const m = createMa1(attempts[i]!.credential, CELL, defaultRandom);
        if (!m.ok) throw new Error('bench: createMa1 failed');
        const v = await verifyMa1(store, m.value.ma1, CELL, defaultRandom);
        if (!v.ok) throw new Error(`bench: verifyMa1 failed: ${v.error.code}`);
        done.push(v.value);
        fresh.push(m.value.attempt);
      }
      const ma3s: Uint8Array[] = [];
      const t2a = performance.now();
      for (let i = 0; i < k; i++) {
        const a = acceptMa2(fresh[i]!, done[i]!.ma2);
        if (!a.ok) throw new Error('bench: acceptMa2 failed');
        ma3s.push(a.value.ma3);
      }
      const t2 = performance.now();
      for (let i = 0; i < k; i++) {
        const c = await confirmMa3(store, done[i]!.session, ma3s[i]!);
        if (!c.ok) throw new Error('bench: confirmMa3 failed');
      }
      const t3 = performance.now();
      if (warm) {
        if (++warmBatches >= 2 && performance.now() >= warmUntil) warm = false;
        continue;
      }
      serverMs += t1 - t0;
      serverCpuMs += (c1.user + c1.system) / 1000;
      sliceRates.push((ma1s.length * 1000) / (t1 - t0));
      lpuAcceptMs += t2 - t2a;
      confirmMs += t3 - t2;
      serverOps += ma1s.length;
      refOps += k;
      if (serverMs >= durationMs && sliceRates.length >= 5) break;
    }
    const lpuMa1PerS = opsPerSecond(() => {
      const idL = new Uint8Array(16);
      createMa1({ idL, kls: new Uint8Array(32), trSeq: 1, pairs: [] }, CELL, defaultRandom);
    }, durationMs);
    const rate = (ops: number, ms: number) => Math.round((ops * 1000) / ms);
    // As in opsPerSecond: the best slice (batch) is the figure, since other load on a shared
    // machine only ever slows a slice down; the median and the overall mean are shown beside it.
    const sorted = [...sliceRates].sort((a, b) => a - b);
    return {
      // CPU time of this process (all its threads, GC included) while verifying: the rate one
      // core sustains, whatever else the machine is running.
      'server.handshakes.perCpuSecond': rate(serverOps, serverCpuMs),
      'server.handshakes.perSecond': Math.round(sorted[sorted.length - 1]!),
      'server.handshakes.perSecond.median': Math.round(sorted[Math.floor(sorted.length / 2)]!),
      'server.handshakes.perSecond.mean': rate(serverOps, serverMs),
      'server.handshake.microseconds.best': Number((1e6 / sorted[sorted.length - 1]!).toFixed(1)),
      'server.confirmMa3.perSecond': rate(refOps, confirmMs),
      'lpu.createMa1.perSecond': Math.round(lpuMa1PerS),
      'lpu.acceptMa2.perSecond': rate(refOps, lpuAcceptMs),
      'handshakes.timed': serverOps,
    };
  },
};

/** Sections in print order; later sections are appended here. */
export const sections: BenchSection[] = [ocbSection, handshakeSection];

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
        'duration-ms': { type: 'string', default: '1000' },
        section: { type: 'string', multiple: true },
      },
    });
    const durationMs = Number(values['duration-ms']);
    const wanted = values.section ?? sections.map((s) => s.name);
    const unknown = wanted.filter((w) => !sections.some((s) => s.name === w));
    const problem = !Number.isFinite(durationMs) || durationMs <= 0
      ? `--duration-ms must be a positive number, got ${values['duration-ms']}`
      : unknown.length > 0 ? `unknown section(s): ${unknown.join(', ')}; known: ${sections.map((s) => s.name).join(', ')}` : null;
    if (problem !== null) {
      process.stderr.write(`bench protocol: ${problem}\n`);
      process.exitCode = 2;
      return;
    }
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
