// The stress reading (kind 0x09): encoding and decoding, the action tables that keep it
// informational, and on the running server with its escalation engine: stress readings of every
// level, 'high' included, are stored and never open an escalation, an event or a notification.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBatch, encodeBatch, STRESS_LEVELS, type Reading } from '../../protocol/readings.ts';
import { classify, loadDefaultActionTables, validateActionTables } from '../../server/action-tables.ts';
import { DEFAULT_ACTION_TABLES } from '../../server/action-tables/default.ts';
import { openDatabase } from '../../server/db.ts';
import { HttpLpu, registerLpu, startServer } from './helpers.ts';

const stress = (seq: number, level: (typeof STRESS_LEVELS)[number], score: number): Reading => ({ kind: 'stress', level, score, seq, measuredAt: 1_700_000_000_000 + seq * 60_000 });

test('stress readings encode and decode; bad codes are typed errors', () => {
  const batch = [stress(1, 'low', 12), stress(2, 'normal', 50), stress(3, 'high', 100)];
  const b = encodeBatch(batch);
  assert.equal(decodeBatch(b), { ok: true, value: batch });
  // kind 9, 2 bytes: level code, score
  const at = 3 + 14 + 2 + 4; // the second reading's kind byte
  assert.is(b[at], 9);
  const badLevel = b.slice(); badLevel[3 + 14] = 3;
  const r1 = decodeBatch(badLevel);
  assert.ok(!r1.ok && r1.error.code === 'bad-value');
  const badScore = b.slice(); badScore[3 + 15] = 101;
  const r2 = decodeBatch(badScore);
  assert.ok(!r2.ok && r2.error.code === 'bad-value');
  assert.throws(() => encodeBatch([stress(1, 'high', 101)]), /score/);
});

test('action tables: stress is informational (default: no rows; only mild rows allowed; table optional)', () => {
  const t = loadDefaultActionTables();
  assert.is(t.stress.rows.length, 0);
  for (const level of STRESS_LEVELS) for (const score of [0, 50, 100]) assert.is(classify(t, stress(1, level, score)).level, 'none');
  const base = DEFAULT_ACTION_TABLES as { format: 1; tables: Record<string, unknown> };
  const withRow = (level: string) => ({ ...base, tables: { ...base.tables, stress: { measure: 'level', rows: [{ equals: 'high', level, why: 'x' }] } } });
  for (const level of ['family', 'physician', 'emergency', 'critical']) {
    const r = validateActionTables(withRow(level));
    assert.ok(!r.ok && r.errors.some((e) => e.includes('informational')), level);
  }
  const mild = validateActionTables(withRow('mild'));
  assert.ok(mild.ok);
  if (mild.ok) assert.is(classify(mild.value, stress(1, 'high', 80)).level, 'mild');
  const { stress: _omit, ...withoutStress } = base.tables;
  const omitted = validateActionTables({ ...base, tables: withoutStress });
  assert.ok(omitted.ok);
  if (omitted.ok) assert.is(classify(omitted.value, stress(1, 'high', 99)).level, 'none');
});

test('on the server: stress readings are stored, never escalated, never notified (a BP crisis still is)', async () => {
  const db = await openDatabase({});
  const h = await startServer(db);
  try {
    const reg = await registerLpu(h.base);
    const lpu = new HttpLpu(h.base, reg.credential, 4);
    await lpu.handshake();
    const readings = Array.from({ length: 30 }, (_, i) => stress(i + 1, i % 3 === 0 ? 'normal' : 'high', i % 3 === 0 ? 55 : 90));
    assert.is((await lpu.send(readings)).ackedSeq, 30);
    h.clock.advance(30 * 60_000);
    const stored = await db.query(`SELECT count(*)::int AS n FROM readings WHERE kind = 'stress'`);
    assert.is(stored[0]!.n, 30);
    assert.is((await db.query('SELECT * FROM escalations')).length, 0);
    assert.is((await db.query('SELECT * FROM events')).length, 0);
    assert.is((await db.query('SELECT * FROM notifications')).length, 0);
    assert.is(h.telephony.log.length, 0);
    // The same server does escalate a real emergency (the check above could not pass vacuously).
    assert.is((await lpu.send([{ kind: 'blood-pressure', systolicMmHg: 175, diastolicMmHg: 100, seq: 31, measuredAt: 1_700_000_000_000 + 31 * 60_000 }])).ackedSeq, 31);
    const esc = await db.query('SELECT topic FROM escalations');
    assert.equal(esc.map((e) => String(e.topic)), ['blood-pressure']);
  } finally {
    await h.close();
    await db.close();
  }
});

test.run();
