// Readings → FHIR R4 Observations, validated against the FHIR R4 JSON schema (ajv), with the
// LOINC codes and UCUM units checked one by one, the vital-signs value/dataAbsentReason rules
// (which the JSON schema cannot express) checked by hand, and sensor faults never carrying a value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeReadings, encodeReadings, FAULTS, RHYTHMS, SENSORS, type Reading } from '../../protocol/readings.ts';
import { toObservation, FhirParameterError, LOINC, UCUM, type Observation } from '../../server/fhir/observation.ts';
import { Rng } from '../../sim/rng.ts';
import { loadFhirSchema } from './schema.ts';

const fhir = loadFhirSchema();
const ctx = { patientId: 'p-7f3a', deviceId: 'lpu-0042' };
const t0 = Date.UTC(2026, 10, 22, 3, 0, 0);

function valid(o: unknown, type: 'Observation' | 'Bundle' = 'Observation'): void {
  const errors = fhir.validate(type, o);
  assert.equal(errors, [], JSON.stringify(o));
}
const loincCodes = (o: { code: Observation['code'] }) => (o.code.coding ?? []).filter((c) => c.system === LOINC).map((c) => c.code);

/** The vital-signs rules: value[x] xor dataAbsentReason (obs-6, vs-2) and per component (vs-3). */
function checkValueRules(o: Observation): void {
  const hasValue = o.valueQuantity !== undefined || o.valueCodeableConcept !== undefined;
  assert.not.ok(hasValue && o.dataAbsentReason, 'value and dataAbsentReason together');
  if (!o.component) assert.ok(hasValue || o.dataAbsentReason, 'neither value nor dataAbsentReason');
  for (const c of o.component ?? []) {
    assert.ok((c.valueQuantity !== undefined) !== (c.dataAbsentReason !== undefined), 'component needs exactly one of value or dataAbsentReason');
  }
}

test('the schema check is live: broken Observations are rejected', () => {
  const good = toObservation({ kind: 'heart-rate', heartRateBpm: 72, seq: 1, measuredAt: t0 }, ctx);
  valid(good);
  assert.ok(fhir.validate('Observation', { ...good, status: 'done' }).length > 0);
  assert.ok(fhir.validate('Observation', { ...good, valueQuantity: { value: '72' } }).length > 0);
  assert.ok(fhir.validate('Observation', { ...good, effectiveDateTime: '22/11/2026' }).length > 0);
  assert.ok(fhir.validate('Observation', { ...good, heartRateBpm: 72 }).length > 0);
});

test('heart rate: LOINC 8867-4, UCUM /min, vital-signs category, opaque subject, device, final', () => {
  const o = toObservation({ kind: 'heart-rate', heartRateBpm: 72.34, seq: 9, measuredAt: t0 }, ctx);
  valid(o);
  assert.equal(loincCodes(o), ['8867-4']);
  assert.equal(o.valueQuantity, { value: 72.3, unit: 'beats/minute', system: UCUM, code: '/min' });
  assert.is(o.category[0]!.coding![0]!.code, 'vital-signs');
  assert.is(o.status, 'final');
  assert.is(o.subject.reference, 'Patient/p-7f3a');
  assert.is(o.device?.reference, 'Device/lpu-0042');
  assert.is(o.effectiveDateTime, '2026-11-22T03:00:00.000Z');
  assert.is(o.id, 'p-7f3a-9');
  assert.equal(o.meta?.profile, ['http://hl7.org/fhir/StructureDefinition/heartrate']);
});

test('body temperature 8310-5 in Cel; blood pressure panel 85354-9 with 8480-6 / 8462-4 in mm[Hg]; SpO2 2708-6 in %', () => {
  const temp = toObservation({ kind: 'temperature', tempC: 37.256, seq: 2, measuredAt: t0 }, ctx);
  valid(temp);
  assert.equal(loincCodes(temp), ['8310-5']);
  assert.equal(temp.valueQuantity, { value: 37.26, unit: '°C', system: UCUM, code: 'Cel' });
  const bp = toObservation({ kind: 'blood-pressure', systolicMmHg: 128, diastolicMmHg: 82, seq: 3, measuredAt: t0 }, ctx);
  valid(bp);
  assert.equal(loincCodes(bp), ['85354-9']);
  assert.is(bp.valueQuantity, undefined);
  assert.equal(bp.component!.map((c) => [c.code.coding![0]!.code, c.valueQuantity!.value, c.valueQuantity!.code, c.valueQuantity!.system]), [
    ['8480-6', 128, 'mm[Hg]', UCUM],
    ['8462-4', 82, 'mm[Hg]', UCUM],
  ]);
  const sat = toObservation({ kind: 'spo2', spo2Percent: 97.5, seq: 4, measuredAt: t0 }, ctx);
  valid(sat);
  assert.equal(loincCodes(sat), ['2708-6', '59408-5']);
  assert.equal(sat.valueQuantity, { value: 97.5, unit: '%', system: UCUM, code: '%' });
  for (const rhythm of RHYTHMS) {
    const r = toObservation({ kind: 'rhythm', rhythm, seq: 5, measuredAt: t0 }, ctx);
    valid(r);
    assert.equal(loincCodes(r), ['8884-9']);
    assert.is(r.valueCodeableConcept!.coding![0]!.code, rhythm);
  }
});

test('every sensor × fault: no value anywhere, dataAbsentReason error, the fault in a note, valid', () => {
  const expected: Record<string, string> = { ecg: '8867-4', ppg: '2708-6', temperature: '8310-5', cuff: '85354-9' };
  for (const sensor of SENSORS) {
    for (const fault of FAULTS) {
      const o = toObservation({ kind: 'fault', sensor, fault, seq: 7, measuredAt: t0 }, ctx);
      valid(o);
      checkValueRules(o);
      const json = JSON.stringify(o);
      assert.not.match(json, /"value(Quantity|CodeableConcept|String|Integer|Boolean)"/, `${sensor}/${fault} carries a value`);
      assert.is(loincCodes(o)[0], expected[sensor]);
      const reasons = o.dataAbsentReason ? [o.dataAbsentReason] : (o.component ?? []).map((c) => c.dataAbsentReason!);
      assert.ok(reasons.length >= 1);
      for (const r of reasons) assert.equal(r.coding![0], { system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'error', display: 'Error' });
      assert.ok(o.note![0]!.text.includes(fault));
      assert.is(o.status, 'final', 'a fault is a final "no value", not entered-in-error');
    }
  }
});

test('random readings through the wire codec: every Observation valid, values survive, rules hold', () => {
  const rng = new Rng(3);
  const readings: Reading[] = [];
  for (let seq = 1; seq <= 200; seq++) {
    const measuredAt = t0 + seq * 1000;
    const pick = rng.int(0, 5);
    readings.push(
      pick === 0 ? { kind: 'heart-rate', heartRateBpm: rng.uniform(30, 220), seq, measuredAt }
      : pick === 1 ? { kind: 'temperature', tempC: rng.uniform(33, 42), seq, measuredAt }
      : pick === 2 ? { kind: 'blood-pressure', systolicMmHg: rng.int(70, 220), diastolicMmHg: rng.int(40, 130), seq, measuredAt }
      : pick === 3 ? { kind: 'spo2', spo2Percent: rng.uniform(70, 100), seq, measuredAt }
      : pick === 4 ? { kind: 'rhythm', rhythm: RHYTHMS[rng.int(0, RHYTHMS.length - 1)]!, seq, measuredAt }
      : { kind: 'fault', sensor: SENSORS[rng.int(0, 3)]!, fault: FAULTS[rng.int(0, 4)]!, seq, measuredAt },
    );
  }
  const decoded = decodeReadings(encodeReadings(readings));
  assert.ok(decoded.ok);
  if (!decoded.ok) return;
  for (const r of decoded.value) {
    const o = toObservation(r, ctx);
    valid(o);
    checkValueRules(o);
    assert.is(Date.parse(o.effectiveDateTime), r.measuredAt);
    if (r.kind === 'heart-rate') assert.ok(Math.abs(o.valueQuantity!.value - r.heartRateBpm) < 0.051);
    if (r.kind === 'temperature') assert.ok(Math.abs(o.valueQuantity!.value - r.tempC) < 0.0051);
  }
});

test('ids that are not FHIR ids are refused', () => {
  assert.throws(() => toObservation({ kind: 'heart-rate', heartRateBpm: 60, seq: 1, measuredAt: t0 }, { patientId: 'Jane Doe', deviceId: 'x' }), (e: unknown) => e instanceof FhirParameterError);
});

test.run();
