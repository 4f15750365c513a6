// Sealed data frames of an authenticated session: round trip, replay window (duplicates, too old,
// reordering), bit flips, direction and session separation, counter exhaustion, and session keys
// that are derived from kls_new and Nl and are never kls itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DataChannel, frameNonce, MAX_COUNTER } from '../../protocol/data-channel.ts';
import { createOcb } from '../../protocol/ocb.ts';
import { decodeDataFrame, DATA_PREFIX_BYTES, DATA_TAG_BYTES } from '../../protocol/wire.ts';
import { fullSession, hex, setup } from './helpers.ts';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

async function session(seed: number) {
  const s = await setup(seed);
  const before = s.lpu.credential;
  const r = await fullSession(s.store, s.lpu, s.random);
  return { s, before, lpu: r.lpu.channel, server: r.server.session.channel, keys: r.lpu.keys, serverKeys: r.server.session.keys };
}

function sealOk(ch: DataChannel, p: Uint8Array): Uint8Array {
  const f = ch.seal(p);
  if (!f.ok) throw new Error(f.error.code);
  return f.value;
}

test('round trip in both directions, frame layout and sizes', async () => {
  const { lpu, server } = await session(501);
  for (const len of [0, 1, 15, 16, 17, 100, 1000]) {
    const p = new Uint8Array(len).map((_, i) => (i * 7) & 0xff);
    const up = sealOk(lpu, p);
    assert.is(up.length, DATA_PREFIX_BYTES + len + DATA_TAG_BYTES);
    const o = server.open(up);
    assert.ok(o.ok && hex(o.value.plaintext) === hex(p));
    const down = sealOk(server, p);
    const o2 = lpu.open(down);
    assert.ok(o2.ok && hex(o2.value.plaintext) === hex(p));
  }
  const f = decodeDataFrame(sealOk(lpu, text('x')));
  assert.ok(f.ok && f.value.direction === 'lpu-to-server' && f.value.counter === 7n);
  assert.ok(f.ok && hex(f.value.sessionId) === hex(lpu.sessionId));
});

test('duplicates are rejected; the first copy is accepted once', async () => {
  const { lpu, server } = await session(502);
  const frames = Array.from({ length: 5 }, (_, i) => sealOk(lpu, text(`m${i}`)));
  for (const f of frames) assert.ok(server.open(f).ok);
  for (const f of frames) {
    const r = server.open(f);
    assert.ok(!r.ok && r.error.code === 'duplicate');
  }
});

test('frames below the 64-frame window are rejected; reordering within it is accepted', async () => {
  const { lpu, server } = await session(503);
  const frames = Array.from({ length: 200 }, (_, i) => sealOk(lpu, text(`m${i}`)));
  // Deliver 100 first, then 37..99 shuffled (inside the window: 100 - 37 = 63), then 36 (outside).
  assert.ok(server.open(frames[100]!).ok);
  const order = Array.from({ length: 63 }, (_, i) => 37 + i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = (i * 7919) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (const k of order) {
    const r = server.open(frames[k]!);
    assert.ok(r.ok && str(r.value.plaintext) === `m${k}`, `frame ${k}`);
  }
  const old = server.open(frames[36]!);
  assert.ok(!old.ok && old.error.code === 'too-old');
  const old2 = server.open(frames[0]!);
  assert.ok(!old2.ok && old2.error.code === 'too-old');
  // A jump far ahead moves the window; frames skipped over are then too old.
  assert.ok(server.open(frames[199]!).ok);
  const skipped = server.open(frames[101]!);
  assert.ok(!skipped.ok && skipped.error.code === 'too-old');
  assert.ok(server.open(frames[150]!).ok, '199 - 150 = 49 is inside the window');
});

test('every single-bit flip of a frame is rejected and does not move the window', async () => {
  const { lpu, server } = await session(504);
  const frame = sealOk(lpu, text('blood pressure 120/80 mmHg'));
  const codes = new Set<string>();
  for (let bit = 0; bit < frame.length * 8; bit++) {
    const m = new Uint8Array(frame);
    m[bit >> 3]! ^= 0x80 >> (bit & 7);
    const r = server.open(m);
    if (r.ok) return assert.unreachable(`bit ${bit} flipped was accepted`);
    codes.add(r.error.code);
  }
  assert.ok(codes.has('auth-failed') && codes.has('wrong-session'));
  assert.is(server.highestReceived, null, 'no rejected frame touched the window');
  const r = server.open(frame);
  assert.ok(r.ok && str(r.value.plaintext) === 'blood pressure 120/80 mmHg');
});

test('directions and sessions are separated', async () => {
  const a = await session(505);
  const b = await session(506);
  const up = sealOk(a.lpu, text('up'));
  const reflected = a.lpu.open(up);
  assert.ok(!reflected.ok && reflected.error.code === 'wrong-direction');
  const cross = b.server.open(up);
  assert.ok(!cross.ok && cross.error.code === 'wrong-session');
  // Same counter 0 in both directions, yet different keys and nonces.
  const down = sealOk(a.server, text('up'));
  assert.is.not(hex(down.slice(DATA_PREFIX_BYTES)), hex(up.slice(DATA_PREFIX_BYTES)));
  assert.is.not(hex(frameNonce('lpu-to-server', 0n)), hex(frameNonce('server-to-lpu', 0n)));
  assert.is.not(hex(a.keys.lpuToServer), hex(a.keys.serverToLpu));
  // A frame rewritten to claim the other direction fails authentication.
  const flipped = new Uint8Array(up);
  flipped[3] = 0x11;
  const r = a.lpu.open(flipped);
  assert.ok(!r.ok && r.error.code === 'auth-failed');
});

test('a sender never reuses a counter and refuses to seal once 2^64 counters are used', async () => {
  const { keys } = await session(507);
  const lpu = new DataChannel('lpu', keys, MAX_COUNTER - 2n);
  const server = new DataChannel('server', keys);
  const counters: bigint[] = [];
  for (let i = 0; i < 3; i++) {
    const f = sealOk(lpu, text(`${i}`));
    const d = decodeDataFrame(f);
    if (!d.ok) return assert.unreachable();
    counters.push(d.value.counter);
    assert.ok(server.open(f).ok);
  }
  assert.equal(counters, [MAX_COUNTER - 2n, MAX_COUNTER - 1n, MAX_COUNTER]);
  assert.is(lpu.sendCounter, null);
  const r = lpu.seal(text('one too many'));
  assert.ok(!r.ok && r.error.code === 'counter-exhausted');
  const fresh = new DataChannel('lpu', keys);
  const seen = new Set<bigint>();
  for (let i = 0; i < 1000; i++) {
    const d = decodeDataFrame(sealOk(fresh, new Uint8Array(0)));
    if (!d.ok) return assert.unreachable();
    assert.not.ok(seen.has(d.value.counter));
    seen.add(d.value.counter);
  }
});

test('the session keys are derived (HKDF), never kls, kls_new or Nl', async () => {
  const { s, before, lpu, keys, serverKeys } = await session(508);
  const klsNew = s.lpu.credential.kls;
  const secrets = [before.kls, klsNew].map(hex);
  for (const k of [keys.lpuToServer, keys.serverToLpu]) {
    for (const sec of secrets) assert.not.ok(sec.includes(hex(k)), 'a data key is not a slice of kls');
  }
  assert.is(hex(serverKeys.lpuToServer), hex(keys.lpuToServer));
  // A frame does not open under OCB keyed with kls or kls_new.
  const f = decodeDataFrame(sealOk(lpu, text('secret')));
  if (!f.ok) return assert.unreachable();
  for (const k of [before.kls, klsNew]) {
    for (const key of [k.slice(0, 16), k]) {
      const o = createOcb(key).open(frameNonce('lpu-to-server', f.value.counter), f.value.sealed, f.value.associatedData);
      assert.not.ok(o.ok);
    }
  }
  // Two sessions of the same LPU never share keys.
  const r2 = await fullSession(s.store, s.lpu, s.random);
  assert.is.not(hex(r2.lpu.keys.lpuToServer), hex(keys.lpuToServer));
  assert.is.not(hex(r2.lpu.keys.sessionId), hex(keys.sessionId));
});

test('payloads over the 16-bit length limit are refused by the sender', async () => {
  const { lpu } = await session(509);
  const r = lpu.seal(new Uint8Array(0x10000));
  assert.ok(!r.ok && r.error.code === 'payload-too-long');
  assert.ok(lpu.seal(new Uint8Array(0xffff)).ok);
});

test.run();
