// Hostile and broken input over real HTTP: garbage, oversized, wrong content type, truncated and
// tampered frames. Every one gets a 4xx with a JSON {error, message}, nothing is stored, and the
// server keeps serving.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROUTES, SERVING_LAI_HEADER } from '../../server/app.ts';
import { int, openDatabase } from '../../server/db.ts';
import { encodeReadings } from '../../server/readings.ts';
import { seededRandom } from '../protocol/helpers.ts';
import { bin, bp, CELL, CELL_TEXT, HttpLpu, OPERATOR_TOKEN, post, registerLpu, startServer, type Harness } from './helpers.ts';

let h: Harness;
let lpu: HttpLpu;
const db = await openDatabase({});
const random = seededRandom(4);
const lai = { [SERVING_LAI_HEADER]: CELL_TEXT };

async function expect4xx(route: string, body: Uint8Array | string | null, headers: Record<string, string>, status: number, code?: string) {
  const r = await post(h.base, route, body, headers);
  assert.is(r.status, status, `${route}: ${JSON.stringify(r.json)}`);
  assert.type(r.json?.error, 'string');
  assert.type(r.json?.message, 'string');
  if (code) assert.is(r.json!.error, code);
  const health = await fetch(h.base + ROUTES.health);
  assert.is(health.status, 200, 'server still up');
}

test.before(async () => {
  h = await startServer(db);
  const { credential } = await registerLpu(h.base);
  lpu = new HttpLpu(h.base, credential);
  await lpu.handshake();
});
test.after(async () => {
  await h.close();
  await db.close();
});

test('MA1: garbage, truncated, oversized, wrong or missing content type', async () => {
  for (let i = 0; i < 20; i++) {
    const n = 1 + (random(1)[0]! % 200);
    const r = await post(h.base, ROUTES.ma1, random(n), { ...bin, ...lai });
    assert.ok(r.status === 400 || r.status === 401 || r.status === 413, `status ${r.status}`);
    assert.type(r.json?.error, 'string');
  }
  const b = lpu.client.begin(CELL);
  assert.ok(b.ok);
  if (!b.ok) return;
  await expect4xx(ROUTES.ma1, b.value.ma1.subarray(0, 50), { ...bin, ...lai }, 400, 'truncated');
  await expect4xx(ROUTES.ma1, new Uint8Array(4096), { ...bin, ...lai }, 413, 'too-large');
  await expect4xx(ROUTES.ma1, 'hello', { 'content-type': 'text/plain', ...lai }, 415, 'unsupported-media-type');
  await expect4xx(ROUTES.ma1, '{}', { 'content-type': 'application/json', ...lai }, 415, 'unsupported-media-type');
  await expect4xx(ROUTES.ma1, null, { ...lai }, 415, 'unsupported-media-type');
  await expect4xx(ROUTES.ma1, b.value.ma1, { ...bin, [SERVING_LAI_HEADER]: '262-01-0xfffe' }, 400, 'bad-observed-lai');
  const flipped = new Uint8Array(b.value.ma1);
  flipped[60]! ^= 1;
  await expect4xx(ROUTES.ma1, flipped, { ...bin, ...lai }, 401, 'auth-failed');
});

test('MA3 and data frames: garbage, unknown session, tampered, truncated, replayed, bad payload', async () => {
  await expect4xx(ROUTES.ma3, random(28), bin, 400);
  await expect4xx(ROUTES.ma3, new Uint8Array(100), bin, 413, 'too-large');
  const good = lpu.seal([bp(1, 110)]);
  await expect4xx(ROUTES.data, good.subarray(0, 30), bin, 400);
  await expect4xx(ROUTES.data, new Uint8Array(10_000), bin, 413, 'too-large');
  const otherSession = new Uint8Array(good);
  otherSession[5]! ^= 0xff;
  await expect4xx(ROUTES.data, otherSession, bin, 401, 'unknown-session');
  const tampered = new Uint8Array(good);
  tampered[tampered.length - 20]! ^= 1;
  await expect4xx(ROUTES.data, tampered, bin, 401, 'auth-failed');
  // The tampered copy did not burn the counter: the genuine frame still goes through, once.
  assert.is((await lpu.sendFrame(good)).status, 200);
  await expect4xx(ROUTES.data, good, bin, 409, 'replay');
  // Authentic frames whose payload is malformed: 422, nothing stored.
  const sealedRaw = (p: Uint8Array) => {
    const s = lpu.session!.channel.seal(p);
    if (!s.ok) throw new Error('seal');
    return s.value;
  };
  await expect4xx(ROUTES.data, sealedRaw(random(37)), bin, 422);
  const zeroSeq = encodeReadings([bp(7, 120)]);
  zeroSeq.set([0, 0, 0, 0], 3);
  await expect4xx(ROUTES.data, sealedRaw(zeroSeq), bin, 422, 'payload-bad-seq');
  const trailing = new Uint8Array([...encodeReadings([bp(8, 120)]), 0]);
  await expect4xx(ROUTES.data, sealedRaw(trailing), bin, 422, 'payload-trailing-bytes');
  assert.equal((await db.query('SELECT seq FROM readings')).map((r) => int(r.seq)), [1]);
});

test('registration and acknowledgement: auth, malformed JSON, oversized, wrong type; unknown routes', async () => {
  const auth = { authorization: `Bearer ${OPERATOR_TOKEN}` };
  await expect4xx(ROUTES.register, '{"contacts":', { 'content-type': 'application/json', ...auth }, 400);
  await expect4xx(ROUTES.register, JSON.stringify({ contacts: {}, pad: 'x'.repeat(20_000) }), { 'content-type': 'application/json', ...auth }, 413, 'too-large');
  await expect4xx(ROUTES.register, new Uint8Array(10), { ...bin, ...auth }, 415);
  await expect4xx(ROUTES.register, '[]', { 'content-type': 'application/json', ...auth }, 400, 'bad-json');
  await expect4xx(ROUTES.register, '{}', { 'content-type': 'application/json', authorization: 'Basic abc' }, 401, 'unauthorized');
  await expect4xx(ROUTES.ack, JSON.stringify({ token: 'short' }), { 'content-type': 'application/json' }, 400, 'bad-token');
  await expect4xx(ROUTES.ack, 'token', { 'content-type': 'text/plain' }, 415);
  await expect4xx('/v1/nope', '', {}, 404, 'not-found');
  assert.is(int((await db.query('SELECT count(*) AS n FROM lpus'))[0]!.n), 1, 'no registration slipped through');
});

test.run();
