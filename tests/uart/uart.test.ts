import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { Rng } from '../../sim/rng.ts';
import { UartLine, type UartEndpointOptions } from '../../sim/uart.ts';
import type { SerialFraming, SerialLineError } from '../../hal/serial.ts';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function rig(aOpts: UartEndpointOptions = {}, bOpts: UartEndpointOptions = {}, lineOpts = {}) {
  const clock = new VirtualClock();
  const line = new UartLine(clock, lineOpts, aOpts, bOpts);
  const got: Array<{ at: number; bytes: number[] }> = [];
  const errors: SerialLineError[] = [];
  line.b.onData((b) => got.push({ at: clock.now(), bytes: [...b] }));
  line.b.onError((e) => errors.push(e));
  const received = () => got.flatMap((g) => g.bytes);
  return { clock, line, got, errors, received };
}

test('115200 8N1: a byte takes 10 bit times (86.8 us) and arrives with its stop bit', async () => {
  const r = rig();
  await r.line.a.open(115200);
  await r.line.b.open(115200);
  r.line.a.write(ascii('AT\r'));
  await r.clock.runUntil(10);
  assert.equal(r.received(), [0x41, 0x54, 0x0d]);
  const bitMs = 1000 / 115200;
  // Delivered at the middle of the stop bit of each frame: (10n - 0.5) bit times.
  r.got.forEach((g, n) => assert.ok(Math.abs(g.at - (10 * (n + 1) - 0.5) * bitMs) < 1e-9, `byte ${n} at ${g.at}`));
  assert.ok(Math.abs(r.line.a.frameMs - 0.0868) < 0.0001);
  // Back-to-back writes queue behind the transmitter.
  r.line.a.write(ascii('A'));
  r.line.a.write(ascii('B'));
  const t0 = r.clock.now();
  await r.clock.runUntil(t0 + 1);
  assert.equal(r.received().slice(3), [0x41, 0x42]);
  assert.ok(Math.abs(r.got[4]!.at - r.got[3]!.at - 10 * bitMs) < 1e-9);
});

test('9600 baud throughput: 960 bytes take one second', async () => {
  const r = rig();
  await r.line.a.open(9600);
  await r.line.b.open(9600);
  r.line.a.write(new Uint8Array(960).fill(0x55));
  await r.clock.runUntil(999);
  assert.is(r.received().length, 959);
  await r.clock.runUntil(1001);
  assert.is(r.received().length, 960);
});

test('all framings round-trip: 7/8 data bits, none/even/odd parity, 1/2 stop bits', async () => {
  for (const dataBits of [7, 8] as const) {
    for (const parity of ['none', 'even', 'odd'] as const) {
      for (const stopBits of [1, 2] as const) {
        const f: SerialFraming = { dataBits, parity, stopBits };
        const r = rig();
        await r.line.a.open(19200, f);
        await r.line.b.open(19200, f);
        const data = Uint8Array.from({ length: 128 }, (_, i) => i);
        r.line.a.write(data);
        await r.clock.runUntil(100);
        assert.equal(r.received(), [...data], JSON.stringify(f));
        assert.is(r.errors.length, 0);
      }
    }
  }
});

test('baud mismatch gives framing errors and garbage', async () => {
  const r = rig();
  await r.line.a.open(115200);
  await r.line.b.open(9600);
  r.line.a.write(ascii('AT+CSQ\r\n'.repeat(8)));
  await r.clock.runUntil(50);
  assert.ok(r.errors.some((e) => e.kind === 'framing'), 'framing errors');
  const text = String.fromCharCode(...r.received());
  assert.not.ok(text.includes('AT+CSQ'));
  // and the other way round (slow sender, fast receiver)
  const s = rig();
  await s.line.a.open(9600);
  await s.line.b.open(115200);
  s.line.a.write(ascii('OK\r\n'.repeat(4)));
  await s.clock.runUntil(50);
  // A 9600 baud bit spans 12 bit times at 115200: long zero runs look like breaks.
  assert.ok(s.errors.some((e) => e.kind === 'framing' || e.kind === 'break'));
  assert.is.not(String.fromCharCode(...s.received()), 'OK\r\n'.repeat(4));
});

test('parity mismatch is reported as parity errors', async () => {
  const r = rig();
  await r.line.a.open(9600, { dataBits: 8, parity: 'even', stopBits: 1 });
  await r.line.b.open(9600, { dataBits: 8, parity: 'odd', stopBits: 1 });
  r.line.a.write(ascii('HELLO'));
  await r.clock.runUntil(20);
  assert.is(r.errors.filter((e) => e.kind === 'parity').length, 5);
  assert.is(r.received().length, 0);
  // 2 stop bits sent, 1 expected: fine; 1 sent with parity, 8N2 expected: framing on the missing stop bit
  const s = rig();
  await s.line.a.open(9600, { dataBits: 8, parity: 'even', stopBits: 1 });
  await s.line.b.open(9600, { dataBits: 8, parity: 'none', stopBits: 2 });
  s.line.a.write(ascii('\x01\x02\x03\x05'));
  await s.clock.runUntil(20);
  assert.ok(s.errors.filter((e) => e.kind === 'framing').length >= 1);
});

test('a line break (space held longer than a frame) is one break event, then reception resumes', async () => {
  const r = rig();
  await r.line.a.open(9600);
  await r.line.b.open(9600);
  r.line.a.sendBreak(10);
  r.line.a.write(ascii('OK'));
  await r.clock.runUntil(30);
  assert.equal(r.errors.map((e) => e.kind), ['break']);
  assert.equal(r.received(), [0x4f, 0x4b]);
  assert.is(r.line.b.stats.break, 1);
});

test('a slow reader with a 64-byte FIFO overruns; a fast one does not', async () => {
  const r = rig({}, { rxFifoBytes: 64, readIntervalMs: 20 });
  await r.line.a.open(115200);
  await r.line.b.open(115200);
  r.line.a.write(new Uint8Array(200).fill(0x41));
  await r.clock.runUntil(60);
  const overruns = r.errors.filter((e) => e.kind === 'overrun').length;
  assert.ok(overruns > 0);
  assert.is(r.received().length + overruns, 200);
  assert.is(r.received().length, 64); // 200 bytes arrive in 17.4 ms, before the first read at 20 ms
  const f = rig({}, { rxFifoBytes: 64, readIntervalMs: 2 });
  await f.line.a.open(115200);
  await f.line.b.open(115200);
  f.line.a.write(new Uint8Array(200).fill(0x41));
  await f.clock.runUntil(60);
  assert.is(f.errors.length, 0);
  assert.is(f.received().length, 200);
});

test('MAX232 inversion missing on one end: garbage, framing errors and breaks; both MAX232 or both TTL: clean', async () => {
  for (const [ta, tb, clean] of [['max232', 'max232', true], ['ttl-direct', 'ttl-direct', true], ['ttl-direct', 'max232', false], ['max232', 'ttl-direct', false]] as const) {
    const r = rig({ levels: ta }, { levels: tb });
    await r.line.a.open(9600);
    await r.line.b.open(9600);
    r.line.a.write(ascii('AT\r\nOK\r\n'));
    await r.clock.runUntil(50);
    const text = String.fromCharCode(...r.received());
    if (clean) {
      assert.is(text, 'AT\r\nOK\r\n', `${ta} -> ${tb}`);
      assert.is(r.errors.length, 0);
    } else {
      assert.is.not(text, 'AT\r\nOK\r\n', `${ta} -> ${tb}`);
      assert.ok(r.errors.some((e) => e.kind === 'framing' || e.kind === 'break'), `${ta} -> ${tb}: ${JSON.stringify(r.errors)}`);
    }
  }
});

test('injected bit errors at a given rate are seeded and close to the rate', async () => {
  const run = async (seed: number) => {
    const r = rig({}, { rxFifoBytes: 1 << 20 }, { bitErrorRate: 1e-3, rng: new Rng(seed) });
    await r.line.a.open(115200);
    await r.line.b.open(115200);
    const data = new Rng(7).bytes(20_000);
    r.line.a.write(data);
    await r.clock.runUntil(2000);
    const got = r.received();
    return { injected: r.line.bitErrorsInjected, got, errors: r.errors.length, data };
  };
  const a = await run(11);
  const b = await run(11);
  assert.equal(a.got, b.got);
  // 200,000 bits at 1e-3: ~200 flips (5 sigma ~ 70)
  assert.ok(a.injected > 130 && a.injected < 270, `${a.injected}`);
  assert.ok(a.errors > 0);
  let diff = a.got.length !== a.data.length ? 1 : 0;
  for (let i = 0; i < Math.min(a.got.length, a.data.length); i++) if (a.got[i] !== a.data[i]) diff++;
  assert.ok(diff > 0);
});

test.run();
