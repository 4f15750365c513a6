// Per-patient data keys: one AES-256 key per (patient, kind of record, version). Each version is
// stored twice, never in the clear:
//   - abeWrapped: CP-ABE ciphertext under the kind's policy (server/policy/record-policies.ts),
//     handed to readers, who open it with their attribute key on their own device;
//   - serverWrapped: AES-256-GCM under the server's key-encryption key, so the server can keep
//     sealing new records after a restart (it sees plaintext readings anyway: it runs the alarms).
// Both wrappings carry the key id, so a wrapped key cannot be passed off as another one.
// Rotation adds a version (new records use it; old ones stay readable with their version until
// re-encrypted, after which the old version can be retired). Pure: state in, state out.
import { gcm } from '@noble/ciphers/aes.js';
import { draw, defaultRandom, type RandomSource } from '../../protocol/random.ts';
import { decodeCiphertext, decrypt, encodeCiphertext, encrypt, type MasterPublicKey, type SecretKey } from '../abe/waters11.ts';
import { policyTextFor, RECORD_KINDS, RECORD_POLICIES, type PolicySubject, type RecordKind } from '../policy/record-policies.ts';
import { DATA_KEY_BYTES, keyIdString, openRecord, sealRecord, type DataKey, type KeyId, type RecordResult } from './record-cipher.ts';

export interface WrappedDataKey {
  readonly id: KeyId;
  /** ms since the Unix epoch. */
  readonly createdAt: number;
  readonly policyText: string;
  readonly abeWrapped: Uint8Array;
  readonly serverWrapped: Uint8Array;
}

export interface PatientKeyring {
  readonly patient: PolicySubject;
  /** All live versions of all kinds, oldest first. */
  readonly keys: readonly WrappedDataKey[];
}

export interface KeyringDeps {
  readonly mpk: MasterPublicKey;
  /** The server's 32-byte key-encryption key (from its secret store, never from the database). */
  readonly kek: Uint8Array;
  readonly now: number;
  readonly random?: RandomSource;
  readonly policies?: Readonly<Record<RecordKind, string>>;
}

export class KeyringError extends Error {
  override readonly name = 'KeyringError';
}

export type KeyErrorCode = 'not-satisfied' | 'auth-failed' | 'bad-wrapping' | 'wrong-key-id' | 'unknown-key';
export type KeyResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: { readonly code: KeyErrorCode; readonly message: string } };

const enc = new TextEncoder();

/** id-bound payload: u8 len | "patient/kind/vN" | key */
function bindKey(id: KeyId, key: Uint8Array): Uint8Array {
  const s = enc.encode(keyIdString(id));
  const out = new Uint8Array(1 + s.length + key.length);
  out[0] = s.length;
  out.set(s, 1);
  out.set(key, 1 + s.length);
  return out;
}
function unbindKey(id: KeyId, payload: Uint8Array): KeyResult<DataKey> {
  const want = keyIdString(id);
  const got = new TextDecoder().decode(payload.subarray(1, 1 + payload[0]!));
  if (got !== want || payload.length !== 1 + payload[0]! + DATA_KEY_BYTES) return { ok: false, error: { code: 'wrong-key-id', message: `wrapped key is ${got}, expected ${want}` } };
  return { ok: true, value: { id, key: payload.slice(1 + payload[0]!) } };
}

function newVersion(patient: PolicySubject, kind: RecordKind, version: number, deps: KeyringDeps): WrappedDataKey {
  const random = deps.random ?? defaultRandom;
  if (deps.kek.length !== 32) throw new KeyringError('the key-encryption key must be 32 bytes');
  const policyText = policyTextFor(kind, patient, deps.policies ?? RECORD_POLICIES);
  if (!policyText.ok) throw new KeyringError(`policy for ${kind}: ${policyText.error.message}`);
  const id: KeyId = { patientId: patient.patientId, kind, version };
  const key = draw(random, DATA_KEY_BYTES);
  const payload = bindKey(id, key);
  const abe = encrypt(deps.mpk, policyText.value, payload, random);
  if (!abe.ok) throw new KeyringError(`policy for ${kind}: ${abe.error.message}`);
  const nonce = draw(random, 12);
  const aad = enc.encode(`bsn-care/kek/${keyIdString(id)}`);
  const sealed = gcm(deps.kek, nonce, aad).encrypt(payload);
  const serverWrapped = new Uint8Array(12 + sealed.length);
  serverWrapped.set(nonce);
  serverWrapped.set(sealed, 12);
  key.fill(0);
  payload.fill(0);
  return { id, createdAt: deps.now, policyText: policyText.value, abeWrapped: encodeCiphertext(abe.value), serverWrapped };
}

/** A keyring with version 1 of every kind (one CP-ABE encryption per kind). */
export function createKeyring(patient: PolicySubject, deps: KeyringDeps, kinds: readonly RecordKind[] = RECORD_KINDS): PatientKeyring {
  return { patient, keys: kinds.map((k) => newVersion(patient, k, 1, deps)) };
}

export function versionsOf(ring: PatientKeyring, kind: RecordKind): WrappedDataKey[] {
  return ring.keys.filter((k) => k.id.kind === kind).sort((a, b) => a.id.version - b.id.version);
}

export function currentKey(ring: PatientKeyring, kind: RecordKind): WrappedDataKey {
  const v = versionsOf(ring, kind);
  if (v.length === 0) throw new KeyringError(`no data key for ${kind}`);
  return v[v.length - 1]!;
}

/** A new version for one kind, wrapped under the kind's current policy (policy edits take effect here). */
export function rotate(ring: PatientKeyring, kind: RecordKind, deps: KeyringDeps): PatientKeyring {
  const v = versionsOf(ring, kind);
  const next = v.length ? v[v.length - 1]!.id.version + 1 : 1;
  return { ...ring, keys: [...ring.keys, newVersion(ring.patient, kind, next, deps)] };
}

/** Drops a version (after every record under it was re-encrypted); the current one cannot go. */
export function retire(ring: PatientKeyring, kind: RecordKind, version: number): PatientKeyring {
  if (currentKey(ring, kind).id.version === version) throw new KeyringError('cannot retire the current version');
  return { ...ring, keys: ring.keys.filter((k) => !(k.id.kind === kind && k.id.version === version)) };
}

/** The server's copy of a data key (through the KEK). */
export function serverDataKey(w: WrappedDataKey, kek: Uint8Array): KeyResult<DataKey> {
  if (w.serverWrapped.length < 12 + 16) return { ok: false, error: { code: 'bad-wrapping', message: 'server wrapping too short' } };
  try {
    const payload = gcm(kek, w.serverWrapped.subarray(0, 12), enc.encode(`bsn-care/kek/${keyIdString(w.id)}`)).decrypt(w.serverWrapped.subarray(12));
    return unbindKey(w.id, payload);
  } catch {
    return { ok: false, error: { code: 'auth-failed', message: `server wrapping of ${keyIdString(w.id)} failed authentication` } };
  }
}

/** A reader's copy of a data key: opens the CP-ABE wrapping with the reader's attribute key. */
export function readerDataKey(w: WrappedDataKey, sk: SecretKey): KeyResult<DataKey> {
  const ct = decodeCiphertext(w.abeWrapped);
  if (!ct.ok) return { ok: false, error: { code: 'bad-wrapping', message: ct.error.message } };
  const m = decrypt(sk, ct.value);
  if (!m.ok) return { ok: false, error: { code: m.error.code, message: m.error.message } };
  return unbindKey(w.id, m.value);
}

/** Re-seals a record under a newer key (after a rotation); the plaintext never leaves this call. */
export function reencryptRecord(
  bytes: Uint8Array,
  expect: { readonly patientId: string; readonly recordId: string },
  keyFor: (id: KeyId) => Uint8Array | undefined,
  to: DataKey,
  random: RandomSource = defaultRandom,
): RecordResult<Uint8Array> {
  const opened = openRecord(bytes, expect, keyFor);
  if (!opened.ok) return opened;
  if (opened.value.header.kind !== to.id.kind || to.id.patientId !== expect.patientId) {
    return { ok: false, error: { code: 'wrong-record', message: `cannot move a ${opened.value.header.kind} record to key ${keyIdString(to.id)}` } };
  }
  const out = sealRecord(expect.recordId, to, opened.value.plaintext, random);
  opened.value.plaintext.fill(0);
  return { ok: true, value: out };
}

/** A key lookup over data keys already opened (by the server or a reader). */
export function keyLookup(keys: readonly DataKey[]): (id: KeyId) => Uint8Array | undefined {
  const m = new Map(keys.map((k) => [keyIdString(k.id), k.key]));
  return (id) => m.get(keyIdString(id));
}
