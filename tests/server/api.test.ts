// The HTTP API end to end on loopback: registration, MA1/MA2/MA3, sealed batches with
// exactly-once storage and contiguous acknowledgements, replay rejection; on PGlite and PostgreSQL.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROUTES, SERVING_LAI_HEADER } from '../../server/app.ts';
import { int } from '../../server/db.ts';
import { encodeLai, toHex } from '../../protocol/index.ts';
import { backends, bin, bp, CELL, CONTACTS, HttpLpu, OPERATOR_TOKEN, post, registerLpu, startServer } from './helpers.ts';

for (const be of backends()) {
  test(`${be.name}: register, handshake, sealed batch stored, ack sealed`, async () => {
    const db = await be.open();
    const h = await startServer(db);
    try {
      const { credential } = await registerLpu(h.base);
      const lpu = new HttpLpu(h.base, credential);
      await lpu.handshake();
      const r = await lpu.send([bp(1, 118), bp(2, 119), { kind: 'heart-rate', seq: 3, measuredAt: 5, heartRateBpm: 72.5 }]);
      assert.is(r.status, 200);
      assert.is(r.ackedSeq, 3);
      const rows = await db.query('SELECT seq, kind, value FROM readings ORDER BY seq');
      assert.equal(rows.map((x) => int(x.seq)), [1, 2, 3]);
      assert.equal(JSON.parse(String(rows[2]!.value)), { kind: 'heart-rate', heartRateBpm: 72.5 });
      const lpuRow = (await db.query('SELECT last_lai, acked_seq FROM lpus'))[0]!;
      assert.is(String(lpuRow.last_lai), toHex(encodeLai(CELL)), 'the verified LAI is kept for the emergency unit');
      assert.is(int(lpuRow.acked_seq), 3);
    } finally {
      await h.close();
      await db.drop();
    }
  });

  test(`${be.name}: a replayed frame is rejected and stores nothing; duplicate seqs stored once; ack is contiguous`, async () => {
    const db = await be.open();
    const h = await startServer(db);
    try {
      const { credential } = await registerLpu(h.base);
      const lpu = new HttpLpu(h.base, credential);
      await lpu.handshake();
      const f1 = lpu.seal([bp(1, 110), bp(2, 111)]);
      assert.is((await lpu.sendFrame(f1)).ackedSeq, 2);
      const replay = await post(h.base, ROUTES.data, f1, bin);
      assert.is(replay.status, 409);
      assert.is(replay.json?.error, 'replay');
      // A fresh frame repeating seq 2 (the LPU did not get the ack) and skipping 3.
      const r = await lpu.send([bp(2, 111), bp(4, 112)]);
      assert.is(r.ackedSeq, 2, 'gap at 3 holds the ack at 2');
      const r2 = await lpu.send([bp(3, 113), bp(4, 112)]);
      assert.is(r2.ackedSeq, 4);
      assert.equal((await db.query('SELECT seq FROM readings ORDER BY seq')).map((x) => int(x.seq)), [1, 2, 3, 4]);
      // A new session continues the same sequence; old frames are useless in it.
      await lpu.handshake();
      const old = await post(h.base, ROUTES.data, f1, bin);
      assert.is(old.status, 409, 'old session replay still rejected (window of its session)');
      const r3 = await lpu.send([bp(5, 115)]);
      assert.is(r3.ackedSeq, 5);
      assert.is(int((await db.query('SELECT count(*) AS n FROM readings'))[0]!.n), 5);
    } finally {
      await h.close();
      await db.drop();
    }
  });

  test(`${be.name}: registration needs the operator token; MA1 needs the serving LAI; wrong location is refused`, async () => {
    const db = await be.open();
    const h = await startServer(db);
    try {
      const body = JSON.stringify({ contacts: CONTACTS });
      const json = { 'content-type': 'application/json' };
      assert.is((await post(h.base, ROUTES.register, body, json)).status, 401);
      assert.is((await post(h.base, ROUTES.register, body, { ...json, authorization: `Bearer ${OPERATOR_TOKEN}x` })).status, 401);
      const bad = await post(h.base, ROUTES.register, JSON.stringify({ contacts: { family: { phone: 'abc' } } }), { ...json, authorization: `Bearer ${OPERATOR_TOKEN}` });
      assert.is(bad.status, 400);
      assert.is(bad.json?.error, 'bad-contacts');
      const { credential } = await registerLpu(h.base);
      const lpu = new HttpLpu(h.base, credential);
      const b = lpu.client.begin({ mcc: 262, mnc: 1, mncDigits: 2, lac: 0x1a2b });
      assert.ok(b.ok);
      if (!b.ok) return;
      const noLai = await post(h.base, ROUTES.ma1, b.value.ma1, bin);
      assert.is(noLai.status, 400);
      assert.is(noLai.json?.error, 'bad-observed-lai');
      const elsewhere = await post(h.base, ROUTES.ma1, b.value.ma1, { ...bin, [SERVING_LAI_HEADER]: '262-01-0x1a2c' });
      assert.is(elsewhere.status, 403);
      assert.is(elsewhere.json?.error, 'location-mismatch');
      const okr = await post(h.base, ROUTES.ma1, b.value.ma1, { ...bin, [SERVING_LAI_HEADER]: '262-01-0x1a2b' });
      assert.is(okr.status, 200);
      const again = await post(h.base, ROUTES.ma1, b.value.ma1, { ...bin, [SERVING_LAI_HEADER]: '262-01-0x1a2b' });
      assert.is(again.status, 409);
      assert.is(again.json?.error, 'replay');
    } finally {
      await h.close();
      await db.drop();
    }
  });
}

test.run();
