// Records at rest: AES-256-GCM under a per-patient, per-kind data key with a version. The header
// names the key (patient, kind, version) so a reader knows which wrapped data key to open, and
// the whole header is the associated data, so a record cannot be moved to another patient, id,
// kind or key version without failing authentication.
//
// Why GCM and not the project's OCB: readers decrypt records on their own devices, often in a
// browser, and Web Crypto has AES-GCM but not OCB; GCM from @noble/ciphers also needs no code of
// ours. Nonces are 96 random bits per record; with random nonces one key should seal at most
// 2^32 records (NIST SP 800-38D), far above a patient's records per key version, and rotation
// starts a fresh key anyway.
//
// Layout: "BSR1" | u8 kind | u8 len | patientId | u8 len | recordId | u32 keyVersion | nonce(12)
//         | ciphertext with 16-byte tag
import { gcm } from '@noble/ciphers/aes.js';
import { draw, defaultRandom, type RandomSource } from '../../protocol/random.ts';
import { RECORD_KINDS, type RecordKind } from '../policy/record-policies.ts';

export const DATA_KEY_BYTES = 32;
const MAGIC = [0x42, 0x53, 0x52, 0x31]; // "BSR1"
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const enc = new TextEncoder();

export interface KeyId {
  readonly patientId: string;
  readonly kind: RecordKind;
  readonly version: number;
}
export interface DataKey {
  readonly id: KeyId;
  readonly key: Uint8Array;
}
export interface RecordHeader extends KeyId {
  readonly recordId: string;
  readonly nonce: Uint8Array;
}

export function keyIdString(id: KeyId): string {
  return `${id.patientId}/${id.kind}/v${id.version}`;
}

export class RecordParameterError extends RangeError {
  override readonly name = 'RecordParameterError';
}

export type RecordErrorCode = 'truncated' | 'bad-magic' | 'bad-kind' | 'bad-id' | 'unknown-key' | 'wrong-record' | 'auth-failed';
export type RecordResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: { readonly code: RecordErrorCode; readonly message: string } };
const fail = (code: RecordErrorCode, message: string): RecordResult<never> => ({ ok: false, error: { code, message } });

function encodeHeader(h: RecordHeader): Uint8Array {
  const p = enc.encode(h.patientId), r = enc.encode(h.recordId);
  const out = new Uint8Array(4 + 1 + 1 + p.length + 1 + r.length + 4 + 12);
  let o = 0;
  out.set(MAGIC, o); o += 4;
  out[o++] = RECORD_KINDS.indexOf(h.kind);
  out[o++] = p.length; out.set(p, o); o += p.length;
  out[o++] = r.length; out.set(r, o); o += r.length;
  new DataView(out.buffer).setUint32(o, h.version); o += 4;
  out.set(h.nonce, o);
  return out;
}

/** Encrypts one record under the data key; the record's kind and patient come from the key. */
export function sealRecord(recordId: string, dataKey: DataKey, plaintext: Uint8Array, random: RandomSource = defaultRandom): Uint8Array {
  if (!ID.test(recordId)) throw new RecordParameterError(`record id ${JSON.stringify(recordId)}: 1-128 of A-Z a-z 0-9 _ . : -`);
  if (!ID.test(dataKey.id.patientId)) throw new RecordParameterError('bad patient id');
  if (dataKey.key.length !== DATA_KEY_BYTES) throw new RecordParameterError(`data keys are ${DATA_KEY_BYTES} bytes`);
  if (!Number.isInteger(dataKey.id.version) || dataKey.id.version < 1 || dataKey.id.version > 0xffffffff) throw new RecordParameterError('key version must be 1..2^32-1');
  const header = encodeHeader({ ...dataKey.id, recordId, nonce: draw(random, 12) });
  const body = gcm(dataKey.key, header.subarray(header.length - 12), header).encrypt(plaintext);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

/** Reads the header without a key (to look up the key version); never throws. */
export function parseRecordHeader(bytes: Uint8Array): RecordResult<RecordHeader & { readonly headerLength: number }> {
  const dec = new TextDecoder();
  let o = 0;
  const need = (n: number) => o + n <= bytes.length;
  if (!need(6)) return fail('truncated', 'record shorter than its header');
  if (MAGIC.some((m, i) => bytes[i] !== m)) return fail('bad-magic', 'not an encrypted record');
  o = 4;
  const kind = RECORD_KINDS[bytes[o++]!];
  if (!kind) return fail('bad-kind', `unknown record kind ${bytes[4]}`);
  const pl = bytes[o++]!;
  if (!need(pl + 1)) return fail('truncated', 'truncated patient id');
  const patientId = dec.decode(bytes.subarray(o, o + pl)); o += pl;
  const rl = bytes[o++]!;
  if (!need(rl + 4 + 12 + 16)) return fail('truncated', 'truncated record id, key version, nonce or tag');
  const recordId = dec.decode(bytes.subarray(o, o + rl)); o += rl;
  if (!ID.test(patientId) || !ID.test(recordId)) return fail('bad-id', 'bad patient or record id');
  const version = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(o); o += 4;
  const nonce = bytes.slice(o, o + 12); o += 12;
  return { ok: true, value: { patientId, kind, recordId, version, nonce, headerLength: o } };
}

/**
 * Decrypts a record. `expect` is what the caller asked for (patient and record id from the
 * database row); `keyFor` returns the data key of a version, or undefined if the caller holds
 * none. Never throws.
 */
export function openRecord(
  bytes: Uint8Array,
  expect: { readonly patientId: string; readonly recordId: string; readonly kind?: RecordKind },
  keyFor: (id: KeyId) => Uint8Array | undefined,
): RecordResult<{ readonly header: RecordHeader; readonly plaintext: Uint8Array }> {
  const h = parseRecordHeader(bytes);
  if (!h.ok) return h;
  const { headerLength, ...header } = h.value;
  if (header.patientId !== expect.patientId || header.recordId !== expect.recordId || (expect.kind !== undefined && header.kind !== expect.kind)) {
    return fail('wrong-record', `record is ${header.patientId}/${header.recordId} (${header.kind}), expected ${expect.patientId}/${expect.recordId}`);
  }
  const key = keyFor({ patientId: header.patientId, kind: header.kind, version: header.version });
  if (!key || key.length !== DATA_KEY_BYTES) return fail('unknown-key', `no data key ${keyIdString(header)}`);
  try {
    const plaintext = gcm(key, header.nonce, bytes.subarray(0, headerLength)).decrypt(bytes.subarray(headerLength));
    return { ok: true, value: { header, plaintext } };
  } catch {
    return fail('auth-failed', 'record failed authentication (wrong key or tampered)');
  }
}
