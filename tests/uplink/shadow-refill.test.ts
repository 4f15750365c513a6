// The emergency-pair refill end to end: the firmware's UplinkSession and credential store against
// the real BSN-Care server over HTTP (PGlite, and PostgreSQL when BSN_TEST_DATABASE_URL is set).
// An LPU that lost its key pair authenticates with an emergency pair; the MA2 brings fresh pairs,
// the LPU stores them with its new key pair, and nine such emergencies in a row end on a pair a
// refill delivered. A forged or replayed refill changes nothing in the LPU's memories. And a power
// cut at any byte of storing a refill leaves a credential the server still accepts, after which
// both lists agree.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpUplinkTransport } from '../../hal/targets/http-uplink.ts';
import { loadCredential, saveCredential, writeCredential, type CredentialStores } from '../../firmware/uplink/credential-store.ts';
import { UplinkError, UplinkSession } from '../../firmware/uplink/session.ts';
import type { UplinkResponse, UplinkTransport } from '../../firmware/uplink/transport.ts';
import { decodeServerRecord, encodeLpuCredential, type LpuCredential, type ServerRecord } from '../../protocol/credential.ts';
import { acceptMa2, createMa1, LpuClient } from '../../protocol/lpu.ts';
import { decodeAck, encodeReadings } from '../../protocol/readings.ts';
import { confirmMa3, verifyMa1 } from '../../protocol/server.ts';
import { MA2_EMERGENCY_BYTES, MessageType } from '../../protocol/wire.ts';
import { REFILL_TO, SERVING_LAI_HEADER } from '../../server/app.ts';
import { bytes } from '../../server/db.ts';
import { backends, CELL, CELL_TEXT, registerLpu, startServer } from '../server/helpers.ts';
import { CELL_A, seededRandom, setup } from '../protocol/helpers.ts';
import { CuttableStore, memory, PowerCut } from './helpers.ts';
import { fixedCell, memories } from './rig.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sids = (pairs: readonly { sid: Uint8Array }[]) => pairs.map((p) => hex(p.sid));
const nvBytes = (nv: CredentialStores) => hex(nv.eeprom.read(0, nv.eeprom.size)) + hex(nv.flash.read(0, 0x4000));

/** A man in the middle on the MA1 route: can corrupt or replace the answer. */
class Mitm implements UplinkTransport {
  mode: 'pass' | 'flip-refill' | 'replay' = 'pass';
  lastRefillMa2: Uint8Array | null = null;
  constructor(private readonly inner: UplinkTransport) {}
  async post(path: string, body: Uint8Array): Promise<UplinkResponse> {
    const r = await this.inner.post(path, body);
    if (path !== '/v1/ma1' || r.status !== 200) return r;
    const refill = r.body[3] === MessageType.ma2EmergencyRefill || r.body[3] === MessageType.ma2NormalRefill;
    if (this.mode === 'flip-refill' && refill) {
      const f = r.body.slice();
      f[MA2_EMERGENCY_BYTES + 40]! ^= 0x10; // inside the sealed pair list
      return { status: 200, body: f };
    }
    if (this.mode === 'replay' && this.lastRefillMa2) return { status: 200, body: this.lastRefillMa2 };
    if (refill) this.lastRefillMa2 = r.body.slice();
    return r;
  }
}

for (const backend of backends()) {
  test(`${backend.name}: emergency, refill, stored; nine in a row end on a refilled pair; forged and replayed refills change nothing`, async () => {
    const db = await backend.open();
    const h = await startServer(db, { escalation: false });
    try {
      const { bytes: credBytes } = await registerLpu(h.base);
      const nv = memories();
      writeCredential(nv, credBytes);
      const mitm = new Mitm(new HttpUplinkTransport({ baseUrl: h.base, headers: { [SERVING_LAI_HEADER]: CELL_TEXT } }));
      const random = seededRandom(300);
      const serverRecord = async (): Promise<ServerRecord> => {
        const r = decodeServerRecord(bytes((await db.query('SELECT record FROM lpus'))[0]!.record));
        if (!r.ok) throw new Error(r.error.code);
        return r.value;
      };
      const normal = new UplinkSession({ transport: mitm, cell: fixedCell(CELL), nv, random });
      await normal.authenticate();
      assert.is(normal.stats.refills, 0, 'a full list gets no refill');

      /** Loses the key pair (as after a bad restore), then authenticates until it gets through. */
      const emergency = async (expectRejectedAt: number | null = null): Promise<UplinkSession> => {
        const c = loadCredential(nv)!.credential;
        saveCredential(nv, { ...c, kls: random(32), trSeq: (c.trSeq + 1) >>> 0 });
        const s = new UplinkSession({ transport: mitm, cell: fixedCell(CELL), nv, random });
        for (let i = 0; ; i++) {
          try {
            await s.authenticate();
            return s;
          } catch (e) {
            if (!(e instanceof UplinkError)) throw e;
            if (e.code === 'bad-reply') {
              assert.is(i, expectRejectedAt, `bad reply at attempt ${i}`);
              return s;
            }
            assert.is(e.code, 'rejected');
            assert.ok(i < 8, 'the ninth attempt is the emergency form');
          }
        }
      };

      const used: string[] = [];
      let firstFresh = '';
      for (let round = 0; round < 9; round++) {
        const before = sids(loadCredential(nv)!.credential.pairs);
        used.push(before[0]!);
        const s = await emergency();
        assert.is(s.stats.emergencyHandshakes, 1);
        assert.is(s.stats.refills, 1, 'the emergency MA2 carried a refill');
        const stored = loadCredential(nv)!.credential;
        assert.is(stored.pairs.length, REFILL_TO, 'the stored credential is back to full');
        assert.equal(sids(stored.pairs).slice(0, 7), before.slice(1));
        if (round === 0) firstFresh = sids(stored.pairs)[7]!;
        const rec = await serverRecord();
        assert.equal(sids(rec.pairs), sids(stored.pairs), 'server and LPU lists agree (MA3 confirmed them)');
        // The session goes on after the refill frame: a batch is acknowledged.
        const reply = await s.exchange(encodeReadings([{ kind: 'heart-rate', seq: round + 1, measuredAt: 1_700_000_000_000 + round, heartRateBpm: 70 }]));
        const ack = decodeAck(reply);
        assert.ok(ack.ok && ack.value.ackedSeq === round + 1);
      }
      assert.is(used[8], firstFresh, 'the ninth emergency used a refilled pair, and the server took it');

      // Forged: one bit of the sealed list flipped on the way. The LPU stores nothing.
      const snap = nvBytes(nv);
      const recSnap = hex(bytes((await db.query('SELECT record FROM lpus'))[0]!.record));
      mitm.mode = 'flip-refill';
      const c0 = loadCredential(nv)!.credential;
      saveCredential(nv, { ...c0, kls: random(32), trSeq: (c0.trSeq + 1) >>> 0 });
      const lost = nvBytes(nv);
      const f = new UplinkSession({ transport: mitm, cell: fixedCell(CELL), nv, random });
      let codes: string[] = [];
      for (let i = 0; i < 9; i++) await f.authenticate().catch((e: UplinkError) => codes.push(e.code));
      assert.is(codes.filter((c) => c === 'rejected').length, 8);
      assert.is(codes[8], 'bad-reply');
      assert.is(nvBytes(nv), lost, 'a forged refill leaves the memories byte-identical');
      // Replayed: the previous genuine refill MA2 instead of this attempt's.
      mitm.mode = 'replay';
      codes = [];
      await f.authenticate().catch((e: UplinkError) => codes.push(e.code));
      assert.equal(codes, ['bad-reply']);
      assert.is(nvBytes(nv), lost, 'a replayed refill leaves the memories byte-identical');
      // Untouched, the same emergency pair (still the server's until confirmed) gets through.
      mitm.mode = 'pass';
      await f.authenticate();
      assert.is(f.stats.refills, 1);
      assert.is.not(nvBytes(nv), snap);
      assert.is.not(hex(bytes((await db.query('SELECT record FROM lpus'))[0]!.record)), recSnap);
      assert.equal(sids((await serverRecord()).pairs), sids(loadCredential(nv)!.credential.pairs));
    } finally {
      await h.close();
      await db.drop();
    }
  });
}

/** Saves `next` with the power lost after `cut` bytes (one budget over both chips); returns what boots. */
function saveWithCut(eeprom: Uint8Array, flash: Uint8Array, next: LpuCredential, cut: number): { loaded: LpuCredential | null; completed: boolean } {
  const e = memory(1024);
  e.write(0, eeprom);
  const f = memory(flash.length);
  f.write(0, flash);
  let left = cut;
  const wrap = (inner: typeof e) => {
    const s = new CuttableStore(inner);
    return { size: inner.size, read: (o: number, l: number) => inner.read(o, l), write: (o: number, b: Uint8Array) => {
      s.budget = left;
      try {
        s.write(o, b);
      } finally {
        left = s.budget;
      }
    } };
  };
  let completed = true;
  try {
    saveCredential({ eeprom: wrap(e), flash: wrap(f) }, next);
  } catch (err) {
    if (!(err instanceof PowerCut)) throw err;
    completed = false;
  }
  return { loaded: loadCredential({ eeprom: e, flash: f })?.credential ?? null, completed };
}

test('power cut at every byte of storing a refill: the LPU boots with the old or the new credential, the server accepts it, the lists agree after', async () => {
  const { credential } = await setup(310);
  const nv = { eeprom: memory(1024), flash: memory(64 * 1024) };
  writeCredential(nv, encodeLpuCredential(credential));
  const e0 = nv.eeprom.read(0, 1024);
  const f0 = nv.flash.read(0, nv.flash.size);
  let cuts = 0;
  for (let cut = 0; ; cut++) {
    const { store, random } = await setup(310); // the same registration every time
    const m1 = createMa1(credential, CELL_A, seededRandom(400 + cut), 'emergency');
    if (!m1.ok) return assert.unreachable();
    const v = await verifyMa1(store, m1.value.ma1, CELL_A, random, { refillTo: 8 });
    if (!v.ok) return assert.unreachable(v.error.code);
    const a = acceptMa2(m1.value.attempt, v.value.ma2);
    if (!a.ok || !a.value.refilled) return assert.unreachable();
    const r = saveWithCut(e0, f0, a.value.credential, cut);
    assert.ok(r.loaded, `cut ${cut}: nothing readable`);
    const same = (x: LpuCredential, y: LpuCredential) => hex(encodeLpuCredential(x)) === hex(encodeLpuCredential(y));
    assert.ok(same(r.loaded!, credential) || same(r.loaded!, a.value.credential), `cut ${cut}: a mix of old and new`);
    if (r.completed) assert.ok((await confirmMa3(store, v.value.session, a.value.ma3)).ok); // MA3 only after the save
    // Reboot: authenticate with what was found (normal form: old pair = server's current, new = pending).
    const lpu = new LpuClient(r.loaded!, { random: seededRandom(900 + cut) });
    const b = lpu.begin(CELL_A);
    if (!b.ok) return assert.unreachable();
    const v2 = await verifyMa1(store, b.value.ma1, CELL_A, random, { refillTo: 8 });
    if (!v2.ok) return assert.unreachable(`cut ${cut}: ${v2.error.code}`);
    const a2 = lpu.accept(v2.value.ma2);
    if (!a2.ok) return assert.unreachable(a2.error.code);
    assert.ok((await confirmMa3(store, v2.value.session, a2.value.ma3)).ok);
    const rec = decodeServerRecord(store.recordBytes(credential.idL)!);
    if (!rec.ok) return assert.unreachable();
    assert.equal(sids(rec.value.pairs), sids(lpu.credential.pairs), `cut ${cut}: lists differ`);
    assert.is(lpu.credential.pairs.length, 8);
    cuts++;
    if (r.completed) break;
  }
  assert.ok(cuts > 600, `cut points checked: ${cuts}`);
  console.log(`${cuts} power-cut points while storing a refill: every one boots into a credential the server accepts`);
});

test.run();
