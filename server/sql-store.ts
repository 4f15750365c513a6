// The protocol's ServerStore on SQL. compareAndSwap is an UPDATE ... WHERE version = expected,
// so two server processes on one database can never both commit a change to the same record:
// the second UPDATE matches no row and reports 'conflict'.
import { cloneServerRecord, decodeServerRecord, encodeServerRecord, toHex, type CasOutcome, type ServerRecord, type ServerStore } from '../protocol/index.ts';
import { Coalescer } from './coalesce.ts';
import { bytes, int, type Database, type Row, type Sql } from './db.ts';

export class CorruptRecordError extends Error {
  override readonly name = 'CorruptRecordError';
}

function decodeRow(r: Row): ServerRecord {
  // Batch reads fetch the record as base64 text (record_b64): decoded natively, and a third
  // shorter on the wire than the drivers' hex form of bytea.
  const d = decodeServerRecord(typeof r.record_b64 === 'string' ? new Uint8Array(Buffer.from(r.record_b64, 'base64')) : bytes(r.record));
  // Rows are only written from encodeServerRecord; a bad one is storage corruption, not input.
  if (!d.ok) throw new CorruptRecordError(`stored LPU record ${String(r.id)} is corrupt: ${d.error.code}`);
  if (d.value.version !== int(r.version)) throw new CorruptRecordError(`stored LPU record ${String(r.id)} version column disagrees with the record`);
  return d.value;
}

async function indexSids(tx: Sql, lpuId: number, record: ServerRecord): Promise<void> {
  await tx.query('DELETE FROM shadow_ids WHERE lpu_id = $1', [lpuId]);
  for (const p of record.pairs) await tx.query('INSERT INTO shadow_ids (sid, lpu_id) VALUES ($1, $2)', [p.sid, lpuId]);
}

interface CasItem {
  readonly next: ServerRecord;
  readonly expectedVersion: number;
}

export interface SqlServerStoreOptions {
  /** Batches of lookups / compare-and-swaps in flight at once (default 1; PGlite is one connection). */
  readonly concurrency?: number;
}

export class SqlServerStore implements ServerStore {
  // Lookups and compare-and-swaps of concurrent requests are coalesced into one statement each
  // (server/coalesce.ts); every row keeps its own version check, so the CAS semantics are those
  // of single UPDATEs: two servers on one database still never both commit a change to a record.
  private readonly byTrSeq: Coalescer<number, readonly ServerRecord[]>;
  private readonly byId: Coalescer<Uint8Array, ServerRecord | null>;
  private readonly cas: Coalescer<CasItem, CasOutcome>;

  constructor(private readonly db: Database, o: SqlServerStoreOptions = {}) {
    const concurrency = o.concurrency ?? 1;
    this.byTrSeq = new Coalescer((t) => this.getByTrSeqBatch(t), { concurrency });
    this.byId = new Coalescer((ids) => this.getByIdBatch(ids), { concurrency });
    this.cas = new Coalescer((items) => this.casBatch(items), { concurrency, key: (i) => toHex(i.next.idL) });
  }

  getByTrSeq(trSeq: number): Promise<readonly ServerRecord[]> {
    return this.byTrSeq.call(trSeq >>> 0);
  }

  async getBySid(sid: Uint8Array): Promise<ServerRecord | null> {
    const rows = await this.db.query('SELECT l.id, l.version, l.record FROM shadow_ids s JOIN lpus l ON l.id = s.lpu_id WHERE s.sid = $1', [sid]);
    return rows[0] ? decodeRow(rows[0]) : null;
  }

  getById(idL: Uint8Array): Promise<ServerRecord | null> {
    return this.byId.call(idL);
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

  compareAndSwap(next: ServerRecord, expectedVersion: number): Promise<CasOutcome> {
    if (next.version !== expectedVersion + 1) return Promise.resolve('conflict');
    return this.cas.call({ next, expectedVersion });
  }

  private async getByTrSeqBatch(trSeqs: readonly number[]): Promise<ReadonlyArray<readonly ServerRecord[]>> {
    // At most 64 records per trSeq, as a single lookup would return (bounds the work per MA1).
    const rows = await this.db.query(
      `SELECT t.k, l.id, l.version, encode(l.record, 'base64') AS record_b64 FROM unnest($1::bigint[]) AS t(k)
       CROSS JOIN LATERAL (SELECT id, version, record FROM lpus WHERE trseq_current = t.k OR trseq_pending = t.k ORDER BY id LIMIT 64) l
       ORDER BY t.k, l.id`,
      [trSeqs],
    );
    const by = new Map<number, ServerRecord[]>();
    for (const r of rows) {
      const k = int(r.k);
      let list = by.get(k);
      if (!list) by.set(k, (list = []));
      list.push(decodeRow(r));
    }
    // Each caller gets its own decoded copies, even when two asked for the same trSeq.
    return trSeqs.map((k, i) => (trSeqs.indexOf(k) === i ? by.get(k) ?? [] : (by.get(k) ?? []).map(cloneServerRecord)));
  }

  private async getByIdBatch(ids: readonly Uint8Array[]): Promise<ReadonlyArray<ServerRecord | null>> {
    const rows = await this.db.query(`SELECT encode(id_l, 'hex') AS id_l, id, version, encode(record, 'base64') AS record_b64 FROM lpus WHERE id_l = ANY(SELECT decode(x, 'hex') FROM unnest($1::text[]) AS x)`, [ids.map(toHex)]);
    const by = new Map<string, Row>(rows.map((r) => [String(r.id_l), r]));
    return ids.map((id) => {
      const r = by.get(toHex(id));
      return r ? decodeRow(r) : null;
    });
  }

  /**
   * All compare-and-swaps of a batch in one statement (idLs are distinct within a batch). The
   * UPDATE is the compare-and-swap, row by row; the shadow-id index of each record that matched
   * is updated by difference (in a normal handshake its pairs do not change, so nothing is
   * written there), and a sid held by another LPU fails on the primary key as a full rewrite would.
   */
  private async casBatch(items: readonly CasItem[]): Promise<readonly CasOutcome[]> {
    const ord: number[] = [];
    const sidOrd: number[] = [];
    const sids: Uint8Array[] = [];
    items.forEach((it, i) => {
      ord.push(i);
      for (const p of it.next.pairs) {
        sidOrd.push(i);
        sids.push(p.sid);
      }
    });
    let done: Row[];
    try {
      done = await this.db.query(
        `WITH n AS (
           SELECT ord, decode(id_l, 'hex') AS id_l, expected, version, decode(record, 'base64') AS record, trseq_current, trseq_pending
           FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[])
             AS n(ord, id_l, expected, version, record, trseq_current, trseq_pending)
         ), upd AS (
           UPDATE lpus l SET version = n.version, record = n.record, trseq_current = n.trseq_current, trseq_pending = n.trseq_pending
           FROM n WHERE l.id_l = n.id_l AND l.version = n.expected RETURNING l.id, n.ord
         ), want AS (
           SELECT upd.id AS lpu_id, decode(w.sid, 'hex') AS sid FROM upd JOIN unnest($8::int[], $9::text[]) AS w(ord, sid) ON w.ord = upd.ord
         ), del AS (
           DELETE FROM shadow_ids s USING upd WHERE s.lpu_id = upd.id
             AND NOT EXISTS (SELECT 1 FROM want WHERE want.lpu_id = s.lpu_id AND want.sid = s.sid)
         ), ins AS (
           INSERT INTO shadow_ids (sid, lpu_id) SELECT want.sid, want.lpu_id FROM want
           WHERE NOT EXISTS (SELECT 1 FROM shadow_ids o WHERE o.sid = want.sid AND o.lpu_id = want.lpu_id)
         )
         SELECT ord FROM upd`,
        [
          ord, items.map((i) => toHex(i.next.idL)), items.map((i) => i.expectedVersion), items.map((i) => i.next.version),
          items.map((i) => Buffer.from(encodeServerRecord(i.next)).toString('base64')), items.map((i) => i.next.current.trSeq), items.map((i) => i.next.pending?.trSeq ?? null),
          sidOrd, sids.map(toHex),
        ],
      );
    } catch (e) {
      // One bad item must not fail the others: on error, each goes alone and gets its own outcome.
      if (items.length === 1) throw e;
      const out: CasOutcome[] = [];
      for (const it of items) out.push(await this.casBatch([it]).then((r) => r[0]!));
      return out;
    }
    const ok = new Set(done.map((r) => Number(r.ord)));
    const lost = items.filter((_, i) => !ok.has(i));
    const present = new Set<string>();
    if (lost.length > 0) {
      const rows = await this.db.query('SELECT id_l FROM lpus WHERE id_l = ANY($1::bytea[])', [lost.map((i) => i.next.idL)]);
      for (const r of rows) present.add(toHex(bytes(r.id_l)));
    }
    return items.map((it, i) => (ok.has(i) ? 'ok' : present.has(toHex(it.next.idL)) ? 'conflict' : 'missing'));
  }
}
