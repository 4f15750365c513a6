// Readings as HL7 FHIR R4 Observations (vital-signs profiles): heart rate LOINC 8867-4 in /min,
// body temperature 8310-5 in Cel, blood pressure panel 85354-9 with systolic 8480-6 and diastolic
// 8462-4 components in mm[Hg], oxygen saturation 2708-6 + 59408-5 in %; the ECG rhythm as 8884-9
// with a local code. Units are UCUM. The subject is an opaque patient id, never an identity.
// A sensor fault means there is no value: the Observation carries dataAbsentReason `error` (in
// the components for the panel) and the fault in a note — never a number, never an alarm.
import type { Reading, Sensor } from '../../protocol/readings.ts';
import type { RecordKind } from '../policy/record-policies.ts';

export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const ABSENT = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
export const RHYTHM_SYSTEM = 'https://bsn-care.invalid/fhir/CodeSystem/ecg-rhythm';
/**
 * The stress estimate has no LOINC code (LOINC's stress codes are questionnaires), so it carries
 * a local code: level low/normal/high as the value, the 0-100 fuzzy score as a component.
 */
export const BSN_OBSERVATION_SYSTEM = 'https://bsn-care.invalid/fhir/CodeSystem/observation';
export const STRESS_LEVEL_SYSTEM = 'https://bsn-care.invalid/fhir/CodeSystem/stress-level';
export const STRESS_CODE = 'stress-level';

export interface Coding { readonly system: string; readonly code: string; readonly display?: string }
export interface CodeableConcept { readonly coding?: readonly Coding[]; readonly text?: string }
export interface Quantity { readonly value: number; readonly unit: string; readonly system: string; readonly code: string }
export interface Reference { readonly reference: string }
export interface ObservationComponent {
  readonly code: CodeableConcept;
  readonly valueQuantity?: Quantity;
  readonly dataAbsentReason?: CodeableConcept;
}
export interface Observation {
  readonly resourceType: 'Observation';
  readonly id: string;
  readonly meta?: { readonly profile: readonly string[] };
  readonly status: 'final';
  readonly category: readonly CodeableConcept[];
  readonly code: CodeableConcept;
  readonly subject: Reference;
  readonly effectiveDateTime: string;
  readonly device?: Reference;
  readonly valueQuantity?: Quantity;
  readonly valueCodeableConcept?: CodeableConcept;
  readonly dataAbsentReason?: CodeableConcept;
  readonly component?: readonly ObservationComponent[];
  readonly note?: readonly { readonly text: string }[];
}

interface Code { readonly code: string; readonly display: string }
export const CODES = {
  heartRate: { code: '8867-4', display: 'Heart rate' },
  bodyTemperature: { code: '8310-5', display: 'Body temperature' },
  bloodPressure: { code: '85354-9', display: 'Blood pressure panel with all children optional' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure' },
  spo2: { code: '2708-6', display: 'Oxygen saturation in Arterial blood' },
  spo2Pulse: { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
  rhythm: { code: '8884-9', display: 'Heart rate rhythm' },
} as const satisfies Record<string, Code>;

const VS = 'http://hl7.org/fhir/StructureDefinition/';
const loinc = (...cs: Code[]): CodeableConcept => ({ coding: cs.map((c) => ({ system: LOINC, code: c.code, display: c.display })), text: cs[0]!.display });
const qty = (value: number, unit: string, code: string): Quantity => ({ value, unit, system: UCUM, code });
const vitalSigns: CodeableConcept = { coding: [{ system: CATEGORY, code: 'vital-signs', display: 'Vital Signs' }], text: 'Vital Signs' };
const exam: CodeableConcept = { coding: [{ system: CATEGORY, code: 'exam', display: 'Exam' }], text: 'Exam' };
const absent = (why: string): CodeableConcept => ({ coding: [{ system: ABSENT, code: 'error', display: 'Error' }], text: why });
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Which record kind (and so which access policy) an Observation of this reading belongs to. */
export function recordKindOf(r: Reading): RecordKind {
  return r.kind === 'rhythm' ? 'ecg' : r.kind === 'stress' ? 'stress' : 'vitals';
}

/** The LOINC code an Observation of this reading carries. */
export function loincOf(r: Reading): string {
  switch (r.kind) {
    case 'heart-rate': return CODES.heartRate.code;
    case 'temperature': return CODES.bodyTemperature.code;
    case 'blood-pressure': return CODES.bloodPressure.code;
    case 'spo2': return CODES.spo2.code;
    case 'rhythm': return CODES.rhythm.code;
    case 'fault': return FAULT_TARGET[r.sensor];
    case 'stress': return STRESS_CODE;
  }
}

/** The vital sign a faulty sensor fails to deliver. */
const FAULT_TARGET: Record<Sensor, string> = {
  ecg: CODES.heartRate.code,
  ppg: CODES.spo2.code,
  temperature: CODES.bodyTemperature.code,
  cuff: CODES.bloodPressure.code,
};

export interface ObservationContext {
  /** Opaque patient id, FHIR id characters: A-Z a-z 0-9 - . */
  readonly patientId: string;
  /** Opaque device (LPU) id. */
  readonly deviceId: string;
}

export const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

export class FhirParameterError extends RangeError {
  override readonly name = 'FhirParameterError';
}

export function toObservation(r: Reading, ctx: ObservationContext): Observation {
  if (!FHIR_ID.test(ctx.patientId) || !FHIR_ID.test(ctx.deviceId) || ctx.patientId.length > 48) throw new FhirParameterError('patient and device ids must be FHIR ids (patient at most 48 characters)');
  const base = {
    resourceType: 'Observation' as const,
    id: `${ctx.patientId}-${r.seq}`,
    status: 'final' as const,
    subject: { reference: `Patient/${ctx.patientId}` },
    effectiveDateTime: new Date(r.measuredAt).toISOString(),
    device: { reference: `Device/${ctx.deviceId}` },
  };
  const profile = (p: string) => ({ meta: { profile: [VS + p] } });
  switch (r.kind) {
    case 'heart-rate':
      return { ...base, ...profile('heartrate'), category: [vitalSigns], code: loinc(CODES.heartRate), valueQuantity: qty(round(r.heartRateBpm, 1), 'beats/minute', '/min') };
    case 'temperature':
      return { ...base, ...profile('bodytemp'), category: [vitalSigns], code: loinc(CODES.bodyTemperature), valueQuantity: qty(round(r.tempC, 2), '°C', 'Cel') };
    case 'blood-pressure':
      return {
        ...base, ...profile('bp'), category: [vitalSigns], code: loinc(CODES.bloodPressure),
        component: [
          { code: loinc(CODES.systolic), valueQuantity: qty(r.systolicMmHg, 'mmHg', 'mm[Hg]') },
          { code: loinc(CODES.diastolic), valueQuantity: qty(r.diastolicMmHg, 'mmHg', 'mm[Hg]') },
        ],
      };
    case 'spo2':
      return { ...base, ...profile('oxygensat'), category: [vitalSigns], code: loinc(CODES.spo2, CODES.spo2Pulse), valueQuantity: qty(round(r.spo2Percent, 1), '%', '%') };
    case 'rhythm':
      return { ...base, category: [exam], code: loinc(CODES.rhythm), valueCodeableConcept: { coding: [{ system: RHYTHM_SYSTEM, code: r.rhythm }], text: RHYTHM_TEXT[r.rhythm] } };
    case 'stress':
      return {
        ...base, category: [{ text: 'Wellbeing (informational)' }],
        code: { coding: [{ system: BSN_OBSERVATION_SYSTEM, code: STRESS_CODE, display: 'Stress level (fuzzy estimate)' }], text: 'Stress level' },
        valueCodeableConcept: { coding: [{ system: STRESS_LEVEL_SYSTEM, code: r.level }], text: `Stress ${r.level}` },
        component: [{
          code: { coding: [{ system: BSN_OBSERVATION_SYSTEM, code: 'stress-score', display: 'Stress score 0-100' }], text: 'Stress score' },
          valueQuantity: qty(r.score, 'score', '{score}'),
        }],
      };
    case 'fault': {
      const why = `sensor fault: ${r.fault} (${r.sensor})`;
      const note = [{ text: why }];
      switch (FAULT_TARGET[r.sensor]) {
        case CODES.heartRate.code:
          return { ...base, ...profile('heartrate'), category: [vitalSigns], code: loinc(CODES.heartRate), dataAbsentReason: absent(why), note };
        case CODES.spo2.code:
          return { ...base, ...profile('oxygensat'), category: [vitalSigns], code: loinc(CODES.spo2, CODES.spo2Pulse), dataAbsentReason: absent(why), note };
        case CODES.bodyTemperature.code:
          return { ...base, ...profile('bodytemp'), category: [vitalSigns], code: loinc(CODES.bodyTemperature), dataAbsentReason: absent(why), note };
        default:
          // The panel has no value of its own: each required component says why it is absent.
          return {
            ...base, ...profile('bp'), category: [vitalSigns], code: loinc(CODES.bloodPressure), note,
            component: [{ code: loinc(CODES.systolic), dataAbsentReason: absent(why) }, { code: loinc(CODES.diastolic), dataAbsentReason: absent(why) }],
          };
      }
    }
  }
}

const RHYTHM_TEXT: Record<Extract<Reading, { kind: 'rhythm' }>['rhythm'], string> = {
  sinus: 'Sinus rhythm',
  af: 'Atrial fibrillation',
  asystole: 'Asystole',
  vf: 'Ventricular fibrillation',
  vt: 'Ventricular tachycardia',
  unknown: 'Rhythm not classified',
};
