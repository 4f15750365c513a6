// The protocol's ServerStore on SQL. compareAndSwap is one UPDATE ... WHERE version = expected,
// so two server processes on one database can never both commit a change to the same record:
// the second UPDATE matches no row and reports 'conflict'.
import { decodeServerRecord, encodeServerRecord, type CasOutcome, type ServerRecord, type ServerStore } from '../protocol/index.ts';
import { bytes, int, type Database, type Row, type Sql } from './db.ts';

export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
}

function decodeRow(r: Row): ServerRecord {
  const d = decodeServerRecord(bytes(r.record));
  // Rows are only written from encodeServerRecord; a bad one is storage corruption, not input.
  if (!d.ok) throw new CorruptRecordError(`stored LPU record ${String(r.id)} is corrupt: ${d.error.code}`);
  if (d.value.version !== int(r.version)) throw new CorruptRecordError(`stored LPU record ${String(r.id)} version column disagrees with the record`);
  return d.value;
}

async function indexSids(tx: Sql, lpuId: number, record: ServerRecord): Promise<void> {
  await tx.query('DELETE FROM shadow_ids WHERE lpu_id = $1', [lpuId]);
  for (const p of record.pairs) await tx.query('INSERT INTO shadow_ids (sid, lpu_id) VALUES ($1, $2)', [p.sid, lpuId]);
}

export class SqlServerStore implements ServerStore {
  constructor(private readonly db: Database) {}

  async getByTrSeq(trSeq: number): Promise<readonly ServerRecord[]> {
    const rows = await this.db.query('SELECT id, version, record FROM lpus WHERE trseq_current = $1 OR trseq_pending = $1 ORDER BY id LIMIT 64', [trSeq >>> 0]);
    return rows.map(decodeRow);
  }

  async getBySid(sid: Uint8Array): Promise<ServerRecord | null> {
    const rows = await this.db.query('SELECT l.id, l.version, l.record FROM shadow_ids s JOIN lpus l ON l.id = s.lpu_id WHERE s.sid = $1', [sid]);
    return rows[0] ? decodeRow(rows[0]) : null;
  }

  async getById(idL: Uint8Array): Promise<ServerRecord | null> {
    const rows = await this.db.query('SELECT id, version, record FROM lpus WHERE id_l = $1', [idL]);
    return rows[0] ? decodeRow(rows[0]) : null;
  }

  /** Inserts with empty contacts; registration uses insertWithContacts. */
  insert(record: ServerRecord): Promise<boolean> {
    return this.insertWithContacts(record, '{}', 0).then((id) => id !== null);
  }

  /** Inserts a new LPU row; returns its database id, or null if the idL exists. */
  async insertWithContacts(record: ServerRecord, contactsJson: string, now: number): Promise<number | null> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `INSERT INTO lpus (id_l, version, record, trseq_current, trseq_pending, contacts, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id_l) DO NOTHING RETURNING id`,
        [record.idL, record.version, encodeServerRecord(record), record.current.trSeq, record.pending?.trSeq ?? null, contactsJson, now],
      );
      if (!rows[0]) return null;
      const id = int(rows[0].id);
      await indexSids(tx, id, record);
      return id;
    });
  }

  async compareAndSwap(next: ServerRecord, expectedVersion: number): Promise<CasOutcome> {
    if (next.version !== expectedVersion + 1) return 'conflict';
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `UPDATE lpus SET version = $3, record = $4, trseq_current = $5, trseq_pending = $6
         WHERE id_l = $1 AND version = $2 RETURNING id`,
        [next.idL, expectedVersion, next.version, encodeServerRecord(next), next.current.trSeq, next.pending?.trSeq ?? null],
      );
      if (!rows[0]) {
        const exists = await tx.query('SELECT 1 FROM lpus WHERE id_l = $1', [next.idL]);
        return exists.length > 0 ? 'conflict' : 'missing';
      }
      await indexSids(tx, int(rows[0].id), next);
      return 'ok';
    });
  }
}
