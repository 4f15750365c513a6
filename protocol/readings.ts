// The payloads sealed inside data frames (pure, no I/O): the LPU encodes readings, the server
// decodes them and answers with an acknowledgement. All integers big-endian.
//
// Uplink, LPU -> server, a batch of readings:
//   u8 format = 1 | u8 type = 0x01 | u8 count (1..MAX_BATCH) | reading * count
//   reading: u32 seq | u8 kind | u64 measuredAt (ms since the Unix epoch) | u8 length | value
//   values by kind (fixed lengths):
//     0x01 heart rate      u16 heartRateBpm x 10                           (2 bytes)
//     0x02 temperature     i16 tempC x 100                                 (2 bytes)
//     0x03 blood pressure  u16 systolicMmHg | u16 diastolicMmHg            (4 bytes)
//     0x04 rhythm          u8 rhythm code (RHYTHMS)                        (1 byte)
//     0x05 SpO2            u16 spo2Percent x 10                            (2 bytes)
//     0x06 sensor fault    u8 sensor code (SENSORS) | u8 fault code (FAULTS) (2 bytes)
//     0x07 alarm event     u8 condition (ALARM_CONDITIONS) | u8 level (ALARM_LEVELS) | u8 change (ALARM_CHANGES) (3 bytes)
//     0x08 escalation      u8 contact (CONTACTS) | u8 channel (CHANNELS) | u8 outcome (OUTCOMES) (3 bytes):
//                          what the LPU did on its own while the server was unreachable
//     0x09 stress          u8 level (STRESS_LEVELS) | u8 score 0-100 (fuzzy centroid, rounded) (2 bytes):
//                          informational, never an alarm (firmware/stress/README.md)
// Kinds 0x07-0x08 and the fault codes from 'noisy' on were added after format 1 was first used;
// every earlier encoding is unchanged, so old batches decode as before.
// Downlink, server -> LPU, the acknowledgement:
//   u8 format = 1 | u8 type = 0x81 | u32 ackedSeq (highest seq such that all of 1..ackedSeq are stored; 0 = none)
// Sequence numbers start at 1 and are per LPU (kept across sessions in the LPU's EEPROM).
// Uplink, LPU -> server, an ECG strip (the last seconds of lead II; answered with the same ack):
//   u8 format = 1 | u8 type = 0x02 | u64 startAt (ms, Unix epoch) | u8 rateHz (1..250)
//   | u16 count (2..2500) | u8 scaleUv (µV per step, 1..255) | sample * count
//   sample: i8 delta in steps from the previous sample (-127..127)
//         | 0x80 0x00            missing sample (electrode off): shown as a gap, never as a value
//         | 0x80 0x01 i16 value  absolute value in steps: the first sample, the first after a gap
//                                (a delta there is bad-value), and any jump beyond ±127 steps
// See encodeEcgStrip / decodeEcgStrip below and protocol/README.md section 8.1.

export const PAYLOAD_FORMAT = 1;
export const TYPE_READINGS = 0x01;
export const TYPE_ACK = 0x81;
export const MAX_BATCH = 255;

export const RHYTHMS = ['sinus', 'af', 'asystole', 'vf', 'vt', 'unknown'] as const;
export type Rhythm = (typeof RHYTHMS)[number];
export const SENSORS = ['ecg', 'ppg', 'temperature', 'cuff'] as const;
export type Sensor = (typeof SENSORS)[number];
// Codes are list positions: append only, never reorder.
export const FAULTS = [
  'lead-off', 'cuff-leak', 'adc-saturated', 'no-signal', 'out-of-range',
  'noisy', 'flat', 'no-pulse', 'probe-open', 'implausible', 'overpressure', 'timeout', 'sensor-fault', 'no-oscillations', 'motion', 'pump-fault',
] as const;
export type Fault = (typeof FAULTS)[number];
export const ALARM_CONDITIONS = ['asystole', 'bradycardia', 'tachycardia', 'irregular-rhythm', 'hypertension', 'fever', 'other'] as const;
export type AlarmConditionCode = (typeof ALARM_CONDITIONS)[number];
export const ALARM_LEVELS = ['mild', 'moderate', 'severe', 'critical'] as const;
export type AlarmLevelCode = (typeof ALARM_LEVELS)[number];
export const ALARM_CHANGES = ['raised', 'changed', 'cleared'] as const;
export type AlarmChange = (typeof ALARM_CHANGES)[number];
export const CONTACTS = ['family', 'clinic', 'emergency'] as const;
export type Contact = (typeof CONTACTS)[number];
export const CHANNELS = ['sms', 'call'] as const;
export type EscalationChannel = (typeof CHANNELS)[number];
export const OUTCOMES = ['sent', 'failed', 'answered', 'busy', 'no-answer'] as const;
export type EscalationOutcome = (typeof OUTCOMES)[number];
export const STRESS_LEVELS = ['low', 'normal', 'high'] as const;
export type StressLevelCode = (typeof STRESS_LEVELS)[number];

export type ReadingValue =
  | { readonly kind: 'heart-rate'; readonly heartRateBpm: number }
  | { readonly kind: 'temperature'; readonly tempC: number }
  | { readonly kind: 'blood-pressure'; readonly systolicMmHg: number; readonly diastolicMmHg: number }
  | { readonly kind: 'rhythm'; readonly rhythm: Rhythm }
  | { readonly kind: 'spo2'; readonly spo2Percent: number }
  | { readonly kind: 'fault'; readonly sensor: Sensor; readonly fault: Fault }
  | { readonly kind: 'stress'; readonly level: StressLevelCode; readonly score: number };

/** Events the LPU reports besides measurements (kinds 0x07, 0x08). */
export type EventValue =
  | { readonly kind: 'alarm'; readonly condition: AlarmConditionCode; readonly level: AlarmLevelCode; readonly change: AlarmChange }
  | { readonly kind: 'escalation'; readonly contact: Contact; readonly channel: EscalationChannel; readonly outcome: EscalationOutcome };
export type EventKind = EventValue['kind'];
export const EVENT_KINDS: readonly EventKind[] = ['alarm', 'escalation'];

export type ReadingKind = ReadingValue['kind'];
export const READING_KINDS: readonly ReadingKind[] = ['heart-rate', 'temperature', 'blood-pressure', 'rhythm', 'spo2', 'fault', 'stress'];

export type Reading = ReadingValue & {
  readonly seq: number;
  /** ms since the Unix epoch, as the LPU measured it. */
  readonly measuredAt: number;
};

/** An event with its sequence number and time (same numbering as readings). */
export type EventReading = EventValue & { readonly seq: number; readonly measuredAt: number };
/** Anything an uplink batch carries: `encodeBatch` / `decodeBatch`. */
export type BatchItem = Reading | EventReading;
type AnyKind = ReadingKind | EventKind;
type AnyValue = ReadingValue | EventValue;
const ALL_KINDS: readonly AnyKind[] = [...READING_KINDS, ...EVENT_KINDS];

const KIND_CODE: Record<AnyKind, number> = { 'heart-rate': 1, temperature: 2, 'blood-pressure': 3, rhythm: 4, spo2: 5, fault: 6, alarm: 7, escalation: 8, stress: 9 };
const VALUE_LEN: Record<AnyKind, number> = { 'heart-rate': 2, temperature: 2, 'blood-pressure': 4, rhythm: 1, spo2: 2, fault: 2, alarm: 3, escalation: 3, stress: 2 };

export type PayloadErrorCode = 'truncated' | 'bad-format' | 'bad-type' | 'bad-count' | 'bad-kind' | 'bad-length' | 'bad-value' | 'bad-seq' | 'trailing-bytes';
export type PayloadResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: { readonly code: PayloadErrorCode; readonly message: string } };
const fail = (code: PayloadErrorCode, message: string): PayloadResult<never> => ({ ok: false, error: { code, message } });

export class PayloadParameterError extends RangeError {
  override readonly name = 'PayloadParameterError';
}

function u16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

function encodeValue(r: AnyValue): number[] {
  const int16 = (x: number, lo: number, hi: number, what: string) => {
    const n = Math.round(x);
    if (!Number.isFinite(x) || n < lo || n > hi) throw new PayloadParameterError(`${what} ${x} out of range`);
    return n;
  };
  switch (r.kind) {
    case 'heart-rate': return u16(int16(r.heartRateBpm * 10, 0, 0xffff, 'heartRateBpm'));
    case 'temperature': return u16(int16(r.tempC * 100, -0x8000, 0x7fff, 'tempC') & 0xffff);
    case 'blood-pressure': return [...u16(int16(r.systolicMmHg, 0, 0xffff, 'systolicMmHg')), ...u16(int16(r.diastolicMmHg, 0, 0xffff, 'diastolicMmHg'))];
    case 'rhythm': return [RHYTHMS.indexOf(r.rhythm)];
    case 'spo2': return u16(int16(r.spo2Percent * 10, 0, 1000, 'spo2Percent'));
    case 'fault': return [SENSORS.indexOf(r.sensor), FAULTS.indexOf(r.fault)];
    case 'alarm': return [ALARM_CONDITIONS.indexOf(r.condition), ALARM_LEVELS.indexOf(r.level), ALARM_CHANGES.indexOf(r.change)];
    case 'escalation': return [CONTACTS.indexOf(r.contact), CHANNELS.indexOf(r.channel), OUTCOMES.indexOf(r.outcome)];
    case 'stress': return [STRESS_LEVELS.indexOf(r.level), int16(r.score, 0, 100, 'stress score')];
  }
}

/** Encodes a batch of measurements (our own input: throws PayloadParameterError on bad values). */
export function encodeReadings(readings: readonly Reading[]): Uint8Array {
  return encodeBatch(readings);
}

/** Encodes a batch of measurements and events (throws PayloadParameterError on bad values). */
export function encodeBatch(readings: readonly BatchItem[]): Uint8Array {
  if (readings.length < 1 || readings.length > MAX_BATCH) throw new PayloadParameterError(`a batch holds 1..${MAX_BATCH} readings`);
  const out: number[] = [PAYLOAD_FORMAT, TYPE_READINGS, readings.length];
  for (const r of readings) {
    if (!Number.isInteger(r.seq) || r.seq < 1 || r.seq > 0xffffffff) throw new PayloadParameterError(`seq ${r.seq} not in 1..2^32-1`);
    if (!Number.isInteger(r.measuredAt) || r.measuredAt < 0 || r.measuredAt > Number.MAX_SAFE_INTEGER) throw new PayloadParameterError(`measuredAt ${r.measuredAt} invalid`);
    const v = encodeValue(r);
    if (v.some((x) => x < 0)) throw new PayloadParameterError(`unknown code in ${r.kind} reading`);
    const t = BigInt(r.measuredAt);
    out.push((r.seq >>> 24) & 0xff, (r.seq >>> 16) & 0xff, (r.seq >>> 8) & 0xff, r.seq & 0xff, KIND_CODE[r.kind]);
    for (let i = 7; i >= 0; i--) out.push(Number((t >> BigInt(i * 8)) & 0xffn));
    out.push(v.length, ...v);
  }
  return Uint8Array.from(out);
}

function decodeValue(kind: AnyKind, b: Uint8Array, o: number): AnyValue | null {
  const r16 = (at: number) => (b[at]! << 8) | b[at + 1]!;
  switch (kind) {
    case 'heart-rate': return { kind, heartRateBpm: r16(o) / 10 };
    case 'temperature': { const raw = r16(o); return { kind, tempC: (raw >= 0x8000 ? raw - 0x10000 : raw) / 100 }; }
    case 'blood-pressure': return { kind, systolicMmHg: r16(o), diastolicMmHg: r16(o + 2) };
    case 'rhythm': { const x = RHYTHMS[b[o]!]; return x ? { kind, rhythm: x } : null; }
    case 'spo2': { const p = r16(o); return p <= 1000 ? { kind, spo2Percent: p / 10 } : null; }
    case 'fault': { const s = SENSORS[b[o]!]; const f = FAULTS[b[o + 1]!]; return s && f ? { kind, sensor: s, fault: f } : null; }
    case 'alarm': {
      const condition = ALARM_CONDITIONS[b[o]!]; const level = ALARM_LEVELS[b[o + 1]!]; const change = ALARM_CHANGES[b[o + 2]!];
      return condition && level && change ? { kind, condition, level, change } : null;
    }
    case 'escalation': {
      const contact = CONTACTS[b[o]!]; const channel = CHANNELS[b[o + 1]!]; const outcome = OUTCOMES[b[o + 2]!];
      return contact && channel && outcome ? { kind, contact, channel, outcome } : null;
    }
    case 'stress': { const level = STRESS_LEVELS[b[o]!]; return level && b[o + 1]! <= 100 ? { kind, level, score: b[o + 1]! } : null; }
  }
}

/**
 * Decodes an uplink batch of measurements only; a batch with events is `bad-kind` (as before
 * kinds 0x07-0x08 existed). Never throws. A server that takes events uses decodeBatch.
 */
export function decodeReadings(b: Uint8Array): PayloadResult<Reading[]> {
  const d = decodeBatch(b);
  if (!d.ok) return d;
  const i = d.value.findIndex((r) => (EVENT_KINDS as readonly string[]).includes(r.kind));
  if (i >= 0) return fail('bad-kind', `reading ${i} is an event (${d.value[i]!.kind}); use decodeBatch`);
  return { ok: true, value: d.value as Reading[] };
}

/** Decodes an uplink batch of measurements and events from outside; never throws. */
export function decodeBatch(b: Uint8Array): PayloadResult<BatchItem[]> {
  if (!(b instanceof Uint8Array) || b.length < 3) return fail('truncated', 'payload shorter than its 3-byte header');
  if (b[0] !== PAYLOAD_FORMAT) return fail('bad-format', `payload format ${b[0]} is not ${PAYLOAD_FORMAT}`);
  if (b[1] !== TYPE_READINGS) return fail('bad-type', `payload type 0x${b[1]!.toString(16)} is not a readings batch`);
  const n = b[2]!;
  if (n < 1) return fail('bad-count', 'empty batch');
  const out: BatchItem[] = [];
  const seen = new Set<number>();
  let o = 3;
  for (let i = 0; i < n; i++) {
    if (o + 14 > b.length) return fail('truncated', `reading ${i} truncated`);
    const seq = ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
    const code = b[o + 4]!;
    const kind = ALL_KINDS.find((k) => KIND_CODE[k] === code);
    if (!kind) return fail('bad-kind', `reading ${i} has unknown kind 0x${code.toString(16)}`);
    let t = 0n;
    for (let j = 0; j < 8; j++) t = (t << 8n) | BigInt(b[o + 5 + j]!);
    const len = b[o + 13]!;
    if (len !== VALUE_LEN[kind]) return fail('bad-length', `reading ${i} (${kind}) value has ${len} bytes, expected ${VALUE_LEN[kind]}`);
    if (o + 14 + len > b.length) return fail('truncated', `reading ${i} value truncated`);
    if (seq === 0) return fail('bad-seq', `reading ${i} has sequence number 0`);
    if (seen.has(seq)) return fail('bad-seq', `sequence number ${seq} appears twice in one batch`);
    if (t > BigInt(Number.MAX_SAFE_INTEGER)) return fail('bad-value', `reading ${i} time out of range`);
    const v = decodeValue(kind, b, o + 14);
    if (!v) return fail('bad-value', `reading ${i} (${kind}) has an unknown code`);
    seen.add(seq);
    out.push({ ...v, seq, measuredAt: Number(t) } as BatchItem);
    o += 14 + len;
  }
  if (o !== b.length) return fail('trailing-bytes', `${b.length - o} bytes after the last reading`);
  return { ok: true, value: out };
}

export function encodeAck(ackedSeq: number): Uint8Array {
  return Uint8Array.of(PAYLOAD_FORMAT, TYPE_ACK, (ackedSeq >>> 24) & 0xff, (ackedSeq >>> 16) & 0xff, (ackedSeq >>> 8) & 0xff, ackedSeq & 0xff);
}

export function decodeAck(b: Uint8Array): PayloadResult<{ ackedSeq: number }> {
  if (!(b instanceof Uint8Array) || b.length < 6) return fail('truncated', 'ack shorter than 6 bytes');
  if (b[0] !== PAYLOAD_FORMAT) return fail('bad-format', `payload format ${b[0]} is not ${PAYLOAD_FORMAT}`);
  if (b[1] !== TYPE_ACK) return fail('bad-type', 'not an ack');
  if (b.length !== 6) return fail('trailing-bytes', 'ack longer than 6 bytes');
  return { ok: true, value: { ackedSeq: ((b[2]! << 24) >>> 0) + ((b[3]! << 16) | (b[4]! << 8) | b[5]!) } };
}

// ---- ECG strips (type 0x02) ----

export const TYPE_ECG_STRIP = 0x02;
export const ECG_STRIP_MAX_RATE_HZ = 250;
export const ECG_STRIP_MAX_SAMPLES = 2500;
const STRIP_HEADER = 1 + 1 + 8 + 1 + 2 + 1;
const ESC = 0x80;
const ESC_MISSING = 0x00;
const ESC_ABSOLUTE = 0x01;

export interface EcgStripPayload {
  /** Time of the first sample, ms since the Unix epoch. */
  readonly startAt: number;
  readonly rateHz: number;
  /** Quantisation step, µV. */
  readonly scaleUv: number;
  /** Lead II in µV; null where the device had no valid sample (an electrode off). */
  readonly samplesUv: ReadonlyArray<number | null>;
}

export type EcgStripErrorCode = 'truncated' | 'bad-format' | 'bad-type' | 'bad-rate' | 'bad-count' | 'bad-scale' | 'bad-value' | 'trailing-bytes';
export type EcgStripResult = { readonly ok: true; readonly value: EcgStripPayload } | { readonly ok: false; readonly error: { readonly code: EcgStripErrorCode; readonly message: string } };

/**
 * Encodes a strip (our own input: throws PayloadParameterError on bad parameters). A null or
 * non-finite sample is sent as missing. Values are rounded to `scaleUv` (default 20 µV) steps;
 * each delta is taken from the value the decoder reconstructs, so rounding never accumulates.
 */
export function encodeEcgStrip(s: { startAt: number; rateHz: number; samplesUv: ReadonlyArray<number | null>; scaleUv?: number }): Uint8Array {
  const scale = s.scaleUv ?? 20;
  const n = s.samplesUv.length;
  if (!Number.isInteger(s.rateHz) || s.rateHz < 1 || s.rateHz > ECG_STRIP_MAX_RATE_HZ) throw new PayloadParameterError(`rateHz must be 1..${ECG_STRIP_MAX_RATE_HZ}`);
  if (n < 2 || n > ECG_STRIP_MAX_SAMPLES) throw new PayloadParameterError(`a strip holds 2..${ECG_STRIP_MAX_SAMPLES} samples`);
  if (!Number.isInteger(scale) || scale < 1 || scale > 255) throw new PayloadParameterError('scaleUv must be 1..255');
  if (!Number.isInteger(s.startAt) || s.startAt < 0 || s.startAt > Number.MAX_SAFE_INTEGER) throw new PayloadParameterError(`startAt ${s.startAt} invalid`);
  const out = new Uint8Array(STRIP_HEADER + 4 * n);
  const v = new DataView(out.buffer);
  out[0] = PAYLOAD_FORMAT;
  out[1] = TYPE_ECG_STRIP;
  v.setBigUint64(2, BigInt(s.startAt));
  out[10] = s.rateHz;
  v.setUint16(11, n);
  out[13] = scale;
  let o = STRIP_HEADER;
  let cur = 0;
  let afterGap = true;
  for (let i = 0; i < n; i++) {
    const x = s.samplesUv[i];
    if (x === null || x === undefined || !Number.isFinite(x)) {
      out[o++] = ESC;
      out[o++] = ESC_MISSING;
      afterGap = true;
      continue;
    }
    const q = Math.max(-32768, Math.min(32767, Math.round(x / scale)));
    const d = q - cur;
    if (!afterGap && d >= -127 && d <= 127) v.setInt8(o++, d);
    else {
      out[o++] = ESC;
      out[o++] = ESC_ABSOLUTE;
      v.setInt16(o, q);
      o += 2;
    }
    cur = q;
    afterGap = false;
  }
  return out.slice(0, o);
}

/** Decodes an ECG strip from outside; never throws. */
export function decodeEcgStrip(b: Uint8Array): EcgStripResult {
  const bad = (code: EcgStripErrorCode, message: string): EcgStripResult => ({ ok: false, error: { code, message } });
  if (!(b instanceof Uint8Array) || b.length < STRIP_HEADER) return bad('truncated', `an ECG strip needs at least ${STRIP_HEADER} bytes`);
  if (b[0] !== PAYLOAD_FORMAT) return bad('bad-format', `payload format ${b[0]} is not ${PAYLOAD_FORMAT}`);
  if (b[1] !== TYPE_ECG_STRIP) return bad('bad-type', `payload type 0x${b[1]!.toString(16)} is not an ECG strip`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const t = v.getBigUint64(2);
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) return bad('bad-value', 'startAt out of range');
  const rateHz = b[10]!;
  const n = v.getUint16(11);
  const scaleUv = b[13]!;
  if (rateHz < 1 || rateHz > ECG_STRIP_MAX_RATE_HZ) return bad('bad-rate', `rateHz must be 1..${ECG_STRIP_MAX_RATE_HZ}`);
  if (n < 2 || n > ECG_STRIP_MAX_SAMPLES) return bad('bad-count', `count must be 2..${ECG_STRIP_MAX_SAMPLES}`);
  if (scaleUv < 1) return bad('bad-scale', 'scaleUv must be 1..255');
  const samplesUv: Array<number | null> = new Array<number | null>(n);
  let o = STRIP_HEADER;
  let cur = 0;
  let afterGap = true;
  for (let i = 0; i < n; i++) {
    if (o >= b.length) return bad('truncated', `sample ${i} of ${n} missing`);
    const x = b[o]!;
    if (x !== ESC) {
      // A delta needs a present sample before it: after a gap (or at the start) only an absolute value.
      if (afterGap) return bad('bad-value', `sample ${i}: a delta without a value before it`);
      cur += v.getInt8(o);
      o += 1;
      samplesUv[i] = cur * scaleUv;
      continue;
    }
    if (o + 1 >= b.length) return bad('truncated', `sample ${i} escape truncated`);
    const e = b[o + 1]!;
    if (e === ESC_MISSING) {
      samplesUv[i] = null;
      afterGap = true;
      o += 2;
    } else if (e === ESC_ABSOLUTE) {
      if (o + 4 > b.length) return bad('truncated', `sample ${i} value truncated`);
      cur = v.getInt16(o + 2);
      samplesUv[i] = cur * scaleUv;
      afterGap = false;
      o += 4;
    } else return bad('bad-value', `sample ${i}: unknown escape 0x${e.toString(16)}`);
  }
  if (o !== b.length) return bad('trailing-bytes', `${b.length - o} bytes after the last sample`);
  return { ok: true, value: { startAt: Number(t), rateHz, scaleUv, samplesUv } };
}

/** The value part of a reading as stored (JSON with unit-named fields). */
export function valueOf(r: Reading): ReadingValue {
  const { seq: _s, measuredAt: _m, ...v } = r;
  return v as ReadingValue;
}
