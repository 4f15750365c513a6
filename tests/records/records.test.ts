// Records at rest: AES-256-GCM round trip, header/AAD binding (no swapping between patients,
// record ids, kinds or key versions), wrong keys, truncation; the keyring: per-patient per-kind
// data keys with versions, rotation (old records still readable by version, new records on the
// new key, re-encryption then retirement), the server's KEK wrapping, the readers' CP-ABE wrapping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keygen, setup } from '../../server/abe/waters11.ts';
import { openRecord, parseRecordHeader, sealRecord, RecordParameterError, type DataKey } from '../../server/records/record-cipher.ts';
import {
  createKeyring, currentKey, keyLookup, readerDataKey, reencryptRecord, retire, rotate, serverDataKey, versionsOf, KeyringError, type KeyringDeps,
} from '../../server/records/keyring.ts';
import { Rng } from '../../sim/rng.ts';

const rng = new Rng(42);
const random = (n: number) => rng.bytes(n);
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const key = (patientId: string, kind: DataKey['id']['kind'], version: number): DataKey => ({ id: { patientId, kind, version }, key: rng.bytes(32) });

test('round trip; the header names the key; the body is not the plaintext', () => {
  const k = key('p-1', 'vitals', 3);
  const plain = text('{"heartRateBpm":72}');
  const rec = sealRecord('r-17', k, plain, random);
  const h = parseRecordHeader(rec);
  assert.ok(h.ok);
  if (h.ok) assert.equal([h.value.patientId, h.value.kind, h.value.recordId, h.value.version], ['p-1', 'vitals', 'r-17', 3]);
  assert.not.ok(str(rec).includes('heartRateBpm'));
  const o = openRecord(rec, { patientId: 'p-1', recordId: 'r-17', kind: 'vitals' }, keyLookup([k]));
  assert.ok(o.ok && str(o.value.plaintext) === '{"heartRateBpm":72}');
  // Two seals of the same plaintext differ (fresh nonce).
  assert.not.equal(sealRecord('r-17', k, plain, random), rec);
});

test('wrong key, unknown version, truncation and tampering fail with typed errors', () => {
  const k = key('p-1', 'ecg', 1);
  const rec = sealRecord('r-1', k, text('ecg strip'), random);
  const expect = { patientId: 'p-1', recordId: 'r-1' };
  const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);
  assert.is(code(openRecord(rec, expect, () => rng.bytes(32))), 'auth-failed');
  assert.is(code(openRecord(rec, expect, keyLookup([key('p-1', 'ecg', 2)]))), 'unknown-key');
  assert.is(code(openRecord(rec.subarray(0, 20), expect, keyLookup([k]))), 'truncated');
  assert.is(code(openRecord(text('hello world, this is not a record at all'), expect, keyLookup([k]))), 'bad-magic');
  for (let i = 0; i < rec.length; i++) {
    const t = rec.slice();
    t[i]! ^= 0x04;
    assert.not.ok(openRecord(t, expect, keyLookup([k])).ok, `flip at ${i}`);
  }
});

test('the AAD binds patient, record id, kind and version: records cannot be swapped', () => {
  const kA = key('p-a', 'vitals', 1);
  const kB = { id: { patientId: 'p-b', kind: 'vitals' as const, version: 1 }, key: kA.key }; // even with the same key bytes
  const recA = sealRecord('r-1', kA, text('A'), random);
  const recB = sealRecord('r-2', kB, text('B'), random);
  const lookup = keyLookup([kA, kB]);
  // Served under another row: refused before decryption.
  const w = openRecord(recA, { patientId: 'p-b', recordId: 'r-1' }, lookup);
  assert.ok(!w.ok && w.error.code === 'wrong-record');
  const w2 = openRecord(recB, { patientId: 'p-b', recordId: 'r-1' }, lookup);
  assert.ok(!w2.ok && w2.error.code === 'wrong-record');
  // The header rewritten to claim the other patient / record id / kind / version: authentication fails.
  const rewrite = (rec: Uint8Array, from: string, to: string) => {
    const h = parseRecordHeader(rec);
    if (!h.ok) throw new Error('header');
    const bytes = rec.slice();
    const idx = str(bytes.subarray(0, h.value.headerLength)).indexOf(from);
    bytes.set(text(to), idx);
    return bytes;
  };
  const forged = rewrite(recA, 'p-a', 'p-b');
  const f = openRecord(forged, { patientId: 'p-b', recordId: 'r-1' }, lookup);
  assert.ok(!f.ok && f.error.code === 'auth-failed');
  const forgedId = rewrite(recA, 'r-1', 'r-9');
  const f2 = openRecord(forgedId, { patientId: 'p-a', recordId: 'r-9' }, lookup);
  assert.ok(!f2.ok && f2.error.code === 'auth-failed');
  const kindSwap = recA.slice(); kindSwap[4] = 5; // vitals → stress
  const stressKey = { id: { patientId: 'p-a', kind: 'stress' as const, version: 1 }, key: kA.key };
  assert.not.ok(openRecord(kindSwap, { patientId: 'p-a', recordId: 'r-1' }, keyLookup([stressKey])).ok);
  assert.throws(() => sealRecord('bad id!', kA, text('x'), random), (e: unknown) => e instanceof RecordParameterError);
});

test('header parsing never throws on random or truncated bytes', () => {
  const k = key('p-1', 'alarms', 1);
  const rec = sealRecord('r-1', k, text('alarm'), random);
  for (let i = 0; i < 2000; i++) {
    const b = i % 2 ? rng.bytes(rng.int(0, 80)) : rec.slice(0, rng.int(0, rec.length - 1));
    if (i % 4 === 0 && b.length > 4) b.set([0x42, 0x53, 0x52, 0x31]);
    const r = openRecord(b, { patientId: 'p-1', recordId: 'r-1' }, keyLookup([k]));
    assert.not.ok(r.ok);
  }
});

const authority = setup(random);
const kek = rng.bytes(32);
let now = Date.UTC(2026, 10, 22);
const deps = (): KeyringDeps => ({ mpk: authority.mpk, kek, now: (now += 60_000), random });
const patient = { patientId: 'p-7f3a', careUnit: 'cardiology' };

test('keyring: one key per kind, rotation keeps old records readable, re-encryption, retirement', () => {
  let ring = createKeyring(patient, deps(), ['vitals', 'ecg']);
  assert.equal(ring.keys.map((k) => `${k.id.kind}/v${k.id.version}`), ['vitals/v1', 'ecg/v1']);
  const v1 = serverDataKey(currentKey(ring, 'vitals'), kek);
  assert.ok(v1.ok);
  if (!v1.ok) return;
  const old = sealRecord('r-1', v1.value, text('hr 72'), random);

  ring = rotate(ring, 'vitals', deps());
  assert.equal(versionsOf(ring, 'vitals').map((k) => k.id.version), [1, 2]);
  assert.is(currentKey(ring, 'ecg').id.version, 1, 'other kinds untouched');
  const v2 = serverDataKey(currentKey(ring, 'vitals'), kek);
  assert.ok(v2.ok && v2.value.id.version === 2);
  if (!v2.ok) return;
  assert.not.equal(v2.value.key, v1.value.key);
  const fresh = sealRecord('r-2', v2.value, text('hr 75'), random);
  const fh = parseRecordHeader(fresh);
  assert.ok(fh.ok && fh.value.version === 2, 'new records use the new version');

  // Old records are readable through their version...
  const server = keyLookup(versionsOf(ring, 'vitals').map((w) => { const k = serverDataKey(w, kek); if (!k.ok) throw new Error(); return k.value; }));
  const o = openRecord(old, { patientId: patient.patientId, recordId: 'r-1' }, server);
  assert.ok(o.ok && str(o.value.plaintext) === 'hr 72');
  // ...and the new key alone does not open them.
  assert.not.ok(openRecord(old, { patientId: patient.patientId, recordId: 'r-1' }, keyLookup([v2.value])).ok);
  // Re-encrypt to v2, then v1 can be retired and the record still opens.
  const re = reencryptRecord(old, { patientId: patient.patientId, recordId: 'r-1' }, server, v2.value, random);
  assert.ok(re.ok);
  if (!re.ok) return;
  ring = retire(ring, 'vitals', 1);
  assert.equal(versionsOf(ring, 'vitals').map((k) => k.id.version), [2]);
  const o2 = openRecord(re.value, { patientId: patient.patientId, recordId: 'r-1' }, keyLookup([v2.value]));
  assert.ok(o2.ok && str(o2.value.plaintext) === 'hr 72');
  assert.throws(() => retire(ring, 'vitals', 2), (e: unknown) => e instanceof KeyringError);
  // Re-encryption will not move a record to another kind's key.
  const ecg = serverDataKey(currentKey(ring, 'ecg'), kek);
  assert.ok(ecg.ok);
  if (ecg.ok) assert.not.ok(reencryptRecord(re.value, { patientId: patient.patientId, recordId: 'r-1' }, keyLookup([v2.value]), ecg.value, random).ok);
});

test('keyring: readers get the same data key through CP-ABE; wrong KEK and swapped wrappings fail', () => {
  const ring = createKeyring(patient, deps(), ['vitals', 'location']);
  const physician = keygen(authority.mpk, authority.msk, ['role:physician', 'unit:cardiology'], random);
  const vit = currentKey(ring, 'vitals'), loc = currentKey(ring, 'location');
  const viaServer = serverDataKey(vit, kek), viaReader = readerDataKey(vit, physician);
  assert.ok(viaServer.ok && viaReader.ok);
  if (viaServer.ok && viaReader.ok) assert.equal(viaReader.value.key, viaServer.value.key);
  const denied = readerDataKey(loc, physician);
  assert.ok(!denied.ok && denied.error.code === 'not-satisfied');
  const wrongKek = serverDataKey(vit, rng.bytes(32));
  assert.ok(!wrongKek.ok && wrongKek.error.code === 'auth-failed');
  // The vitals key's wrappings relabelled as the location key: refused.
  const swapped = { ...loc, abeWrapped: vit.abeWrapped, serverWrapped: vit.serverWrapped };
  const s1 = serverDataKey(swapped, kek);
  assert.ok(!s1.ok);
  const emergency = keygen(authority.mpk, authority.msk, ['role:emergency', 'on-call'], random);
  const s2 = readerDataKey(swapped, emergency);
  assert.ok(!s2.ok && s2.error.code === 'wrong-key-id');
  assert.ok(vit.policyText.includes('family-of:p-7f3a'));
});

test.run();
