// A read-only, access-checked FHIR search over one patient's readings:
//   GET [base]/Observation?subject=Patient/ID&code=8867-4,8310-5&date=ge2026-01-01&_count=50
// `fhirObservations(reader, patient, query)` is the whole handler: the server mounts it on a route
// after it has authenticated the reader (their attributes) and decrypted the readings. Access is
// the plaintext evaluation of the same policies that wrap the data keys (record-policies.ts),
// per kind of record: a reader sees only the Observations whose kind their attributes satisfy.
// Answers are a searchset Bundle (200) or an OperationOutcome (400 bad query, 403 forbidden).
// History: a reader whose attributes do not open the `history` kind sees only the newest
// Observation of each code (the current values), as on the cloud-link page (family: the latest
// vitals, no 24-hour trends). That cut is made here, at read time: the readings are sealed under
// the vitals key either way (server/records/README.md).
import type { Reading } from '../../protocol/readings.ts';
import { satisfies } from '../policy/policy.ts';
import { policyFor, RECORD_POLICIES, type RecordKind } from '../policy/record-policies.ts';
import { BSN_OBSERVATION_SYSTEM, CODES, LOINC, loincOf, recordKindOf, STRESS_CODE, toObservation, type Observation } from './observation.ts';

export interface Bundle {
  readonly resourceType: 'Bundle';
  readonly type: 'searchset';
  readonly total: number;
  readonly link: readonly { readonly relation: string; readonly url: string }[];
  readonly entry: readonly { readonly fullUrl: string; readonly resource: Observation; readonly search: { readonly mode: 'match' } }[];
}
export interface OperationOutcome {
  readonly resourceType: 'OperationOutcome';
  readonly issue: readonly { readonly severity: 'error'; readonly code: 'invalid' | 'forbidden' | 'not-supported' | 'login'; readonly diagnostics: string }[];
}
export type FhirResponse =
  | { readonly status: 200; readonly contentType: 'application/fhir+json'; readonly body: Bundle }
  | { readonly status: 400 | 401 | 403 | 405; readonly contentType: 'application/fhir+json'; readonly body: OperationOutcome };

export interface FhirReader {
  /** The reader's attributes, as in their CP-ABE key (e.g. role:physician, unit:cardiology). */
  readonly attributes: readonly string[];
}
export interface FhirPatient {
  readonly patientId: string;
  readonly careUnit: string;
  readonly deviceId: string;
  /** Decrypted readings of this patient. */
  readonly readings: readonly Reading[];
}
export interface ObservationQuery {
  /** LOINC codes (any of); empty = all. */
  readonly codes: readonly string[];
  /** Inclusive bounds, ms since the Unix epoch. */
  readonly from?: number;
  readonly to?: number;
  readonly count: number;
  /** `subject`/`patient` as given (`Patient/ID` or `ID`); must name the route's patient. */
  readonly subject?: string;
}

export const SEARCHABLE_CODES: readonly string[] = [CODES.heartRate.code, CODES.bodyTemperature.code, CODES.bloodPressure.code, CODES.spo2.code, CODES.rhythm.code, STRESS_CODE];
export const MAX_COUNT = 1000;

export type QueryErrorCode = 'bad-code' | 'bad-date' | 'bad-count' | 'bad-subject' | 'unsupported-parameter';
export type QueryResult = { readonly ok: true; readonly value: ObservationQuery } | { readonly ok: false; readonly error: { readonly code: QueryErrorCode; readonly message: string } };

const code0 = (code: string) => (code === STRESS_CODE ? BSN_OBSERVATION_SYSTEM : LOINC);

/** Parses FHIR search parameters (as from a URL); never throws. */
export function parseObservationQuery(params: URLSearchParams | Readonly<Record<string, string | readonly string[]>>): QueryResult {
  const entries: [string, string][] = params instanceof URLSearchParams
    ? [...params.entries()]
    : Object.entries(params).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as [string, string]] : v.map((x) => [k, x] as [string, string])));
  const codes: string[] = [];
  let from: number | undefined, to: number | undefined, count = 100, subject: string | undefined;
  const bad = (code: QueryErrorCode, message: string): QueryResult => ({ ok: false, error: { code, message } });
  for (const [k, v] of entries) {
    if (k === 'code') {
      for (const token of v.split(',')) {
        const [sys, code] = token.includes('|') ? token.split('|', 2) as [string, string] : [code0(token), token];
        if (sys !== code0(code) && sys !== '') return bad('bad-code', `only ${LOINC} codes (and ${BSN_OBSERVATION_SYSTEM}|${STRESS_CODE}) are searchable`);
        if (!SEARCHABLE_CODES.includes(code)) return bad('bad-code', `code ${JSON.stringify(code)} is not one of ${SEARCHABLE_CODES.join(', ')}`);
        codes.push(code);
      }
    } else if (k === 'date') {
      const m = /^(ge|le|gt|lt|eq)?(\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?)$/.exec(v);
      const t = m ? Date.parse(m[2]!.length === 10 ? `${m[2]}T00:00:00Z` : m[2]!) : NaN;
      if (!m || !Number.isFinite(t)) return bad('bad-date', `date ${JSON.stringify(v)}: use [ge|le|gt|lt|eq]YYYY-MM-DD[Thh:mm[:ss][Z|±hh:mm]]`);
      const day = m[2]!.length === 10 ? 86_400_000 - 1 : 0;
      switch (m[1] ?? 'eq') {
        case 'ge': from = Math.max(from ?? -Infinity, t); break;
        case 'gt': from = Math.max(from ?? -Infinity, t + day + 1); break;
        case 'le': to = Math.min(to ?? Infinity, t + day); break;
        case 'lt': to = Math.min(to ?? Infinity, t - 1); break;
        default: from = Math.max(from ?? -Infinity, t); to = Math.min(to ?? Infinity, t + day);
      }
    } else if (k === '_count') {
      if (!/^\d{1,4}$/.test(v) || Number(v) < 1 || Number(v) > MAX_COUNT) return bad('bad-count', `_count must be 1..${MAX_COUNT}`);
      count = Number(v);
    } else if (k === 'subject' || k === 'patient') {
      if (subject !== undefined && subject !== v) return bad('bad-subject', 'two different subjects');
      subject = v;
    } else {
      return bad('unsupported-parameter', `search parameter ${JSON.stringify(k)} is not supported`);
    }
  }
  return { ok: true, value: { codes, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), count, ...(subject !== undefined ? { subject } : {}) } };
}

export const outcome = (status: 400 | 401 | 403 | 405, code: 'invalid' | 'forbidden' | 'not-supported' | 'login', diagnostics: string): FhirResponse => ({
  status, contentType: 'application/fhir+json', body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] },
});

/** The kinds of record this reader may read for this patient (plaintext policy check). */
export function readableKinds(reader: FhirReader, patient: { readonly patientId: string; readonly careUnit: string }, table: Readonly<Record<RecordKind, string>> = RECORD_POLICIES): Set<RecordKind> {
  const attrs = new Set(reader.attributes);
  const out = new Set<RecordKind>();
  for (const kind of Object.keys(table) as RecordKind[]) {
    const p = policyFor(kind, { patientId: patient.patientId, careUnit: patient.careUnit }, table);
    if (p.ok && satisfies(p.value, attrs)) out.add(kind);
  }
  return out;
}

/**
 * The read-only handler. `query` is either parsed already or raw search parameters. Newest
 * first, at most `count` entries; `total` counts all matches the reader may see.
 */
export function fhirObservations(
  reader: FhirReader,
  patient: FhirPatient,
  query: ObservationQuery | URLSearchParams | Readonly<Record<string, string | readonly string[]>>,
  baseUrl = 'https://bsn-care.invalid/fhir',
): FhirResponse {
  let q: ObservationQuery;
  if (query instanceof URLSearchParams || !('count' in query && 'codes' in query && Array.isArray(query.codes))) {
    const parsed = parseObservationQuery(query as URLSearchParams | Readonly<Record<string, string | readonly string[]>>);
    if (!parsed.ok) return outcome(400, 'invalid', parsed.error.message);
    q = parsed.value;
  } else q = query as ObservationQuery;
  // The route fixes the patient: a query naming another one is a mistake, not a second lookup.
  if (q.subject !== undefined && q.subject !== patient.patientId && q.subject !== `Patient/${patient.patientId}`) {
    return outcome(400, 'invalid', 'the subject parameter does not name this route\'s patient');
  }
  const kinds = readableKinds(reader, patient);
  const wanted = (r: Reading) => q.codes.length === 0 || q.codes.includes(loincOf(r));
  // Refuse outright when nothing asked for is visible to this reader (rather than an empty page
  // that would look like "no data").
  const askedKinds: RecordKind[] = q.codes.length ? q.codes.map((c): RecordKind => (c === CODES.rhythm.code ? 'ecg' : c === STRESS_CODE ? 'stress' : 'vitals')) : ['vitals', 'ecg', 'stress'];
  if (!askedKinds.some((k) => kinds.has(k))) return outcome(403, 'forbidden', 'the reader\'s attributes do not satisfy the policy of the requested observations');
  let matches = patient.readings
    .filter((r) => kinds.has(recordKindOf(r)) && wanted(r))
    .sort((a, b) => b.measuredAt - a.measuredAt || b.seq - a.seq);
  if (!kinds.has('history')) {
    // The newest of each code only (the list is newest first), before the date filter: an older
    // date range does not reach back into the history.
    const seen = new Set<string>();
    matches = matches.filter((r) => !seen.has(loincOf(r)) && (seen.add(loincOf(r)), true));
  }
  matches = matches.filter((r) => (q.from === undefined || r.measuredAt >= q.from) && (q.to === undefined || r.measuredAt <= q.to));
  const page = matches.slice(0, q.count).map((r) => toObservation(r, patient));
  const self = `${baseUrl}/Observation?subject=Patient/${patient.patientId}${q.codes.length ? `&code=${q.codes.join(',')}` : ''}&_count=${q.count}`;
  return {
    status: 200,
    contentType: 'application/fhir+json',
    body: {
      resourceType: 'Bundle', type: 'searchset', total: matches.length, link: [{ relation: 'self', url: self }],
      entry: page.map((o) => ({ fullUrl: `${baseUrl}/Observation/${o.id}`, resource: o, search: { mode: 'match' as const } })),
    },
  };
}
