// Fallback over the SIM800 model's telephony: a critical condition with the server unreachable for
// 60 s → SMS and calls to FAMILY, then CLINIC, then EMERGENCY from the SIM phonebook; it stops when
// the server is back, and the server learns what was done.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sim800World } from './sim800-rig.ts';

const FAMILY = '+447700900101';
const FAMILY2 = '+447700900102';
const CLINIC = '+441632960200';
const EMERGENCY = '112';

async function world(seed: number, behaviours: Record<string, { answerProbability: number; answerDelayMs: number | [number, number]; busy?: boolean }>) {
  const w = await sim800World({ seed, rig: { telephony: { behaviours, noAnswerTimeoutMs: 60_000 } }, fallback: { callAttempts: 3, answerTimeoutMs: 30_000, retryGapMs: 15_000 } });
  const pb = w.model.phonebook;
  pb.write(1, { number: CLINIC, type: 145, name: 'Clinic Dr Lee' });
  pb.write(2, { number: FAMILY, type: 145, name: 'FAMILY' });
  pb.write(3, { number: EMERGENCY, type: 129, name: 'EMERGENCY' });
  pb.write(4, { number: '+447700900999', type: 145, name: 'Pizza' });
  pb.write(5, { number: FAMILY2, type: 145, name: 'Family 2' });
  return w;
}

function raiseAsystole(w: Awaited<ReturnType<typeof world>>): void {
  w.uplink.event([{ kind: 'alarm', condition: 'asystole', level: 'critical', change: 'raised', measuredAt: w.uplink.epoch() }]);
  w.fallback.setCritical({ condition: 'asystole', detail: 'no QRS for > 4 s' });
}

test('server unreachable for 60 s with asystole: SMS + calls, family, then clinic, then emergency; each call repeated until answered', async () => {
  const w = await world(31, {
    [FAMILY]: { answerProbability: 0, answerDelayMs: 0 },
    [FAMILY2]: { answerProbability: 1, answerDelayMs: 8000 },
    [CLINIC]: { answerProbability: 0, answerDelayMs: 0, busy: true },
    [EMERGENCY]: { answerProbability: 1, answerDelayMs: 3000 },
  });
  w.server.up = false;
  w.uplink.start();
  w.fallback.start();
  await w.clock.runFor(20_000);
  raiseAsystole(w);
  await w.clock.runFor(59_000);
  assert.is(w.telephony.outbox.length, 0, 'nothing before 60 s');
  assert.is(w.fallback.state, 'idle');
  await w.clock.runFor(15 * 60_000);
  assert.is(w.fallback.state, 'done');
  // SMS: one per contact, in tier order (FAMILY, Family 2, Clinic, EMERGENCY), condition and cell in the text
  assert.equal(w.telephony.outbox.map((s) => s.number), [FAMILY, FAMILY2, CLINIC, EMERGENCY]);
  for (const s of w.telephony.outbox) {
    assert.match(s.text, /asystole/);
    assert.match(s.text, /234-15 LAC 1A2B CI 00C3/);
    assert.ok(s.text.length <= 160);
  }
  assert.ok(w.telephony.outbox[0]!.at - 20_000 >= 60_000);
  // calls: FAMILY 3 times (never answers), Family 2 once (answers), clinic 3 times (busy), emergency once
  const calls = w.telephony.calls.map((c) => c.number);
  assert.equal(calls, [FAMILY, FAMILY, FAMILY, FAMILY2, CLINIC, CLINIC, CLINIC, EMERGENCY]);
  assert.equal(w.fallback.actions.filter((a) => a.channel === 'call').map((a) => a.outcome), ['no-answer', 'no-answer', 'no-answer', 'answered', 'busy', 'busy', 'busy', 'answered']);
  assert.ok(w.telephony.calls.every((c) => c.outcome !== undefined), 'every call ended (answered ones hung up)');
  // the Pizza entry was never called
  assert.not.ok(calls.includes('+447700900999'));
  // the server comes back: it receives the alarm and every action, in order
  w.server.up = true;
  await w.clock.runFor(10 * 60_000);
  const esc = w.server.stored().filter((r) => r.kind === 'escalation');
  assert.equal(esc.map((r) => (r.kind === 'escalation' ? `${r.contact}/${r.channel}/${r.outcome}` : '')), w.fallback.actions.map((a) => `${a.contact}/${a.channel}/${a.outcome}`));
  const alarmSeq = w.server.stored().find((r) => r.kind === 'alarm')!.seq;
  assert.ok(esc.every((r) => r.seq > alarmSeq));
});

test('the chain stops when the server is reachable again; no escalation when the server is reached within 60 s', async () => {
  const w = await world(32, {
    [FAMILY]: { answerProbability: 0, answerDelayMs: 0 },
    [FAMILY2]: { answerProbability: 0, answerDelayMs: 0 },
    [CLINIC]: { answerProbability: 0, answerDelayMs: 0 },
    [EMERGENCY]: { answerProbability: 0, answerDelayMs: 0 },
  });
  w.server.up = false;
  w.uplink.start();
  w.fallback.start();
  await w.clock.runFor(5000);
  raiseAsystole(w);
  await w.clock.runFor(100_000);
  assert.is(w.fallback.state, 'escalating');
  w.server.up = true;
  await w.clock.runFor(20 * 60_000);
  assert.is(w.fallback.state, 'stopped');
  assert.is(w.fallback.stopReason, 'server-back');
  assert.ok(w.telephony.calls.length < 6, `calls ${w.telephony.calls.length}`);
  assert.not.ok(w.telephony.outbox.some((s) => s.number === EMERGENCY), 'the emergency unit was not reached by the LPU: the server took over');
  const esc = w.server.stored().filter((r) => r.kind === 'escalation');
  assert.is(esc.length, w.fallback.actions.length, 'the server knows every action taken');

  // A second critical condition with the server up: uploaded at once, no local escalation.
  w.fallback.setCritical(null);
  await w.clock.runFor(1000);
  const smsBefore = w.telephony.outbox.length;
  raiseAsystole(w);
  await w.clock.runFor(5 * 60_000);
  assert.is(w.telephony.outbox.length, smsBefore);
  assert.is(w.fallback.state, 'idle');
});

test.run();
