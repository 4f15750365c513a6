// Exactly-once storage of readings: the (lpu, seq) primary key drops duplicates, and the
// acknowledgement is the highest seq n such that all of 1..n are stored (monotonic, so two
// writers for one LPU can only move it forward).
import { int, type Database } from './db.ts';
import { valueOf, type Reading } from './readings.ts';

export interface StoredBatch {
  /** The readings this batch added (not stored before). */
  readonly inserted: readonly Reading[];
  readonly ackedSeq: number;
}

export async function storeReadings(db: Database, lpuId: number, readings: readonly Reading[], now: number): Promise<StoredBatch> {
  return db.transaction(async (tx) => {
    const inserted: Reading[] = [];
    for (const r of readings) {
      const rows = await tx.query(
        `INSERT INTO readings (lpu_id, seq, kind, measured_at, value, received_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (lpu_id, seq) DO NOTHING RETURNING seq`,
        [lpuId, r.seq, r.kind, r.measuredAt, JSON.stringify(valueOf(r)), now],
      );
      if (rows.length) inserted.push(r);
    }
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
