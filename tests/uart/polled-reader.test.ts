// A polling reader (readIntervalMs) gets, at each poll, exactly the bytes that have arrived by then
// (each at its stop bit), with one clock event per poll that has something to read rather than one
// per byte; nothing is polled while nothing arrives; a full FIFO overruns as a per-byte reader's would.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { UartLine } from '../../sim/uart.ts';

function rig(readIntervalMs: number | undefined, rxFifoBytes = 64) {
  const clock = new VirtualClock();
  const line = new UartLine(clock, {}, {}, { ...(readIntervalMs !== undefined ? { readIntervalMs } : {}), rxFifoBytes });
  const got: Array<{ at: number; bytes: number[] }> = [];
  line.b.onData((b) => got.push({ at: clock.now(), bytes: [...b] }));
  const overruns: number[] = [];
  line.b.onError((e) => void (e.kind === 'overrun' && overruns.push(e.at)));
  return { clock, line, got, overruns };
}

test('polled every 1 ms: the bytes arrived by each poll, in order, at the poll times; few events', async () => {
  const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
  // Reference: per-byte delivery gives each byte's arrival time.
  const ref = rig(undefined, 1024);
  await ref.line.a.open(115200);
  await ref.line.b.open(115200);
  await ref.clock.runUntil(3.3); // the line is opened at 3.3 ms; polls fall at 3.3 + k ms
  ref.line.a.write(data);
  await ref.clock.runUntil(100);
  assert.is(ref.got.length, 300);

  const p = rig(1, 1024);
  await p.line.a.open(115200);
  await p.clock.runUntil(3.3);
  await p.line.b.open(115200);
  const ev0 = p.clock.eventsRun;
  p.line.a.write(data);
  await p.clock.runUntil(100);
  assert.equal(p.got.flatMap((g) => g.bytes), [...data]);
  // Each poll delivers what arrived in (previous poll, this poll].
  for (const g of p.got) {
    const k = Math.round(g.at - 3.3);
    assert.ok(Math.abs(g.at - (3.3 + k)) < 1e-9, `poll at ${g.at}`);
    const expected = ref.got.filter((r) => r.at > g.at - 1 && r.at <= g.at).flatMap((r) => r.bytes);
    assert.equal(g.bytes, expected);
  }
  // 300 bytes over 26 ms: one event per poll with data, not one per byte.
  assert.ok(p.got.length <= 28);
  assert.ok(p.clock.eventsRun - ev0 <= 28, `${p.clock.eventsRun - ev0} events`);
  assert.is(p.line.b.stats.bytesReceived, 300);
});

test('polled: nothing to read costs nothing; a FIFO too small for a poll interval overruns', async () => {
  const q = rig(5);
  await q.line.a.open(115200);
  await q.line.b.open(115200);
  await q.clock.runUntil(10_000);
  assert.is(q.clock.eventsRun, 0);

  const s = rig(20, 64);
  await s.line.a.open(115200);
  await s.line.b.open(115200);
  s.line.a.write(new Uint8Array(200).fill(0x41));
  await s.clock.runUntil(60);
  assert.is(s.got.flatMap((g) => g.bytes).length, 64);
  assert.is(s.overruns.length, 136);
  assert.ok(s.overruns.every((t) => t === 20));
});

test('polled: closing drops what is queued; bytes after reopening are read at the new polls', async () => {
  const r = rig(2);
  await r.line.a.open(115200);
  await r.line.b.open(115200);
  r.line.a.write(new Uint8Array(50).fill(1));
  await r.clock.runUntil(1.5);
  await r.line.b.close();
  await r.clock.runUntil(10);
  assert.is(r.got.length, 0);
  await r.line.b.open(115200);
  r.line.a.write(Uint8Array.of(2, 3));
  await r.clock.runUntil(20);
  assert.equal(r.got.flatMap((g) => g.bytes), [2, 3]);
  assert.ok(Math.abs(r.got[0]!.at - 12) < 1e-9);
});

test.run();
