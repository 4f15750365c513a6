// The read-only, access-checked FHIR search handler: Bundles and OperationOutcomes validate against
// the FHIR R4 schema; each reader sees exactly the Observations their attributes allow (rhythm is
// an ECG record, the rest vitals); refusals are 403, bad queries 400; date, code and _count work.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Reading } from '../../protocol/readings.ts';
import { fhirObservations, parseObservationQuery, type FhirResponse } from '../../server/fhir/search.ts';
import { loadFhirSchema } from './schema.ts';

const fhir = loadFhirSchema();
const t0 = Date.UTC(2026, 10, 21, 22, 0, 0);
const readings: Reading[] = [
  { kind: 'heart-rate', heartRateBpm: 71, seq: 1, measuredAt: t0 },
  { kind: 'rhythm', rhythm: 'sinus', seq: 2, measuredAt: t0 + 1000 },
  { kind: 'temperature', tempC: 36.9, seq: 3, measuredAt: t0 + 2000 },
  { kind: 'blood-pressure', systolicMmHg: 131, diastolicMmHg: 84, seq: 4, measuredAt: t0 + 3 * 3_600_000 },
  { kind: 'fault', sensor: 'ecg', fault: 'lead-off', seq: 5, measuredAt: t0 + 4 * 3_600_000 },
  { kind: 'rhythm', rhythm: 'af', seq: 6, measuredAt: t0 + 5 * 3_600_000 },
  { kind: 'heart-rate', heartRateBpm: 118, seq: 7, measuredAt: t0 + 5 * 3_600_000 + 10 },
];
const patient = { patientId: 'p-7f3a', careUnit: 'cardiology', deviceId: 'lpu-0042', readings };
const readers = {
  family: { attributes: ['role:family', 'family-of:p-7f3a'] },
  otherFamily: { attributes: ['role:family', 'family-of:p-0b12'] },
  physician: { attributes: ['role:physician', 'unit:cardiology'] },
  otherPhysician: { attributes: ['role:physician', 'unit:neurology'] },
  emergency: { attributes: ['role:emergency', 'on-call'] },
  offCall: { attributes: ['role:emergency'] },
  technician: { attributes: ['role:technician'] },
};

function bundleSeqs(r: FhirResponse): number[] {
  assert.is(r.status, 200);
  assert.is(r.contentType, 'application/fhir+json');
  assert.equal(fhir.validate('Bundle', r.body), []);
  if (r.body.resourceType !== 'Bundle') throw new Error('not a bundle');
  for (const e of r.body.entry) assert.is(e.fullUrl, `https://bsn-care.invalid/fhir/Observation/${e.resource.id}`);
  return r.body.entry.map((e) => Number(e.resource.id.split('-').pop()));
}
function refused(r: FhirResponse, status: 400 | 403): string {
  assert.is(r.status, status);
  assert.equal(fhir.validate('OperationOutcome', r.body), []);
  if (r.body.resourceType !== 'OperationOutcome') throw new Error('not an outcome');
  return r.body.issue[0]!.code;
}

test('who sees what: family the current vitals only, physician and on-call emergency also the ECG rhythm and the history', () => {
  // Family: the newest Observation of each vital (heart rate 7, BP 4, temperature 3), no history.
  assert.equal(bundleSeqs(fhirObservations(readers.family, patient, {})), [7, 4, 3]);
  assert.equal(bundleSeqs(fhirObservations(readers.physician, patient, {})), [7, 6, 5, 4, 3, 2, 1]);
  assert.equal(bundleSeqs(fhirObservations(readers.emergency, patient, {})), [7, 6, 5, 4, 3, 2, 1]);
});

test('readers without the attributes are refused with 403 (not an empty page)', () => {
  for (const r of [readers.otherFamily, readers.otherPhysician, readers.offCall, readers.technician]) {
    assert.is(refused(fhirObservations(r, patient, {}), 403), 'forbidden');
  }
  // The family asking only for the ECG rhythm: forbidden, not silently empty.
  assert.is(refused(fhirObservations(readers.family, patient, { code: '8884-9' }), 403), 'forbidden');
});

test('code, date and _count filters; total counts every visible match', () => {
  assert.equal(bundleSeqs(fhirObservations(readers.physician, patient, { code: '8867-4' })), [7, 5, 1], 'heart rate includes its fault');
  assert.equal(bundleSeqs(fhirObservations(readers.physician, patient, { code: 'http://loinc.org|8310-5,85354-9' })), [4, 3]);
  assert.equal(bundleSeqs(fhirObservations(readers.physician, patient, new URLSearchParams('date=ge2026-11-22T01:00:00Z&date=lt2026-11-22T03:00:00Z'))), [5, 4], '01:00 <= t < 03:00');
  const page = fhirObservations(readers.physician, patient, { _count: '2' });
  assert.equal(bundleSeqs(page), [7, 6]);
  assert.is(page.body.resourceType === 'Bundle' && page.body.total, 7);
  assert.equal(bundleSeqs(fhirObservations(readers.physician, patient, { date: 'eq2026-11-21' })), [3, 2, 1]);
  // A family member asking for heart rate and rhythm gets the current heart rate only.
  assert.equal(bundleSeqs(fhirObservations(readers.family, patient, { code: '8867-4,8884-9' })), [7]);
  // ... and a date range in the past does not reach the history: on 21 Nov only the temperature,
  // still the current one (the physician sees [3, 2, 1] there).
  assert.equal(bundleSeqs(fhirObservations(readers.family, patient, { date: 'eq2026-11-21' })), [3]);
});

test('bad queries are 400 with typed parse errors', () => {
  const cases: [Record<string, string>, string][] = [
    [{ code: '1234-5' }, 'bad-code'],
    [{ code: 'http://snomed.info/sct|8867-4' }, 'bad-code'],
    [{ date: 'yesterday' }, 'bad-date'],
    [{ date: 'ge2026-13-45' }, 'bad-date'],
    [{ _count: '0' }, 'bad-count'],
    [{ _count: '100000' }, 'bad-count'],
    [{ _sort: 'date' }, 'unsupported-parameter'],
  ];
  assert.equal(bundleSeqs(fhirObservations(readers.family, patient, { subject: 'Patient/p-7f3a', code: '8310-5' })), [3]);
  assert.is(refused(fhirObservations(readers.family, patient, { subject: 'Patient/p-0b12' }), 400), 'invalid');
  const two = parseObservationQuery(new URLSearchParams('subject=Patient/a&patient=b'));
  assert.ok(!two.ok && two.error.code === 'bad-subject');
  for (const [q, code] of cases) {
    const p = parseObservationQuery(q);
    assert.ok(!p.ok && p.error.code === code, JSON.stringify(q));
    assert.is(refused(fhirObservations(readers.physician, patient, q), 400), 'invalid');
  }
});

test.run();
