// Key rotation on the running server: readings uploaded through the protocol are sealed under the
// vitals key v1; the operator rotates (POST /v1/records/rotate); new readings go under v2 while the
// old ones stay under v1, and an authorised reader (CP-ABE attribute key, on its own) opens both
// versions; the FHIR endpoint still serves all of them. Re-encryption then moves the old records
// to v2 and deletes v1: the records stay readable, and a copy of the retired v1 key opens nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeLpuCredential } from '../../protocol/index.ts';
import type { Reading } from '../../protocol/readings.ts';
import { keygen, setup } from '../../server/abe/waters11.ts';
import { openDatabase } from '../../server/db.ts';
import { keyLookup, readerDataKey } from '../../server/records/keyring.ts';
import { openRecord, type DataKey } from '../../server/records/record-cipher.ts';
import type { SealedRow } from '../../server/records/store.ts';
import { Rng } from '../../sim/rng.ts';
import { CONTACTS, HttpLpu, OPERATOR_TOKEN, post, startServer } from '../server/helpers.ts';

const rng = new Rng(21);
const random = (n: number) => rng.bytes(n);
const T0 = 1_700_000_000_000;
const hr = (seq: number, bpm: number): Reading => ({ kind: 'heart-rate', heartRateBpm: bpm, seq, measuredAt: T0 - 60_000 * (20 - seq) });

test('rotate, new records under the new key, old ones readable; re-encrypt and retire', async () => {
  const { mpk, msk } = setup(random);
  const db = await openDatabase({});
  const h = await startServer(db, { records: { mpk, kek: rng.bytes(32), careUnit: 'cardiology' }, random });
  try {
    const reg = await post(h.base, '/v1/register', JSON.stringify({ contacts: CONTACTS }), { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` });
    const lpuId = Number((await db.query('SELECT max(id) AS id FROM lpus'))[0]!.id);
    const c = decodeLpuCredential(reg.body);
    if (!c.ok) throw new Error('credential');
    const lpu = new HttpLpu(h.base, c.value, 3);
    await lpu.handshake();
    assert.is((await lpu.send([hr(1, 70), hr(2, 71), hr(3, 72)])).ackedSeq, 3);

    const op = { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` };
    assert.is((await post(h.base, '/v1/records/rotate', JSON.stringify({ patientId: lpuId, kind: 'vitals' }), { 'content-type': 'application/json' })).status, 401);
    assert.is((await post(h.base, '/v1/records/rotate', JSON.stringify({ patientId: lpuId, kind: 'secrets' }), op)).status, 400);
    assert.is((await post(h.base, '/v1/records/rotate', JSON.stringify({ patientId: 9999, kind: 'vitals' }), op)).status, 404);
    const rot = await post(h.base, '/v1/records/rotate', JSON.stringify({ patientId: lpuId, kind: 'vitals' }), op);
    assert.is(rot.status, 200);
    assert.equal(rot.json, { kind: 'vitals', version: 2, resealed: 0, retired: [] });
    assert.is((await lpu.send([hr(4, 73), hr(5, 74)])).ackedSeq, 5);

    const store = h.server.records!;
    const versions = (rows: SealedRow[]) => rows.map((r) => [r.seq, r.keyVersion]);
    assert.equal(versions(await store.sealed(lpuId)), [[1, 1], [2, 1], [3, 1], [4, 2], [5, 2]]);

    // The operator hands out the wrapped keys; a physician of the unit opens both versions.
    const keysRes = await fetch(`${h.base}/v1/records/keys?patientId=${lpuId}`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
    const keys = (await keysRes.json()) as { patient: string; keys: { kind: string; version: number; policy: string; abeWrapped: string }[] };
    assert.equal(keys.keys.map((k) => `${k.kind}/v${k.version}`), ['vitals/v1', 'vitals/v2']);
    const subject = (await store.findSubject(lpuId))!;
    assert.is(keys.patient, subject.patientId);
    const physician = keygen(mpk, msk, ['role:physician', 'unit:cardiology'], random);
    const outsider = keygen(mpk, msk, ['role:physician', 'unit:neurology'], random);
    const wrapped = await store.wrappedKeys(lpuId, 'vitals');
    const opened: DataKey[] = [];
    for (const w of wrapped) {
      assert.is(Buffer.from(w.abeWrapped).toString('base64url'), keys.keys.find((k) => k.version === w.id.version)!.abeWrapped);
      const k = readerDataKey(w, physician);
      assert.ok(k.ok, `v${w.id.version}`);
      if (k.ok) opened.push(k.value);
      assert.is(readerDataKey(w, outsider).ok, false);
    }
    const readAll = (rows: SealedRow[], keyring: DataKey[]) => rows.map((r) => {
      const o = openRecord(r.body, { patientId: subject.patientId, recordId: `seq-${r.seq}`, kind: r.kind }, keyLookup(keyring));
      return o.ok ? (JSON.parse(new TextDecoder().decode(o.value.plaintext)) as { heartRateBpm: number }).heartRateBpm : o.error.code;
    });
    assert.equal(readAll(await store.sealed(lpuId), opened), [70, 71, 72, 73, 74]);
    // With v2 only, the pre-rotation records stay closed (they name v1).
    assert.equal(readAll(await store.sealed(lpuId), opened.filter((k) => k.id.version === 2)), ['unknown-key', 'unknown-key', 'unknown-key', 73, 74]);

    // Re-encrypt: everything under v3, v1 and v2 deleted.
    const re = await post(h.base, '/v1/records/rotate', JSON.stringify({ patientId: lpuId, kind: 'vitals', reencrypt: true }), op);
    assert.equal(re.json, { kind: 'vitals', version: 3, resealed: 5, retired: [1, 2] });
    const after = await store.sealed(lpuId);
    assert.equal(versions(after), [[1, 3], [2, 3], [3, 3], [4, 3], [5, 3]]);
    assert.equal((await store.wrappedKeys(lpuId)).map((w) => w.id.version), [3]);
    assert.equal(readAll(after, opened), ['unknown-key', 'unknown-key', 'unknown-key', 'unknown-key', 'unknown-key'], 'retired keys open nothing');
    const v3 = readerDataKey((await store.wrappedKeys(lpuId, 'vitals'))[0]!, physician);
    assert.ok(v3.ok);
    if (v3.ok) assert.equal(readAll(after, [v3.value]), [70, 71, 72, 73, 74]);
    // A forged key-version label does not help: the header is authenticated.
    const tampered = after[0]!.body.slice();
    tampered[tampered.length - 1]! ^= 1;
    assert.is(openRecord(tampered, { patientId: subject.patientId, recordId: 'seq-1', kind: 'vitals' }, keyLookup(v3.ok ? [v3.value] : [])).ok, false);

    // The endpoint serves all five, newest first, after the rotation and the re-encryption.
    const link = await post(h.base, '/v1/links', JSON.stringify({ patientId: lpuId, role: 'physician' }), op);
    const r = await fetch(`${h.base}/fhir/Observation?code=8867-4`, { headers: { authorization: `Bearer ${String(link.json!.token)}` } });
    const b = (await r.json()) as { total: number; entry: { resource: { valueQuantity: { value: number } } }[] };
    assert.is(b.total, 5);
    assert.equal(b.entry.map((e) => e.resource.valueQuantity.value), [74, 73, 72, 71, 70]);
  } finally {
    await h.close();
    await db.close();
  }
});

test.run();
