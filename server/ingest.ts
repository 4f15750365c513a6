// Exactly-once storage of readings: the (lpu, seq) primary key drops duplicates, and the
// acknowledgement is the highest seq n such that all of 1..n are stored (monotonic, so two
// writers for one LPU can only move it forward).
import { Coalescer } from './coalesce.ts';
import { int, type Database, type Sql } from './db.ts';
import type { BatchItem, Reading } from '../protocol/readings.ts';

const isEvent = (r: BatchItem): r is Exclude<BatchItem, Reading> => r.kind === 'alarm' || r.kind === 'escalation';
const valueOf = (r: BatchItem): Omit<BatchItem, 'seq' | 'measuredAt'> => {
  const { seq: _s, measuredAt: _m, ...v } = r;
  return v;
};

export interface StoredBatch {
  /** The measurements this batch added (not stored before); events (alarm, escalation) are stored but not listed. */
  readonly inserted: readonly Reading[];
  readonly ackedSeq: number;
}

interface Upload {
  readonly lpuId: number;
  readonly readings: readonly BatchItem[];
  readonly now: number;
}

// Uploads of different LPUs that arrive together are stored in one transaction of four
// statements (server/coalesce.ts); two uploads of one LPU never share a batch.
const MAX_ROWS_PER_BATCH = 500;
const writers = new WeakMap<Database, Coalescer<Upload, StoredBatch>>();

export function storeReadings(db: Database, lpuId: number, readings: readonly BatchItem[], now: number): Promise<StoredBatch> {
  let w = writers.get(db);
  if (!w) {
    w = new Coalescer((uploads) => storeBatch(db, uploads), {
      key: (u) => String(u.lpuId), concurrency: db.kind === 'postgres' ? 4 : 1,
      // A few hundred rows per transaction: enough to amortise the statements, short enough that
      // an alarm's escalation steps queued behind it on the same connection wait little.
      weight: (u) => u.readings.length, maxWeight: MAX_ROWS_PER_BATCH,
    });
    writers.set(db, w);
  }
  return w.call({ lpuId, readings, now });
}

async function storeBatch(db: Database, uploads: readonly Upload[]): Promise<readonly StoredBatch[]> {
  try {
    return await db.transaction((tx) => storeUploads(tx, uploads));
  } catch (e) {
    // One bad upload (say, of an LPU deleted meanwhile) must not fail the others: each goes alone.
    if (uploads.length === 1) throw e;
    const out: StoredBatch[] = [];
    for (const u of uploads) out.push((await storeBatch(db, [u]))[0]!);
    return out;
  }
}

async function storeUploads(tx: Sql, uploads: readonly Upload[]): Promise<readonly StoredBatch[]> {
  const all = uploads.flatMap((u) => u.readings.map((r) => ({ u, r })));
  // Every reading of every upload in one statement. The rows go in as one JSON parameter (the
  // drivers serialise one string far faster than six arrays), and come back as a count: only when
  // some were already stored (a resend) does the statement list which ones were new.
  const rows = JSON.stringify(all.map(({ u, r }) => ({ l: u.lpuId, s: r.seq, k: r.kind, m: r.measuredAt, v: JSON.stringify(valueOf(r)), t: u.now })));
  const res = (await tx.query(
    `WITH ins AS (
       INSERT INTO readings (lpu_id, seq, kind, measured_at, value, received_at)
       SELECT l, s, k, m, v, t FROM json_to_recordset($1::json) AS x(l bigint, s bigint, k text, m bigint, v text, t bigint)
       ON CONFLICT (lpu_id, seq) DO NOTHING RETURNING lpu_id, seq
     )
     SELECT count(*)::int AS n, CASE WHEN count(*) < $2 THEN string_agg(lpu_id || ':' || seq, ',') END AS fresh FROM ins`,
    [rows, all.length],
  ))[0]!;
  const allNew = int(res.n) === all.length;
  const fresh = new Set(allNew ? [] : String(res.fresh ?? '').split(',').filter(Boolean));
  const isNew = (lpuId: number, seq: number) => allNew || fresh.delete(`${lpuId}:${seq}`);
  const acked = await advanceAcks(tx, uploads.map((u) => u.lpuId));
  return uploads.map((u) => ({
    // Events take part in the contiguous ack like readings; only measurements are classified,
    // in the order sent.
    inserted: u.readings.filter((r): r is Reading => isNew(u.lpuId, r.seq) && !isEvent(r)),
    ackedSeq: acked.get(u.lpuId)!,
  }));
}

const ACK_SCAN = 1000;

/** Advances the LPUs' contiguous acknowledgements (inside the caller's transaction). */
async function advanceAcks(tx: Sql, lpuIds: readonly number[]): Promise<Map<number, number>> {
  // Locks the LPU rows (in id order, so two writers cannot deadlock) so concurrent batches of
  // one LPU compute its ack one at a time.
  const locked = await tx.query('SELECT id, acked_seq FROM lpus WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [lpuIds]);
  const start = new Map(locked.map((r) => [int(r.id), int(r.acked_seq)]));
  const acked = new Map(start);
  let open = [...start.keys()];
  while (open.length > 0) {
    // Seqs above the ack are distinct and increasing, so the n-th of them equals acked + n
    // exactly up to the first gap: the end of each contiguous run, computed in the database.
    const r = await tx.query(
      `SELECT a.id, x.n, x.top FROM unnest($1::bigint[], $2::bigint[]) AS a(id, acked)
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS n, coalesce(max(seq), a.acked) AS top FROM (
           SELECT seq, row_number() OVER (ORDER BY seq) AS rn FROM (
             SELECT seq FROM readings WHERE lpu_id = a.id AND seq > a.acked ORDER BY seq LIMIT ${ACK_SCAN}
           ) s
         ) t WHERE seq = a.acked + rn
       ) x`,
      [open, open.map((id) => acked.get(id)!)],
    );
    open = [];
    for (const row of r) {
      acked.set(int(row.id), int(row.top));
      if (int(row.n) === ACK_SCAN) open.push(int(row.id));
    }
  }
  const moved = [...acked].filter(([id, a]) => a !== start.get(id));
  if (moved.length > 0) {
    await tx.query(
      'UPDATE lpus l SET acked_seq = n.acked FROM unnest($1::bigint[], $2::bigint[]) AS n(id, acked) WHERE l.id = n.id AND l.acked_seq < n.acked',
      [moved.map(([id]) => id), moved.map(([, a]) => a)],
    );
  }
  return acked;
}
