// storeReadings stores a batch in one statement: new seqs stored once (a seq repeated inside the
// batch or already stored is skipped), the measurements it added listed (events stored but not
// listed), values kept exactly, and the ack the highest contiguous seq.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase } from '../../server/db.ts';
import { migrate } from '../../server/migrations.ts';
import { storeReadings } from '../../server/ingest.ts';
import { int } from '../../server/db.ts';
import type { BatchItem } from '../../protocol/readings.ts';
import './helpers.ts'; // the shared PGlite template

test('one batch: duplicates inside and across batches stored once, events not listed, contiguous ack', async () => {
  const db = await openDatabase({});
  try {
    await migrate(db);
    const id = int((await db.query(`INSERT INTO lpus (id_l, version, record, trseq_current, contacts, created_at) VALUES ($1, 1, $2, 1, '{}', 0) RETURNING id`, [new Uint8Array(16), new Uint8Array(4)]))[0]!.id);
    const at = 1_790_000_000_000;
    const batch: BatchItem[] = [
      { kind: 'heart-rate', heartRateBpm: 72, seq: 1, measuredAt: at },
      { kind: 'temperature', tempC: 36.9, seq: 2, measuredAt: at + 1 },
      { kind: 'heart-rate', heartRateBpm: 99, seq: 2, measuredAt: at + 2 }, // same seq again: skipped
      { kind: 'alarm', condition: 'tachycardia', level: 'severe', change: 'raised', seq: 3, measuredAt: at + 3 },
      { kind: 'blood-pressure', systolicMmHg: 120, diastolicMmHg: 80, seq: 5, measuredAt: at + 5 },
    ];
    const r1 = await storeReadings(db, id, batch, 42);
    assert.equal(r1.inserted.map((r) => r.seq), [1, 2, 5]);
    assert.is(r1.inserted[1]!.kind, 'temperature');
    assert.is(r1.ackedSeq, 3, 'gap at 4');
    const rows = await db.query('SELECT seq, kind, measured_at, value, received_at FROM readings ORDER BY seq');
    assert.equal(rows.map((r) => [int(r.seq), r.kind, int(r.measured_at), JSON.parse(String(r.value)), int(r.received_at)]), [
      [1, 'heart-rate', at, { kind: 'heart-rate', heartRateBpm: 72 }, 42],
      [2, 'temperature', at + 1, { kind: 'temperature', tempC: 36.9 }, 42],
      [3, 'alarm', at + 3, { kind: 'alarm', condition: 'tachycardia', level: 'severe', change: 'raised' }, 42],
      [5, 'blood-pressure', at + 5, { kind: 'blood-pressure', systolicMmHg: 120, diastolicMmHg: 80 }, 42],
    ]);
    // The gap filled, one old seq resent: only seq 4 is new, the ack jumps over 5.
    const r2 = await storeReadings(db, id, [{ kind: 'heart-rate', heartRateBpm: 70, seq: 4, measuredAt: at + 4 }, { kind: 'heart-rate', heartRateBpm: 1, seq: 1, measuredAt: at }], 43);
    assert.equal(r2.inserted.map((r) => r.seq), [4]);
    assert.is(r2.ackedSeq, 5);
    assert.is(int((await db.query('SELECT acked_seq FROM lpus WHERE id = $1', [id]))[0]!.acked_seq), 5);
    const r3 = await storeReadings(db, id, [], 44);
    assert.equal(r3, { inserted: [], ackedSeq: 5 });
  } finally {
    await db.close();
  }
});

test.run();
