// Which policy protects which kind of record, kept as data. `{patient}` and `{unit}` are filled
// with the patient's opaque id and care unit, so a family key opens only its own patient's
// records and a physician key only the records of patients in the physician's unit.
// Role scoping (issue 6): the family sees vitals and alarms; the treating physician also the
// ECG, the history and the stress estimate; the on-call emergency unit also the verified location.
import { parsePolicy, type Policy, type PolicyResult } from './policy.ts';

export const RECORD_KINDS = ['vitals', 'ecg', 'history', 'location', 'alarms', 'stress'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export const RECORD_POLICIES: Readonly<Record<RecordKind, string>> = {
  vitals: '(role:family AND family-of:{patient}) OR (role:physician AND unit:{unit}) OR (role:emergency AND on-call)',
  alarms: '(role:family AND family-of:{patient}) OR (role:physician AND unit:{unit}) OR (role:emergency AND on-call)',
  ecg: '(role:physician AND unit:{unit}) OR (role:emergency AND on-call)',
  history: '(role:physician AND unit:{unit}) OR (role:emergency AND on-call)',
  stress: '(role:physician AND unit:{unit}) OR (role:emergency AND on-call)',
  location: 'role:emergency AND on-call',
};

export interface PolicySubject {
  /** Opaque patient id (no identity): lowercase letters, digits, `_ . -`. */
  readonly patientId: string;
  /** The patient's care unit, e.g. `cardiology`. */
  readonly careUnit: string;
}

const VALUE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

export function isRecordKind(s: string): s is RecordKind {
  return (RECORD_KINDS as readonly string[]).includes(s);
}

/** The policy text for a kind of record of one patient, placeholders filled. */
export function policyTextFor(kind: RecordKind, subject: PolicySubject, table: Readonly<Record<RecordKind, string>> = RECORD_POLICIES): PolicyResult<string> {
  for (const [name, v] of [['patient', subject.patientId], ['unit', subject.careUnit]] as const) {
    if (!VALUE.test(v)) return { ok: false, error: { code: 'bad-attribute', message: `${name} ${JSON.stringify(v)} must be 1-64 of a-z 0-9 _ . - (starting with a letter or digit)`, position: 0 } };
  }
  const text = table[kind].replaceAll('{patient}', subject.patientId).replaceAll('{unit}', subject.careUnit);
  return { ok: true, value: text };
}

export function policyFor(kind: RecordKind, subject: PolicySubject, table: Readonly<Record<RecordKind, string>> = RECORD_POLICIES): PolicyResult<Policy> {
  const t = policyTextFor(kind, subject, table);
  return t.ok ? parsePolicy(t.value) : t;
}
