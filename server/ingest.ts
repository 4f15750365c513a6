// Exactly-once storage of readings: the (lpu, seq) primary key drops duplicates, and the
// acknowledgement is the highest seq n such that all of 1..n are stored (monotonic, so two
// writers for one LPU can only move it forward).
import { int, type Database } from './db.ts';
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

export async function storeReadings(db: Database, lpuId: number, readings: readonly BatchItem[], now: number): Promise<StoredBatch> {
  return db.transaction(async (tx) => {
    // One statement for the whole batch (a statement per reading cost most of an upload's time):
    // the rows travel as one JSON parameter; ON CONFLICT skips seqs already stored (and repeats
    // within the batch after their first occurrence), RETURNING names the rows that are new.
    const rows = readings.length === 0 ? [] : await tx.query(
      `INSERT INTO readings (lpu_id, seq, kind, measured_at, value, received_at)
       SELECT $1, r.seq, r.kind, r.measured_at, r.value, $3
       FROM json_to_recordset($2::json) AS r (seq bigint, kind text, measured_at bigint, value text)
       ON CONFLICT (lpu_id, seq) DO NOTHING RETURNING seq`,
      [lpuId, JSON.stringify(readings.map((r) => ({ seq: r.seq, kind: r.kind, measured_at: r.measuredAt, value: JSON.stringify(valueOf(r)) }))), now],
    );
    const fresh = new Set(rows.map((x) => int(x.seq)));
    const inserted: Reading[] = [];
    // Events take part in the contiguous ack like readings; only measurements are classified.
    for (const r of readings) if (fresh.delete(r.seq) && !isEvent(r)) inserted.push(r);
    // Locks the LPU row so concurrent batches of one LPU compute the ack one at a time.
    let acked = int((await tx.query('SELECT acked_seq FROM lpus WHERE id = $1 FOR UPDATE', [lpuId]))[0]!.acked_seq);
    const start = acked;
    for (;;) {
      const seqs = await tx.query('SELECT seq FROM readings WHERE lpu_id = $1 AND seq > $2 ORDER BY seq LIMIT 1000', [lpuId, acked]);
      let advanced = false;
      for (const s of seqs) {
        if (int(s.seq) !== acked + 1) break;
        acked++;
        advanced = true;
      }
      if (!advanced || seqs.length < 1000) break;
    }
    if (acked !== start) await tx.query('UPDATE lpus SET acked_seq = $2 WHERE id = $1 AND acked_seq < $2', [lpuId, acked]);
    return { inserted, ackedSeq: acked };
  });
}
