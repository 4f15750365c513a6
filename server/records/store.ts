// The encrypted record store (records at rest): every measurement the server accepts is also
// sealed into sealed_records under its patient's data key for its kind of record (vitals, ecg,
// stress), and the FHIR endpoint reads from here. Data keys are created per kind on first use
// (one CP-ABE encryption each, ~0.2 s) and kept wrapped twice in record_keys (keyring.ts): under
// the kind's attribute policy for readers, and under the server's KEK so the server can keep
// sealing. Rotation adds a version; re-encryption moves a kind's records to the current version,
// after which older versions are retired (deleted).
//
// Scope (honest): the operational `readings` table that the alarm engine and the live page use is
// still plaintext; this store is the long-term copy (FHIR, history). The server holds the KEK, so
// it can read everything, as it must to run the alarms: CP-ABE protects the keys in a database
// dump and for readers who fetch sealed records and wrapped keys, not against the server itself.
import { defaultRandom, type RandomSource } from '../../protocol/random.ts';
import { toHex } from '../../protocol/bytes.ts';
import { READING_KINDS, valueOf, type BatchItem, type Reading } from '../../protocol/readings.ts';
import type { MasterPublicKey } from '../abe/waters11.ts';
import { bytes, int, type Database, type Sql } from '../db.ts';
import { recordKindOf } from '../fhir/observation.ts';
import { isRecordKind, type PolicySubject, type RecordKind } from '../policy/record-policies.ts';
import { rotate as rotateRing, serverDataKey, type PatientKeyring, type WrappedDataKey } from './keyring.ts';
import { keyIdString, openRecord, sealRecord, type DataKey, type KeyId } from './record-cipher.ts';

export interface RecordsConfig {
  /** The attribute authority's public parameters (the master secret stays with the authority). */
  readonly mpk: MasterPublicKey;
  /** 32-byte key-encryption key from the server's secret store (never from the database). */
  readonly kek: Uint8Array;
  /** Care unit of a new patient's records (the policies' {unit}); default 'general'. */
  readonly careUnit?: string;
  readonly policies?: Readonly<Record<RecordKind, string>>;
}

export interface RecordSubject extends PolicySubject {
  readonly lpuId: number;
  /** Opaque FHIR Device id of the patient's LPU. */
  readonly deviceId: string;
}

export interface SealedRow {
  readonly seq: number;
  readonly kind: RecordKind;
  readonly keyVersion: number;
  readonly measuredAt: number;
  readonly body: Uint8Array;
}

export class RecordStoreError extends Error {
  override readonly name = 'RecordStoreError';
}

const recordId = (seq: number) => `seq-${seq}`;

export class RecordStore {
  private readonly random: RandomSource;
  /** Server copies of data keys already unwrapped, by keyIdString. */
  private readonly keys = new Map<string, DataKey>();

  constructor(private readonly db: Database, private readonly cfg: RecordsConfig, random?: RandomSource) {
    if (cfg.kek.length !== 32) throw new RecordStoreError('the key-encryption key must be 32 bytes');
    this.random = random ?? defaultRandom;
  }

  /** The patient's record subject, created on first use (random opaque id). */
  async subject(lpuId: number, now: number): Promise<RecordSubject> {
    const got = await this.findSubject(lpuId);
    if (got) return got;
    const ref = `p-${toHex(this.random(8))}`;
    await this.db.query('INSERT INTO record_subjects (lpu_id, patient_ref, care_unit, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (lpu_id) DO NOTHING',
      [lpuId, ref, this.cfg.careUnit ?? 'general', now]);
    const s = await this.findSubject(lpuId);
    if (!s) throw new RecordStoreError(`patient ${lpuId} has no record subject`);
    return s;
  }

  async findSubject(lpuId: number): Promise<RecordSubject | null> {
    const r = (await this.db.query('SELECT patient_ref, care_unit FROM record_subjects WHERE lpu_id = $1', [lpuId]))[0];
    if (!r) return null;
    const patientId = String(r.patient_ref);
    return { lpuId, patientId, careUnit: String(r.care_unit), deviceId: `d-${patientId.slice(2)}` };
  }

  /** All wrapped data keys of a patient (what a reader downloads), oldest first. */
  async wrappedKeys(lpuId: number, kind?: RecordKind): Promise<WrappedDataKey[]> {
    const s = await this.findSubject(lpuId);
    if (!s) return [];
    const rows = await this.db.query(
      `SELECT kind, version, policy, abe_wrapped, server_wrapped, created_at FROM record_keys WHERE lpu_id = $1 ${kind ? 'AND kind = $2' : ''} ORDER BY kind, version`,
      kind ? [lpuId, kind] : [lpuId],
    );
    return rows.flatMap((r) => {
      const k = String(r.kind);
      if (!isRecordKind(k)) return [];
      return [{ id: { patientId: s.patientId, kind: k, version: int(r.version) }, createdAt: int(r.created_at), policyText: String(r.policy), abeWrapped: bytes(r.abe_wrapped), serverWrapped: bytes(r.server_wrapped) }];
    });
  }

  private async insertKey(sql: Sql, lpuId: number, w: WrappedDataKey): Promise<boolean> {
    const r = await sql.query(
      'INSERT INTO record_keys (lpu_id, kind, version, policy, abe_wrapped, server_wrapped, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING version',
      [lpuId, w.id.kind, w.id.version, w.policyText, w.abeWrapped, w.serverWrapped, w.createdAt],
    );
    return r.length > 0;
  }

  /** Adds the next version of a kind's data key (version 1 if none); returns its id. */
  async rotate(lpuId: number, kind: RecordKind, now: number): Promise<KeyId> {
    const subject = await this.subject(lpuId, now);
    for (let tries = 0; tries < 3; tries++) {
      const ring: PatientKeyring = { patient: subject, keys: await this.wrappedKeys(lpuId, kind) };
      const next = rotateRing(ring, kind, { mpk: this.cfg.mpk, kek: this.cfg.kek, now, random: this.random, ...(this.cfg.policies ? { policies: this.cfg.policies } : {}) });
      const added = next.keys[next.keys.length - 1]!;
      // A concurrent rotation took this version number: read again and go one further.
      if (await this.insertKey(this.db, lpuId, added)) return added.id;
    }
    throw new RecordStoreError(`could not add a ${kind} key version for patient ${lpuId}`);
  }

  private async currentVersion(lpuId: number, kind: RecordKind): Promise<number | null> {
    const r = (await this.db.query('SELECT max(version) AS v FROM record_keys WHERE lpu_id = $1 AND kind = $2', [lpuId, kind]))[0];
    return r && r.v !== null && r.v !== undefined ? int(r.v) : null;
  }

  /** The server's copy of a data key version (unwrapped through the KEK, then cached). */
  private async serverKey(lpuId: number, id: KeyId): Promise<DataKey | null> {
    const cached = this.keys.get(`${lpuId}:${keyIdString(id)}`);
    if (cached) return cached;
    const w = (await this.wrappedKeys(lpuId, id.kind)).find((k) => k.id.version === id.version);
    if (!w) return null;
    const k = serverDataKey(w, this.cfg.kek);
    if (!k.ok) throw new RecordStoreError(`data key ${keyIdString(id)}: ${k.error.message}`);
    this.keys.set(`${lpuId}:${keyIdString(id)}`, k.value);
    return k.value;
  }

  private async currentKey(lpuId: number, kind: RecordKind, now: number): Promise<DataKey> {
    const subject = await this.subject(lpuId, now);
    const v = (await this.currentVersion(lpuId, kind)) ?? (await this.rotate(lpuId, kind, now)).version;
    const k = await this.serverKey(lpuId, { patientId: subject.patientId, kind, version: v });
    if (!k) throw new RecordStoreError(`no ${kind} key v${v} for patient ${lpuId}`);
    return k;
  }

  /**
   * Seals measurements under their kinds' current keys. Idempotent per (patient, seq): a batch the
   * device sends again is not sealed twice, so callers may pass every reading of a batch.
   */
  async seal(lpuId: number, readings: readonly Reading[], now: number): Promise<number> {
    if (readings.length === 0) return 0;
    const byKind = new Map<RecordKind, DataKey>();
    let n = 0;
    for (const r of readings) {
      const kind = recordKindOf(r);
      let key = byKind.get(kind);
      if (!key) byKind.set(kind, (key = await this.currentKey(lpuId, kind, now)));
      const plain = new TextEncoder().encode(JSON.stringify({ seq: r.seq, measuredAt: r.measuredAt, ...valueOf(r) }));
      const body = sealRecord(recordId(r.seq), key, plain, this.random);
      const ins = await this.db.query('INSERT INTO sealed_records (lpu_id, seq, kind, key_version, measured_at, body) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (lpu_id, seq) DO NOTHING RETURNING seq',
        [lpuId, r.seq, kind, key.id.version, r.measuredAt, body]);
      n += ins.length;
    }
    return n;
  }

  /** Seals the measurements of an uplink batch (events are not records); idempotent as `seal`. */
  sealBatch(lpuId: number, items: readonly BatchItem[], now: number): Promise<number> {
    return this.seal(lpuId, items.filter((r): r is Reading => (READING_KINDS as readonly string[]).includes(r.kind)), now);
  }

  /**
   * The plaintext readings table is the alarm engine's and the live page's working set; once a
   * reading is sealed here, acknowledged to the LPU and older than the retention (default 25 h:
   * the page's 24 h trends and a margin), its plaintext row goes, so a database dump holds at most
   * a day of readings in the clear. Rows without a sealed copy (events, kinds not sealed) stay.
   * Runs at most every `everyMs` (default 10 min); returns the rows deleted.
   */
  async prunePlaintext(now: number, o: { retentionMs?: number; everyMs?: number } = {}): Promise<number> {
    if (now - this.lastPruneAt < (o.everyMs ?? 10 * 60_000)) return 0;
    this.lastPruneAt = now;
    const rows = await this.db.query(
      `WITH gone AS (
         DELETE FROM readings r USING lpus l
         WHERE r.lpu_id = l.id AND r.seq <= l.acked_seq AND r.received_at < $1
           AND EXISTS (SELECT 1 FROM sealed_records s WHERE s.lpu_id = r.lpu_id AND s.seq = r.seq)
         RETURNING 1
       ) SELECT count(*)::int AS n FROM gone`,
      [now - (o.retentionMs ?? 25 * 3_600_000)],
    );
    return int(rows[0]!.n);
  }

  private lastPruneAt = Number.NEGATIVE_INFINITY;

  /** Raw sealed rows (what a reader with an attribute key downloads), by kind and time. */
  async sealed(lpuId: number, o: { kinds?: readonly RecordKind[]; from?: number; to?: number } = {}): Promise<SealedRow[]> {
    const kinds = o.kinds ?? null;
    if (kinds && kinds.length === 0) return [];
    const rows = await this.db.query(
      `SELECT seq, kind, key_version, measured_at, body FROM sealed_records WHERE lpu_id = $1 AND measured_at >= $2 AND measured_at <= $3 ${kinds ? 'AND kind = ANY($4::text[])' : ''} ORDER BY measured_at, seq`,
      kinds ? [lpuId, o.from ?? 0, o.to ?? Number.MAX_SAFE_INTEGER, `{${kinds.join(',')}}`] : [lpuId, o.from ?? 0, o.to ?? Number.MAX_SAFE_INTEGER],
    );
    return rows.flatMap((r) => {
      const k = String(r.kind);
      return isRecordKind(k) ? [{ seq: int(r.seq), kind: k, keyVersion: int(r.key_version), measuredAt: int(r.measured_at), body: bytes(r.body) }] : [];
    });
  }

  /**
   * Decrypts a patient's records with the server's keys (for the access-checked endpoint, which
   * asks only for the kinds the reader may see). A record that fails authentication is left out
   * and counted, never shown.
   */
  async open(lpuId: number, o: { kinds: readonly RecordKind[]; from?: number; to?: number }): Promise<{ readings: Reading[]; failed: number }> {
    const s = await this.findSubject(lpuId);
    if (!s) return { readings: [], failed: 0 };
    const readings: Reading[] = [];
    let failed = 0;
    for (const row of await this.sealed(lpuId, o)) {
      const key = await this.serverKey(lpuId, { patientId: s.patientId, kind: row.kind, version: row.keyVersion });
      const opened = openRecord(row.body, { patientId: s.patientId, recordId: recordId(row.seq), kind: row.kind }, (id) => (key && key.id.version === id.version ? key.key : undefined));
      if (!opened.ok) { failed++; continue; }
      readings.push(JSON.parse(new TextDecoder().decode(opened.value.plaintext)) as Reading);
    }
    return { readings, failed };
  }

  /**
   * Moves every record of a kind sealed under an older version to the current one, then deletes
   * the older versions' keys (retire). Returns how many records were re-sealed.
   */
  async reencrypt(lpuId: number, kind: RecordKind, now: number): Promise<{ resealed: number; retired: number[] }> {
    const s = await this.subject(lpuId, now);
    const current = await this.currentKey(lpuId, kind, now);
    let resealed = 0;
    const rows = await this.db.query('SELECT seq, key_version, body FROM sealed_records WHERE lpu_id = $1 AND kind = $2 AND key_version < $3', [lpuId, kind, current.id.version]);
    for (const r of rows) {
      const seq = int(r.seq);
      const from = await this.serverKey(lpuId, { patientId: s.patientId, kind, version: int(r.key_version) });
      const opened = openRecord(bytes(r.body), { patientId: s.patientId, recordId: recordId(seq), kind }, (id) => (from && from.id.version === id.version ? from.key : undefined));
      if (!opened.ok) throw new RecordStoreError(`record ${seq} (${kind}): ${opened.error.message}; nothing retired`);
      const body = sealRecord(recordId(seq), current, opened.value.plaintext, this.random);
      opened.value.plaintext.fill(0);
      await this.db.query('UPDATE sealed_records SET key_version = $3, body = $4 WHERE lpu_id = $1 AND seq = $2', [lpuId, seq, current.id.version, body]);
      resealed++;
    }
    // Only versions no record uses any more are deleted (a concurrent writer may still have used one).
    const gone = await this.db.query(
      `DELETE FROM record_keys k WHERE k.lpu_id = $1 AND k.kind = $2 AND k.version < $3
         AND NOT EXISTS (SELECT 1 FROM sealed_records r WHERE r.lpu_id = k.lpu_id AND r.kind = k.kind AND r.key_version = k.version)
       RETURNING version`, [lpuId, kind, current.id.version]);
    const retired = gone.map((g) => int(g.version)).sort((a, b) => a - b);
    for (const v of retired) {
      const k = this.keys.get(`${lpuId}:${keyIdString({ patientId: s.patientId, kind, version: v })}`);
      k?.key.fill(0);
      this.keys.delete(`${lpuId}:${keyIdString({ patientId: s.patientId, kind, version: v })}`);
    }
    return { resealed, retired };
  }
}
