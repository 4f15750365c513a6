// Two real server processes with escalation engines on one PostgreSQL database: one escalation,
// each call placed exactly once (counted by each process's own scripted phone network), even
// while the other process handles readings of the same patient. Then the process holding the
// escalation's lease is SIGKILLed (or stopped with SIGSTOP for longer than the lease) and the
// other continues within the lease time, repeating at most the one call that was in flight; a
// stopped holder that wakes up again does not act on the escalation it lost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROUTES } from '../../server/app.ts';
import { int, openDatabase } from '../../server/db.ts';
import { startChild, until, type Child } from './child.ts';
import { bp, CONTACTS, dropSchema, HttpLpu, PG_URL, post, randomSchema, registerLpu } from './helpers.ts';

const FAMILY = CONTACTS.family.phone;
const PHYSICIAN = CONTACTS.physician.phone;
const LEASE_MS = 2000;
const POLL_MS = Math.min(1000, Math.floor(LEASE_MS / 3));

interface Dial { channel: string; to: string; text: string; outcome: string }

const instanceOf = (c: Child): string => {
  const line = c.lines.find((l) => l.includes('"event":"listening"'))!;
  return String((JSON.parse(line) as { instance: string }).instance);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scenario(disrupt: 'SIGKILL' | 'SIGSTOP'): Promise<void> {
  const schema = randomSchema();
  const dir = mkdtempSync(join(tmpdir(), 'bsn-lease-'));
  const logs = { a: join(dir, 'a.jsonl'), b: join(dir, 'b.jsonl') };
  const dials = (f: string): Dial[] => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Dial) : []);
  const calls = (f: string) => dials(f).filter((d) => d.channel === 'call');
  const child = (name: 'a' | 'b') => {
    const script = join(dir, `${name}.json`);
    // Nobody answers: the escalation alternates family and physician until acknowledged.
    writeFileSync(script, JSON.stringify({ script: {}, log: logs[name], callMs: 200 }));
    return startChild(['--db', PG_URL, '--schema', schema, '--retry-ms', '300', '--lease-ms', String(LEASE_MS), '--telephony-script', script]);
  };
  let a: Child | null = null;
  let b: Child | null = null;
  try {
    [a, b] = await Promise.all([child('a'), child('b')]);
    const { credential } = await registerLpu(a.base);
    const viaA = new HttpLpu(a.base, credential, 5);
    await viaA.handshake();
    assert.is((await viaA.send([bp(1, 150)])).status, 200);
    // The same patient also reports through B while A runs the escalation.
    const viaB = new HttpLpu(b.base, viaA.client.credential, 6);
    await viaB.handshake();
    await until(() => calls(logs.a).length + calls(logs.b).length >= 2, 20_000, 'two calls');
    assert.is((await viaB.send([bp(2, 152)])).status, 200);
    assert.is((await viaB.send([bp(3, 150)])).status, 200);
    await until(() => calls(logs.a).length + calls(logs.b).length >= 5, 20_000, 'five calls');

    const db = await openDatabase({ url: PG_URL, schema });
    let owner: string;
    try {
      owner = String((await db.query('SELECT lease_owner FROM escalations'))[0]!.lease_owner);
    } finally {
      await db.close();
    }
    const [holder, other, holderLog, otherLog] = owner === instanceOf(a) ? [a, b, logs.a, logs.b] : [b, a, logs.b, logs.a];
    assert.is(owner, instanceOf(holder));
    assert.is(calls(otherLog).length, 0, 'the process without the lease placed no call');
    holder.proc.kill(disrupt);
    if (disrupt === 'SIGKILL') await holder.exited;
    const disruptedAt = Date.now();
    const atDisrupt = calls(holderLog).length;
    await until(() => calls(otherLog).length >= 1, 20_000, 'the other process to take over');
    const tookMs = Date.now() - disruptedAt;
    await until(() => calls(otherLog).length >= 3, 20_000, 'three calls after the takeover');
    let holderAfterWake = 0;
    if (disrupt === 'SIGSTOP') {
      // The stalled holder wakes up: its timers fire, its claims fail, it places no call.
      const before = calls(holderLog).length;
      holder.proc.kill('SIGCONT');
      await sleep(LEASE_MS);
      holderAfterWake = calls(holderLog).length - before;
      assert.is(holderAfterWake, 0, 'the woken holder placed no call');
    }

    // The family's SMS link, acknowledged through the process now running it, ends it.
    const sms = dials(holderLog).find((d) => d.channel === 'sms' && d.to === FAMILY)!;
    const token = /\/ack\/([A-Za-z0-9_-]+)/.exec(sms.text)![1]!;
    assert.is((await post(other.base, ROUTES.ack, JSON.stringify({ token }), { 'content-type': 'application/json' })).status, 200);
    await sleep(800); // a call in flight at the acknowledgement may finish
    const afterAck = calls(otherLog).length + calls(holderLog).length;
    await sleep(1500);
    assert.is(calls(otherLog).length + calls(holderLog).length, afterAck, 'no call after the acknowledgement');

    const holderCalls = calls(holderLog);
    const seq = [...holderCalls.slice(0, atDisrupt), ...calls(otherLog), ...holderCalls.slice(atDisrupt)].map((c) => (c.to === FAMILY ? 'F' : c.to === PHYSICIAN ? 'P' : c.to));
    console.log(`${disrupt}: calls ${seq.join(' ')} (holder placed ${atDisrupt} before; the other took over after ${tookMs} ms, lease ${LEASE_MS} ms)`);
    assert.ok(tookMs <= LEASE_MS + POLL_MS + 1500, `takeover within the lease time (+ one poll and slack): ${tookMs} ms`);
    const before = seq.slice(0, atDisrupt);
    assert.is(before.filter((x, i) => i > 0 && before[i - 1] === x).length, 0, 'no repeated call while both ran');
    assert.ok(seq.filter((x, i) => i > 0 && seq[i - 1] === x).length <= 1, `at most one repeat (the call in flight): ${seq.join(' ')}`);
    const dedup = seq.filter((x, i) => !(i > 0 && seq[i - 1] === x));
    for (let i = 0; i < dedup.length; i++) assert.is(dedup[i], i % 2 === 0 ? 'F' : 'P', `alternation kept: ${seq.join(' ')}`);

    const db2 = await openDatabase({ url: PG_URL, schema });
    try {
      const rows = await db2.query('SELECT step, channel, role, status FROM notifications ORDER BY step');
      assert.equal(rows.map((r) => int(r.step)), rows.map((_, i) => i + 1), 'outbox steps have no gap');
      assert.ok(rows.every((r) => r.status === 'done'), 'every step done');
      assert.equal(rows.filter((r) => r.channel === 'call').map((r) => (r.role === 'family' ? 'F' : 'P')), dedup, 'one outbox row per call, the repeat excepted');
      const esc = (await db2.query('SELECT status, lease_owner FROM escalations'))[0]!;
      assert.is(String(esc.status), 'resolved');
      assert.is(String(esc.lease_owner), instanceOf(other));
    } finally {
      await db2.close();
    }
  } finally {
    for (const c of [a, b]) if (c && c.proc.exitCode === null && c.proc.signalCode === null) {
      c.proc.kill('SIGCONT');
      c.proc.kill('SIGTERM');
      await c.exited;
    }
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (PG_URL) {
  test('two engines, one PostgreSQL: every call once; after SIGKILL of the lease holder the other continues', () => scenario('SIGKILL'));
  test('two engines, one PostgreSQL: a holder stopped (SIGSTOP) beyond its lease loses the escalation and, woken, does not act on it', () => scenario('SIGSTOP'));
} else console.log('SKIP two-process lease test: BSN_TEST_DATABASE_URL is not set');

test.run();
