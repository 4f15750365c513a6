// With records at rest on, the plaintext readings table is only the working set: a reading sealed,
// acknowledged and older than the retention loses its plaintext row (a database dump then holds at
// most a day in the clear), while the sealed copy still serves FHIR; a reading not yet sealed, or
// not yet acknowledged, keeps it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeLpuCredential } from '../../protocol/index.ts';
import type { Reading } from '../../protocol/readings.ts';
import { setup } from '../../server/abe/waters11.ts';
import { openDatabase } from '../../server/db.ts';
import { Rng } from '../../sim/rng.ts';
import { CONTACTS, HttpLpu, OPERATOR_TOKEN, post, startServer } from '../server/helpers.ts';

const rng = new Rng(33);
const random = (n: number) => rng.bytes(n);
const HOUR = 3_600_000;
const hr = (seq: number, bpm: number, at: number): Reading => ({ kind: 'heart-rate', heartRateBpm: bpm, seq, measuredAt: at });

test('sealed, acknowledged readings older than 25 h lose their plaintext row; the sealed copy stays readable', async () => {
  const { mpk } = setup(random);
  const db = await openDatabase({});
  const h = await startServer(db, { records: { mpk, kek: rng.bytes(32) }, random });
  try {
    const reg = await post(h.base, '/v1/register', JSON.stringify({ contacts: CONTACTS }), { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` });
    const lpuId = Number((await db.query('SELECT max(id) AS id FROM lpus'))[0]!.id);
    const c = decodeLpuCredential(reg.body);
    if (!c.ok) throw new Error('credential');
    const lpu = new HttpLpu(h.base, c.value, 3);
    await lpu.handshake();
    const t0 = h.clock.now();
    assert.is((await lpu.send([hr(1, 70, t0), hr(2, 71, t0)])).ackedSeq, 2);
    // seq 4 arrives without 3: stored and sealed but not acknowledged (a hole below it).
    assert.is((await lpu.send([hr(4, 73, t0)])).ackedSeq, 2);
    const plaintext = async () => (await db.query('SELECT seq FROM readings WHERE lpu_id = $1 ORDER BY seq', [lpuId])).map((r) => Number(r.seq));
    assert.equal(await plaintext(), [1, 2, 4]);

    h.clock.advance(26 * HOUR);
    await lpu.handshake(); // the session expired meanwhile
    assert.is((await lpu.send([hr(5, 74, h.clock.now())])).ackedSeq, 2);
    // 1 and 2 went (sealed, acked, 26 h old); 4 stays (not acknowledged), 5 stays (new).
    assert.equal(await plaintext(), [4, 5]);
    const sealed = await h.server.records!.open(lpuId, { kinds: ['vitals'] });
    assert.equal(sealed.readings.map((r) => r.seq), [1, 2, 4, 5]);
    assert.is(sealed.failed, 0);
    // The sealed rows hold no plaintext value.
    const raw = await db.query('SELECT body FROM sealed_records WHERE lpu_id = $1', [lpuId]);
    for (const r of raw) assert.not.ok(Buffer.from(r.body as Uint8Array).toString('latin1').includes('heartRateBpm'));
  } finally {
    await h.close();
    await db.close();
  }
});

test.run();
