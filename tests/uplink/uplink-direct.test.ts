// The uplink over a direct transport to the protocol's server role: handshake, batches, acks,
// replays, a power cycle in the middle of an upload.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VirtualClock } from '../../sim/clock.ts';
import { writeCredential, loadCredential, readCredential } from '../../firmware/uplink/credential-store.ts';
import type { UplinkTransport } from '../../firmware/uplink/transport.ts';
import { CELL_A, CELL_B, seededRandom } from '../protocol/helpers.ts';
import { ServerDouble } from './server-double.ts';
import { CountingVitals, fixedCell, makeStack, memories } from './rig.ts';
import { toHex } from '../../protocol/bytes.ts';

async function world(seed: number) {
  const clock = new VirtualClock();
  const server = new ServerDouble(seededRandom(seed), CELL_A);
  const nv = memories();
  writeCredential(nv, await server.register());
  const sent: Array<{ path: string; body: Uint8Array }> = [];
  const transport: UplinkTransport = { post: (path, body) => { sent.push({ path, body: body.slice() }); return clock.track(server.post(path, body)); } };
  return { clock, server, nv, sent, transport };
}

test('10 minutes of summaries and two alarms arrive in order, contiguous, once', async () => {
  const w = await world(1);
  const vitals = new CountingVitals();
  const s = makeStack({ clock: w.clock, nv: w.nv, transport: w.transport, cell: fixedCell(CELL_A), random: seededRandom(2), vitals });
  s.uplink.start();
  w.clock.after(100_000, () => s.uplink.event([{ kind: 'alarm', condition: 'tachycardia', level: 'severe', change: 'raised', measuredAt: s.uplink.epoch() }]));
  w.clock.after(200_000, () => s.uplink.event([{ kind: 'alarm', condition: 'tachycardia', level: 'severe', change: 'cleared', measuredAt: s.uplink.epoch() }]));
  await w.clock.runFor(600_000 + 61_000);
  const stored = w.server.stored();
  assert.is(vitals.taken, 132);
  // what is not on the server yet is the last upload period's summaries, still queued
  assert.is(stored.length + s.queue.pendingReadings, 132 * 3 + 2);
  assert.ok(s.queue.pendingReadings <= 12 * 3, `pending ${s.queue.pendingReadings}`);
  stored.forEach((r, i) => assert.is(r.seq, i + 1));
  for (let i = 1; i < stored.length; i++) assert.ok(stored[i]!.measuredAt >= stored[i - 1]!.measuredAt);
  assert.is(w.server.duplicatesDropped, 0);
  // the alarm went up at once, not at the next 60 s upload
  const alarm = stored.find((r) => r.kind === 'alarm')!;
  const alarmPost = w.server.log.findIndex((l, i) => l.path === '/v1/data' && i > 0 && w.server.ackedSeq >= alarm.seq);
  assert.ok(alarmPost >= 0);
  assert.is(s.session.stats.handshakes, 1, 'one session carries all batches');
  // the credential moved on with the handshake and the server confirmed it (MA3)
  const rec = (await w.server.store.getById(loadCredential(w.nv)!.credential.idL))!;
  assert.is(toHex(rec.current.kls), toHex(loadCredential(w.nv)!.credential.kls));
  assert.is(rec.pending, null);
});

test('a replayed data frame and a replayed MA1 are rejected and store nothing', async () => {
  const w = await world(3);
  const s = makeStack({ clock: w.clock, nv: w.nv, transport: w.transport, cell: fixedCell(CELL_A), random: seededRandom(4), vitals: new CountingVitals() });
  s.uplink.start();
  await w.clock.runFor(130_000);
  const before = w.server.stored().length;
  assert.ok(before > 0);
  const frame = w.sent.find((x) => x.path === '/v1/data')!.body;
  const r = await w.server.post('/v1/data', frame);
  assert.is(r.status, 409, JSON.stringify(w.server.log.at(-1)));
  assert.is(w.server.log.at(-1)!.code, 'duplicate');
  // an MA1 of an epoch that has ended (MA3 promoted the new pair) no longer verifies
  const ma1 = w.sent.find((x) => x.path === '/v1/ma1')!.body;
  const idL = loadCredential(w.nv)!.credential.idL;
  const recBefore = toHex(w.server.store.recordBytes(idL)!);
  const r1 = await w.server.post('/v1/ma1', ma1);
  assert.is(r1.status, 401);
  assert.is(toHex(w.server.store.recordBytes(idL)!), recBefore, 'record unchanged');
  assert.is(w.server.stored().length, before);
  // a frame with one bit flipped is refused too
  const flipped = frame.slice();
  flipped[30]! ^= 1;
  assert.is((await w.server.post('/v1/data', flipped)).status, 409); // the counter check comes first: still a duplicate
  assert.is(w.server.stored().length, before);
});

test('an MA1 replayed within its epoch is refused as a replay; the LPU\'s session is unaffected', async () => {
  const w = await world(11);
  const replays: Array<{ status: number; code: string | undefined }> = [];
  const transport: UplinkTransport = {
    post: async (path, body) => {
      const r = await w.transport.post(path, body);
      if (path === '/v1/ma1') {
        await w.server.post(path, body); // an eavesdropper replays it at once
        replays.push({ status: w.server.log.at(-1)!.status, code: w.server.log.at(-1)!.code });
      }
      return r;
    },
  };
  const s = makeStack({ clock: w.clock, nv: w.nv, transport, cell: fixedCell(CELL_A), random: seededRandom(12), vitals: new CountingVitals() });
  s.uplink.start();
  await w.clock.runFor(130_000);
  assert.equal(replays, [{ status: 409, code: 'replay' }]);
  assert.ok(w.server.stored().length > 0);
  assert.is(s.uplink.status().lastError, null);
});

test('an LPU restored from an old backup (server no longer knows its pair) recovers through the emergency form after 8 refusals', async () => {
  const w = await world(13);
  const old = readCredential(w.nv)!;
  const a = makeStack({ clock: w.clock, nv: w.nv, transport: w.transport, cell: fixedCell(CELL_A), random: seededRandom(14), vitals: new CountingVitals() });
  a.uplink.start();
  await w.clock.runFor(70_000);
  a.uplink.stop();
  assert.is(a.session.stats.handshakes, 1);
  // the EEPROM is restored from a backup taken before that session (two sessions back would be the same)
  writeCredential(w.nv, old);
  const b = makeStack({ clock: w.clock, nv: w.nv, transport: w.transport, cell: fixedCell(CELL_A), random: seededRandom(15), vitals: new CountingVitals() });
  b.uplink.start();
  await w.clock.runFor(20 * 60_000);
  const ma1 = w.server.log.filter((l) => l.path === '/v1/ma1');
  assert.is(ma1.filter((l) => l.status === 401).length, 8, 'eight refused normal MA1s');
  assert.is(b.session.stats.emergencyHandshakes, 1);
  assert.is(loadCredential(w.nv)!.credential.pairs.length, 7, 'the used shadow pair is gone from the stored credential');
  const stored = w.server.stored();
  stored.forEach((r, i) => assert.is(r.seq, i + 1));
  assert.ok(stored.length > 200);
});

test('secure localisation: an MA1 from a cell other than the one the network reports is refused; the uplink backs off', async () => {
  const w = await world(5);
  const s = makeStack({ clock: w.clock, nv: w.nv, transport: w.transport, cell: fixedCell(CELL_B), random: seededRandom(6), vitals: new CountingVitals() });
  s.uplink.start();
  await w.clock.runFor(300_000);
  assert.is(w.server.stored().length, 0);
  assert.is(s.uplink.status().lastError, 'rejected');
  const attempts = w.server.log.filter((l) => l.path === '/v1/ma1');
  assert.ok(attempts.every((a) => a.code === 'location-mismatch'));
  // bounded exponential back-off: 2, 4, 8, 16, 32, 64, 128 s ... → about 8 attempts in 300 s, not 150
  assert.ok(attempts.length >= 5 && attempts.length <= 10, `attempts ${attempts.length}`);
});

test('power cycle in the middle of an upload (server stored the batch, the ack never reached the LPU): nothing lost, nothing twice', async () => {
  const w = await world(7);
  const vitals = new CountingVitals();
  let cutOnData = 3;
  let powered = true;
  const transport: UplinkTransport = {
    post: async (path, body) => {
      if (!powered) return new Promise(() => undefined); // a dead board never sees an answer
      const r = await w.transport.post(path, body);
      if (path === '/v1/data' && --cutOnData === 0) {
        powered = false;
        return new Promise(() => undefined);
      }
      return r;
    },
  };
  const a = makeStack({ clock: w.clock, nv: w.nv, transport, cell: fixedCell(CELL_A), random: seededRandom(8), vitals, options: { uploadPeriodMs: 30_000 } });
  a.uplink.start();
  for (let t = 0; t < 400 && powered; t++) await w.clock.runFor(1000);
  assert.not.ok(powered);
  a.uplink.stop();
  const storedAtCut = w.server.stored().length;
  const inFlight = a.queue.pending!;
  assert.ok(inFlight, 'a batch was in flight');
  assert.ok(w.server.ackedSeq >= inFlight.lastSeq, 'the server had stored it');
  // power back: a new stack on the same EEPROM and flash
  const b = makeStack({ clock: w.clock, nv: w.nv, transport: w.transport, cell: fixedCell(CELL_A), random: seededRandom(9), vitals, options: { uploadPeriodMs: 30_000 } });
  assert.equal(b.queue.pending, inFlight, 'the same batch, same numbers, after the reboot');
  b.uplink.start();
  await w.clock.runFor(120_000);
  const stored = w.server.stored();
  assert.ok(stored.length > storedAtCut);
  stored.forEach((r, i) => assert.is(r.seq, i + 1));
  assert.is(stored.length, vitals.taken * 3 - b.queue.pendingReadings);
  assert.ok(w.server.duplicatesDropped >= inFlight.lastSeq - inFlight.firstSeq + 1, 'the resent batch was de-duplicated');
  const times = stored.filter((r) => r.kind === 'heart-rate').map((r) => r.measuredAt);
  assert.is(new Set(times).size, times.length);
  assert.is(b.session.stats.handshakes, 1, 'a new session after the reboot');
});

test.run();
