// The policy matrix, end to end through CP-ABE: every role against every kind of record. For one
// patient (care unit cardiology) the server creates a keyring (one CP-ABE-wrapped data key per
// kind) and seals a record of each kind; each reader gets an attribute key from the authority and
// tries to open the wrapped data key and then the record. The expected table is written out here
// (issue 6's scoping), not derived from the policy table, so a policy edit that changes who sees
// what fails this test. The plaintext evaluator must agree with the cryptography on every cell.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keygen, setup } from '../../server/abe/waters11.ts';
import { satisfies } from '../../server/policy/policy.ts';
import { policyFor, RECORD_KINDS, type RecordKind } from '../../server/policy/record-policies.ts';
import { openRecord, sealRecord } from '../../server/records/record-cipher.ts';
import { createKeyring, currentKey, keyLookup, readerDataKey, serverDataKey } from '../../server/records/keyring.ts';
import { Rng } from '../../sim/rng.ts';

const rng = new Rng(6);
const random = (n: number) => rng.bytes(n);
const patient = { patientId: 'p-7f3a', careUnit: 'cardiology' };

const ROLES: Record<string, readonly string[]> = {
  'family': ['role:family', 'family-of:p-7f3a'],
  'family of another patient': ['role:family', 'family-of:p-0b12'],
  'physician, cardiology': ['role:physician', 'unit:cardiology'],
  'physician, other unit': ['role:physician', 'unit:neurology'],
  'emergency, on call': ['role:emergency', 'on-call'],
  'emergency, off call': ['role:emergency'],
  'technician': ['role:technician', 'unit:cardiology'],
};
const ALL = [...RECORD_KINDS];
const EXPECTED: Record<string, readonly RecordKind[]> = {
  'family': ['vitals', 'alarms'],
  'family of another patient': [],
  'physician, cardiology': ['vitals', 'alarms', 'ecg', 'history', 'stress'],
  'physician, other unit': [],
  'emergency, on call': ALL,
  'emergency, off call': [],
  'technician': [],
};

test('every role × every kind of record: opens exactly the expected cells', () => {
  const { mpk, msk } = setup(random);
  const kek = rng.bytes(32);
  const ring = createKeyring(patient, { mpk, kek, now: Date.UTC(2026, 10, 22), random });
  const records = new Map<RecordKind, Uint8Array>();
  for (const kind of RECORD_KINDS) {
    const k = serverDataKey(currentKey(ring, kind), kek);
    if (!k.ok) throw new Error(k.error.message);
    records.set(kind, sealRecord(`r-${kind}`, k.value, new TextEncoder().encode(`${kind} record`), random));
  }
  const table: string[] = [];
  for (const [role, attrs] of Object.entries(ROLES)) {
    const sk = keygen(mpk, msk, attrs, random);
    const opened: RecordKind[] = [];
    for (const kind of RECORD_KINDS) {
      const dk = readerDataKey(currentKey(ring, kind), sk);
      const policy = policyFor(kind, patient);
      assert.ok(policy.ok);
      if (policy.ok) assert.is(dk.ok, satisfies(policy.value, new Set(attrs)), `${role}/${kind}: crypto and evaluator disagree`);
      if (!dk.ok) { assert.is(dk.error.code, 'not-satisfied'); continue; }
      const rec = openRecord(records.get(kind)!, { patientId: patient.patientId, recordId: `r-${kind}`, kind }, keyLookup([dk.value]));
      assert.ok(rec.ok, `${role} opened the ${kind} key but not the record`);
      if (rec.ok) assert.is(new TextDecoder().decode(rec.value.plaintext), `${kind} record`);
      opened.push(kind);
    }
    assert.equal(opened.sort(), [...EXPECTED[role]!].sort(), role);
    table.push(`${role.padEnd(26)} ${RECORD_KINDS.map((k) => (opened.includes(k) ? k : '-'.repeat(k.length))).join(' ')}`);
  }
  console.log(table.join('\n'));
});

test.run();
