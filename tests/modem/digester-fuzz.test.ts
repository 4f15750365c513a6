// Fuzz: 100,000 random and mutated byte streams through the digester under random command
// contexts and random chunking. It must never throw, never hold more than its bounds, and keep
// producing events (no hang: the whole run has a time budget).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../sim/rng.ts';
import { Digester } from '../../firmware/modem/digester.ts';
import { AT } from '../../firmware/modem/commands.ts';
import { partBytes } from './scripted-port.ts';
import { TRANSCRIPTS } from './transcripts.ts';

const STREAMS = Number(process.env.FUZZ_STREAMS ?? 100_000);
const MAX_LINE = 512;
const MAX_RAW = 2048;

/** Every reply of every transcript, as the bytes the modem sends: seeds for mutation. */
const corpus: Uint8Array[] = TRANSCRIPTS.flatMap((t) =>
  t.steps.map((s) => {
    const parts = s.reply.map(partBytes);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }),
).filter((b) => b.length > 0);
corpus.push(Uint8Array.from('\r\n+HTTPREAD: 9999\r\n', (c) => c.charCodeAt(0)), Uint8Array.from('\r\n+HTTPREAD: 40\r\nabc', (c) => c.charCodeAt(0)));

const contexts = Object.values(AT);

function mutate(rng: Rng, src: Uint8Array): Uint8Array {
  const a = [...src];
  const n = rng.int(1, 8);
  for (let i = 0; i < n; i++) {
    const pos = rng.int(0, a.length);
    switch (rng.int(0, 6)) {
      case 0: a[pos] = rng.int(0, 255); break; // replace
      case 1: a.splice(pos, 0, rng.int(0, 255)); break; // insert
      case 2: a.splice(pos, rng.int(1, 4)); break; // delete
      case 3: a[pos] = (a[pos] ?? 0) ^ (1 << rng.int(0, 7)); break; // bit flip (line noise)
      case 4: a.splice(pos, 0, ...a.slice(0, rng.int(0, 32))); break; // duplicate
      case 5: a.splice(pos, 0, ...new Array<number>(rng.int(0, 700)).fill(rng.chance(0.5) ? 0x41 : 0x00)); break; // long run
      default: a.splice(pos, 0, 13, 10); // stray line end
    }
  }
  return Uint8Array.from(a);
}

test(`digester survives ${STREAMS} random and mutated streams with bounded buffers`, () => {
  const rng = new Rng(0xf022);
  const t0 = performance.now();
  let events = 0;
  let bytes = 0;
  let maxBuffered = 0;
  const d = new Digester(MAX_LINE, MAX_RAW);
  for (let i = 0; i < STREAMS; i++) {
    let stream: Uint8Array;
    const k = rng.int(0, 9);
    if (k < 3) stream = rng.bytes(rng.int(0, 300)); // pure noise
    else if (k < 4) stream = Uint8Array.from({ length: rng.int(0, 300) }, () => [13, 10, 0x3e, 0x20, 0x2b, 0x4f, 0x4b, 0x22, 0x2c][rng.int(0, 8)]!); // line-ish noise
    else stream = mutate(rng, corpus[rng.int(0, corpus.length - 1)]!);
    if (rng.chance(0.5)) {
      const ctx = contexts[rng.int(0, contexts.length - 1)]!;
      d.expect({ ...ctx, command: ctx.text });
    } else if (rng.chance(0.2)) d.expect(null);
    if (rng.chance(0.05)) d.reset();
    for (let off = 0; off < stream.length; ) {
      const n = Math.min(stream.length - off, rng.int(1, 64));
      const evs = d.push(stream.subarray(off, off + n));
      events += evs.length;
      for (const e of evs) {
        if (e.kind === 'raw') assert.ok(e.bytes.length <= MAX_RAW);
        if (e.kind === 'info' || e.kind === 'stray' || e.kind === 'echo') assert.ok(e.line.length <= MAX_LINE);
      }
      off += n;
      maxBuffered = Math.max(maxBuffered, d.buffered);
    }
    bytes += stream.length;
  }
  const ms = performance.now() - t0;
  console.log(`fuzz: ${STREAMS} streams, ${bytes} bytes, ${events} events, max buffered ${maxBuffered} B, ${ms.toFixed(0)} ms`);
  assert.ok(maxBuffered <= MAX_LINE + MAX_RAW);
  assert.ok(events > STREAMS / 10, 'the digester kept producing events');
  const s = d.stats;
  assert.ok(s.overflows > 0 && s.strays > 0 && s.urcs > 0 && s.finals > 0 && s.rawBlocks > 0, JSON.stringify(s));
  assert.ok(ms < 45_000, `took ${ms} ms`);
});

test.run();
