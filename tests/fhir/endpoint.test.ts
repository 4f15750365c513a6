// The FHIR endpoint over real HTTP on loopback, end to end: an LPU uploads readings through the
// protocol (MA1/MA3, sealed data frames), the server seals them at rest per patient and kind, and
// cloud-link tokens read them back as FHIR R4 Bundles validated against the R4 JSON schema. The
// policy matrix (role x kind of record) is written out here, not derived from the policy table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Reading } from '../../protocol/readings.ts';
import { keygen, setup } from '../../server/abe/waters11.ts';
import { readerDataKey } from '../../server/records/keyring.ts';
import { openRecord } from '../../server/records/record-cipher.ts';
import { openDatabase } from '../../server/db.ts';
import { Rng } from '../../sim/rng.ts';
import { CONTACTS, HttpLpu, OPERATOR_TOKEN, post, registerLpu, startServer, type Harness } from '../server/helpers.ts';
import { loadFhirSchema } from './schema.ts';

const fhir = loadFhirSchema();
const rng = new Rng(88);
const random = (n: number) => rng.bytes(n);
const { mpk, msk } = setup(random);
const kek = rng.bytes(32);

type Kind = 'vitals' | 'history' | 'ecg' | 'stress';
const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
// Older readings (history) and the current ones; BP 132 is only 'family' level (no emergency call).
const READINGS: Reading[] = [
  { kind: 'heart-rate', heartRateBpm: 64, seq: 1, measuredAt: T0 - 30 * HOUR },
  { kind: 'temperature', tempC: 36.6, seq: 2, measuredAt: T0 - 30 * HOUR },
  { kind: 'rhythm', rhythm: 'sinus', seq: 3, measuredAt: T0 - 29 * HOUR },
  { kind: 'stress', level: 'normal', score: 50, seq: 4, measuredAt: T0 - 29 * HOUR },
  { kind: 'heart-rate', heartRateBpm: 72, seq: 5, measuredAt: T0 - HOUR },
  { kind: 'temperature', tempC: 36.9, seq: 6, measuredAt: T0 - HOUR },
  { kind: 'blood-pressure', systolicMmHg: 118, diastolicMmHg: 76, seq: 7, measuredAt: T0 - HOUR },
  { kind: 'spo2', spo2Percent: 97.5, seq: 8, measuredAt: T0 - HOUR },
  { kind: 'rhythm', rhythm: 'sinus', seq: 9, measuredAt: T0 - HOUR },
  { kind: 'stress', level: 'high', score: 81, seq: 10, measuredAt: T0 - HOUR },
  { kind: 'fault', sensor: 'temperature', fault: 'probe-open', seq: 11, measuredAt: T0 - HOUR / 2 },
];
const HISTORY_SEQS = [1, 2, 3, 4];
const CRISIS: Reading = { kind: 'blood-pressure', systolicMmHg: 172, diastolicMmHg: 101, seq: 12, measuredAt: T0 };

let h: Harness;
let lpuId = 0;
let lpu: HttpLpu;
const tokens: Record<string, string> = {};
let requests = 0;

async function issue(patientId: number, role: string): Promise<string> {
  const r = await post(h.base, '/v1/links', JSON.stringify({ patientId, role }), { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` });
  assert.is(r.status, 201);
  return String(r.json!.token);
}

async function get(path: string, token?: string): Promise<{ status: number; type: string; body: Record<string, unknown> }> {
  requests++;
  const r = await fetch(h.base + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: (await r.json()) as Record<string, unknown> };
}

interface BundleBody { resourceType: string; total: number; entry: { fullUrl: string; resource: { id: string; resourceType: string; subject: { reference: string } } }[] }

async function seqs(token: string, query = ''): Promise<number[] | 403> {
  const r = await get(`/fhir/Observation${query ? `?${query}` : ''}`, token);
  assert.ok(r.type.startsWith('application/fhir+json'), r.type);
  if (r.status === 403) {
    assert.equal(fhir.validate('OperationOutcome', r.body), []);
    return 403;
  }
  assert.is(r.status, 200, JSON.stringify(r.body));
  assert.equal(fhir.validate('Bundle', r.body), []);
  const b = r.body as unknown as BundleBody;
  for (const e of b.entry) assert.equal(fhir.validate('Observation', e.resource), []);
  return b.entry.map((e) => Number(e.resource.id.split('-').pop())).sort((a, c) => a - c);
}

const kindOf = (seq: number): Kind => {
  const r = [...READINGS, CRISIS].find((x) => x.seq === seq)!;
  if (HISTORY_SEQS.includes(seq) && r.kind !== 'rhythm' && r.kind !== 'stress') return 'history';
  return r.kind === 'rhythm' ? 'ecg' : r.kind === 'stress' ? 'stress' : 'vitals';
};

test.before(async () => {
  const db = await openDatabase({});
  h = await startServer(db, { records: { mpk, kek, careUnit: 'cardiology' }, random });
  const reg = await post(h.base, '/v1/register', JSON.stringify({ contacts: CONTACTS }), { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` });
  lpuId = Number((await db.query('SELECT max(id) AS id FROM lpus'))[0]!.id);
  const { decodeLpuCredential } = await import('../../protocol/index.ts');
  const c = decodeLpuCredential(reg.body);
  if (!c.ok) throw new Error('credential');
  lpu = new HttpLpu(h.base, c.value, 9);
  await lpu.handshake();
  const sent = await lpu.send(READINGS);
  assert.is(sent.ackedSeq, READINGS.length);
  for (const role of ['family', 'physician', 'emergency']) tokens[role] = await issue(lpuId, role);
  // A second patient with its own family link.
  await registerLpu(h.base);
  const otherId = Number((await db.query('SELECT max(id) AS id FROM lpus'))[0]!.id);
  tokens.otherFamily = await issue(otherId, 'family');
});

test.after(async () => {
  await h.close();
  await h.server.db.close();
});

test('readings are sealed at rest: no plaintext value in the sealed rows, one data key per kind used', async () => {
  const rows = await h.server.db.query('SELECT seq, kind, key_version, body FROM sealed_records WHERE lpu_id = $1 ORDER BY seq', [lpuId]);
  assert.is(rows.length, READINGS.length);
  for (const r of rows) {
    const text = Buffer.from(r.body as Uint8Array).toString('latin1');
    for (const needle of ['heartRateBpm', 'tempC', 'systolic', 'sinus', 'high', 'probe-open']) assert.not.ok(text.includes(needle), `sealed row ${r.seq} shows ${needle}`);
    assert.is(Number(r.key_version), 1);
  }
  const keys = await h.server.db.query('SELECT kind, version, policy FROM record_keys WHERE lpu_id = $1 ORDER BY kind', [lpuId]);
  assert.equal(keys.map((k) => String(k.kind)), ['ecg', 'stress', 'vitals']);
  const subject = await h.server.records!.findSubject(lpuId);
  assert.ok(subject && /^p-[0-9a-f]{16}$/.test(subject.patientId));
  assert.ok(String(keys.find((k) => k.kind === 'ecg')!.policy).includes('unit:cardiology'));
  // A reader with the right attributes opens the CP-ABE wrapping and the record, without the server.
  const sk = keygen(mpk, msk, ['role:physician', 'unit:cardiology'], random);
  const [ecgKey] = await h.server.records!.wrappedKeys(lpuId, 'ecg');
  const dk = readerDataKey(ecgKey!, sk);
  assert.ok(dk.ok);
  const row = (await h.server.records!.sealed(lpuId, { kinds: ['ecg'] }))[0]!;
  const rec = openRecord(row.body, { patientId: subject!.patientId, recordId: `seq-${row.seq}`, kind: 'ecg' }, () => (dk.ok ? dk.value.key : undefined));
  assert.ok(rec.ok);
  if (rec.ok) assert.equal(JSON.parse(new TextDecoder().decode(rec.value.plaintext)), { seq: 3, measuredAt: T0 - 29 * HOUR, kind: 'rhythm', rhythm: 'sinus' });
  const family = keygen(mpk, msk, ['role:family', `family-of:${subject!.patientId}`], random);
  assert.is(readerDataKey(ecgKey!, family).ok, false, 'the family key does not open the ECG data key');
});

test('policy matrix through the endpoint: every role x every kind of record served', async () => {
  // Emergency is on call only while the patient has an active escalation: first without one.
  const matrix = async (): Promise<Record<string, Kind[] | 403>> => {
    const out: Record<string, Kind[] | 403> = {};
    const subject = (await h.server.records!.findSubject(lpuId))!;
    for (const role of ['family', 'physician', 'emergency', 'otherFamily']) {
      // The other patient's family names this patient: the token does not reach it.
      const s = await seqs(tokens[role]!, role === 'otherFamily' ? `subject=Patient/${subject.patientId}` : '');
      out[role] = s === 403 ? 403 : [...new Set(s.map(kindOf))].sort();
    }
    return out;
  };
  const before = await matrix();
  assert.equal(before, {
    family: ['vitals'],
    physician: ['ecg', 'history', 'stress', 'vitals'],
    emergency: 403,
    otherFamily: 403,
  });
  // Family: exactly the current value of each vital (HR 5, temperature fault 11, BP 7, SpO2 8).
  assert.equal(await seqs(tokens.family!), [5, 7, 8, 11]);
  assert.equal(await seqs(tokens.physician!), READINGS.map((r) => r.seq));
  // Per kind, asked for by code: ECG rhythm and stress refused outright for the family.
  assert.is(await seqs(tokens.family!, 'code=8884-9'), 403);
  assert.is(await seqs(tokens.family!, `code=${encodeURIComponent('https://bsn-care.invalid/fhir/CodeSystem/observation|stress-level')}`), 403);
  assert.equal(await seqs(tokens.physician!, 'code=stress-level'), [4, 10]);
  assert.equal(await seqs(tokens.physician!, 'code=85354-9'), [7]);
  // An emergency reading opens an escalation: now the emergency unit is on call.
  const esc = await lpu.send([CRISIS]);
  assert.is(esc.status, 200);
  const active = await h.server.db.query(`SELECT topic FROM escalations WHERE lpu_id = $1 AND status = 'active'`, [lpuId]);
  assert.equal(active.map((a) => String(a.topic)), ['blood-pressure']);
  const after = await matrix();
  assert.equal(after.emergency, ['ecg', 'history', 'stress', 'vitals']);
  assert.equal(after.family, ['vitals']);
  assert.equal(await seqs(tokens.family!, 'code=85354-9'), [12], 'the family sees the new BP as the current one');
});

test('subject, bad queries, missing, revoked tokens; read-only; every request logged', async () => {
  const subject = (await h.server.records!.findSubject(lpuId))!;
  assert.equal(await seqs(tokens.physician!, `subject=Patient/${subject.patientId}&_count=1`), [12]);
  const other = await get('/fhir/Observation?subject=Patient/p-0000000000000000', tokens.physician);
  assert.is(other.status, 403);
  assert.equal(fhir.validate('OperationOutcome', other.body), []);
  const bad = await get('/fhir/Observation?code=1234-5', tokens.physician);
  assert.is(bad.status, 400);
  assert.equal(fhir.validate('OperationOutcome', bad.body), []);
  const none = await get('/fhir/Observation');
  assert.is(none.status, 401);
  assert.equal((none.body as { issue: { code: string }[] }).issue[0]!.code, 'login');
  const unknown = await get('/fhir/Observation', 'A'.repeat(43));
  assert.is(unknown.status, 401);
  const rev = await post(h.base, '/v1/links/revoke', JSON.stringify({ token: tokens.physician }), { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` });
  assert.ok(rev.status < 300, String(rev.status));
  const revoked = await get('/fhir/Observation', tokens.physician);
  assert.is(revoked.status, 403);
  const put = await fetch(`${h.base}/fhir/Observation`, { method: 'POST', headers: { authorization: `Bearer ${tokens.family}`, 'content-type': 'application/fhir+json' }, body: '{}' });
  assert.is(put.status, 405);
  const log = await h.server.db.query(`SELECT role, outcome FROM web_access_log WHERE route = 'fhir:Observation' ORDER BY id`);
  assert.is(log.length, requests, 'one access-log row per GET');
  const outcomes = log.map((l) => String(l.outcome));
  for (const o of ['ok', 'forbidden', 'forbidden:other-patient', 'bad-request:bad-code', 'no-token', 'unknown-token', 'revoked']) assert.ok(outcomes.includes(o), `outcome ${o} logged`);
  assert.ok(log.some((l) => l.role === 'family' && l.outcome === 'forbidden'));
});

test.run();
