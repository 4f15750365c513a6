// SIGKILL in the middle of an escalation, then a restart on the same database: the escalation
// continues from its persisted state, losing no step and repeating at most the one call that was
// in flight. Real child processes; PGlite on a data directory and PostgreSQL.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, int } from '../../server/db.ts';
import { bp, CONTACTS, dropSchema, HttpLpu, PG_URL, randomSchema, registerLpu } from './helpers.ts';
import { startChild, until } from './child.ts';

const FAMILY = CONTACTS.family.phone;
const PHYSICIAN = CONTACTS.physician.phone;

interface Dial { channel: string; to: string; outcome: string }

async function crashScenario(dbArgs: string[], openAfter: () => ReturnType<typeof openDatabase>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bsn-crash-'));
  const log = join(dir, 'calls.jsonl');
  const script = join(dir, 'script.json');
  // Family answers its 4th call, the physician never: F P F P F P F(answered).
  writeFileSync(script, JSON.stringify({ script: { [FAMILY]: ['no-answer', 'no-answer', 'no-answer', 'answered'] }, log, callMs: 300 }));
  // A short lease: on PostgreSQL the restarted process waits for the killed one's lease to run out.
  const args = [...dbArgs, '--retry-ms', '300', '--lease-ms', '1500', '--telephony-script', script];
  const dials = (): Dial[] => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Dial) : []);
  const calls = () => dials().filter((d) => d.channel === 'call');
  try {
    const a = await startChild(args);
    const { credential } = await registerLpu(a.base);
    const lpu = new HttpLpu(a.base, credential);
    await lpu.handshake();
    assert.is((await lpu.send([bp(1, 150)])).status, 200);
    await until(() => calls().length >= 3, 30_000, 'three calls before the kill');
    a.proc.kill('SIGKILL');
    await a.exited;
    const atKill = calls().length;

    const b = await startChild(args);
    await until(() => calls().some((c) => c.outcome === 'answered'), 60_000, 'the family to answer after the restart');
    await new Promise((r) => setTimeout(r, 1200)); // nothing may follow the answer
    b.proc.kill('SIGTERM');
    await b.exited;

    const seq = calls().map((c) => (c.to === FAMILY ? 'F' : c.to === PHYSICIAN ? 'P' : c.to));
    console.log(`calls: ${seq.join(' ')} (killed after ${atKill})`);
    assert.ok(seq.length > atKill, 'calls continued after the restart');
    // Remove at most one immediate repetition (the call in flight at the kill).
    const repeats = seq.filter((x, i) => i > 0 && seq[i - 1] === x).length;
    assert.ok(repeats <= 1, `at most one repeated call, got ${seq.join(' ')}`);
    const dedup = seq.filter((x, i) => !(i > 0 && seq[i - 1] === x));
    for (let i = 0; i < dedup.length; i++) assert.is(dedup[i], i % 2 === 0 ? 'F' : 'P', `alternation kept: ${seq.join(' ')}`);
    assert.is(calls().at(-1)!.outcome, 'answered');
    assert.is(calls().filter((c) => c.outcome === 'answered').length, 1);
    // The family SMS went out once (or twice if the kill hit it).
    const sms = dials().filter((d) => d.channel === 'sms');
    assert.ok(sms.length >= 1 && sms.length <= 2);

    const db = await openAfter();
    try {
      const rows = await db.query('SELECT step, channel, role, status FROM notifications ORDER BY step');
      assert.equal(rows.map((r) => int(r.step)), rows.map((_, i) => i + 1), 'outbox steps have no gap');
      assert.ok(rows.every((r) => r.status === 'done'), 'every step done');
      const callRows = rows.filter((r) => r.channel === 'call').map((r) => (r.role === 'family' ? 'F' : 'P'));
      assert.equal(callRows, dedup, 'the outbox matches the phone network record without the repeat');
      assert.is(String((await db.query('SELECT status FROM escalations'))[0]!.status), 'resolved');
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('PGlite data directory: SIGKILL mid-escalation, restart continues it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bsn-pgdata-'));
  try {
    await crashScenario(['--data-dir', dataDir], () => openDatabase({ dataDir }));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

if (PG_URL) {
  test('PostgreSQL: SIGKILL mid-escalation, restart continues it', async () => {
    const schema = randomSchema();
    try {
      await crashScenario(['--db', PG_URL, '--schema', schema], () => openDatabase({ url: PG_URL, schema }));
    } finally {
      await dropSchema(schema);
    }
  });
} else console.log('SKIP PostgreSQL crash test: BSN_TEST_DATABASE_URL is not set');

test.run();
