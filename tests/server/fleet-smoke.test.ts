// A small fleet at once against one server, so that concurrent requests share the coalesced
// statements (server/coalesce.ts): handshakes commit one record change each and keep the
// shadow-id index; a duplicate MA1 racing in the same batch window is accepted exactly once;
// concurrent uploads, each also resent in a fresh frame, are stored exactly once, the stored
// rows equal what the LPUs got acknowledged, and a resent alarm reaches the engine only once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMa1 } from '../../protocol/index.ts';
import { ROUTES, SERVING_LAI_HEADER } from '../../server/app.ts';
import { int } from '../../server/db.ts';
import type { Reading } from '../../protocol/readings.ts';
import { seededRandom } from '../protocol/helpers.ts';
import { backends, bin, bp, CELL, CELL_TEXT, HttpLpu, post, registerLpu, startServer } from './helpers.ts';

const LPUS = 5;
const BATCHES = 4;
const PER_BATCH = 20;

for (const be of backends()) {
  test(`${be.name}: ${LPUS} LPUs at once: handshakes, a racing duplicate MA1, uploads with resends`, async () => {
    const db = await be.open();
    const h = await startServer(db);
    try {
      const lpus: HttpLpu[] = [];
      for (let i = 0; i < LPUS; i++) lpus.push(new HttpLpu(h.base, (await registerLpu(h.base)).credential, 10 + i));
      await Promise.all(lpus.map((l) => l.handshake()));
      const recs = await db.query('SELECT l.id, l.version, (SELECT count(*) FROM shadow_ids s WHERE s.lpu_id = l.id) AS sids FROM lpus l ORDER BY l.id');
      assert.equal(recs.map((r) => int(r.version)), Array(LPUS).fill(2), 'MA1 and MA3 each commit one change per record');
      assert.equal(recs.map((r) => int(r.sids)), Array(LPUS).fill(8), 'the shadow-id index still lists the 8 pairs');

      // The same MA1 twice, together with fresh MA1s of the other LPUs.
      const dup = createMa1(lpus[0]!.client.credential, CELL, seededRandom(3));
      assert.ok(dup.ok);
      if (!dup.ok) return;
      const send = (ma1: Uint8Array) => post(h.base, ROUTES.ma1, ma1, { ...bin, [SERVING_LAI_HEADER]: CELL_TEXT });
      const others = lpus.slice(1).map((l, i) => createMa1(l.client.credential, CELL, seededRandom(40 + i)));
      const replies = await Promise.all([send(dup.value.ma1), send(dup.value.ma1), ...others.map((o) => (o.ok ? send(o.value.ma1) : Promise.reject(new Error('ma1'))))]);
      assert.equal([replies[0]!.status, replies[1]!.status].sort(), [200, 409], 'one of the two identical MA1s is accepted');
      assert.equal(replies.slice(2).map((r) => r.status), Array(LPUS - 1).fill(200));

      // Uploads: every LPU sends its batches in turn, all LPUs at once; the first two also resend
      // each batch in a fresh frame at the same time (a lost acknowledgement). LPU 0's second
      // batch carries a physician-level blood pressure.
      const lastAck = await Promise.all(lpus.map(async (l, i) => {
        let ack = -1;
        for (let b = 0; b < BATCHES; b++) {
          const readings: Reading[] = [];
          for (let k = 1; k <= PER_BATCH; k++) readings.push(bp(b * PER_BATCH + k, i === 0 && b === 1 && k === 5 ? 150 : 112));
          const sends = [l.send(readings), ...(i < 2 ? [l.send(readings)] : [])];
          const rs = await Promise.all(sends);
          for (const r of rs) assert.is(r.status, 200, JSON.stringify(r.json));
          ack = Math.max(...rs.map((r) => r.ackedSeq ?? -1));
        }
        return ack;
      }));
      assert.equal(lastAck, Array(LPUS).fill(BATCHES * PER_BATCH), 'every LPU got all its readings acknowledged');
      const stored = await db.query(
        `SELECT l.id, l.acked_seq, count(r.seq) AS n, count(DISTINCT r.seq) AS d, max(r.seq) AS top
         FROM lpus l LEFT JOIN readings r ON r.lpu_id = l.id GROUP BY l.id, l.acked_seq ORDER BY l.id`,
      );
      for (const s of stored) {
        assert.is(int(s.n), BATCHES * PER_BATCH, `LPU ${String(s.id)}: rows stored = readings acknowledged`);
        assert.is(int(s.d), int(s.n), 'no duplicate');
        assert.is(int(s.top), BATCHES * PER_BATCH);
        assert.is(int(s.acked_seq), BATCHES * PER_BATCH);
      }
      await h.server.engine!.idle();
      const events = await db.query('SELECT lpu_id, seq, level FROM events');
      assert.equal(events.map((e) => [int(e.lpu_id), int(e.seq), String(e.level)]), [[int(recs[0]!.id), PER_BATCH + 5, 'physician']], 'the resent alarm reached the engine once');
    } finally {
      await h.close();
      await db.drop();
    }
  });
}

test.run();
