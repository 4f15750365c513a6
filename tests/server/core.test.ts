// The pure parts: payload codec (round trip, every truncation and seeded garbage never throws),
// action-table validation and classification at the boundaries, the escalation state machine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classify, loadDefaultActionTables, validateActionTables } from '../../server/action-tables.ts';
import { DEFAULT_ACTION_TABLES } from '../../server/action-tables/default.ts';
import { startEscalation, stepEscalation, type EscalationConfig, type EscalationState, type Action } from '../../server/escalation.ts';
import { decodeAck, decodeReadings, encodeAck, encodeReadings, type Reading } from '../../protocol/readings.ts';
import { seededRandom } from '../protocol/helpers.ts';

const sample: Reading[] = [
  { kind: 'heart-rate', seq: 1, measuredAt: 1_700_000_000_123, heartRateBpm: 61.3 },
  { kind: 'temperature', seq: 2, measuredAt: 2, tempC: -12.34 },
  { kind: 'blood-pressure', seq: 3, measuredAt: 3, systolicMmHg: 141, diastolicMmHg: 92 },
  { kind: 'rhythm', seq: 4, measuredAt: 4, rhythm: 'af' },
  { kind: 'spo2', seq: 0xffffffff, measuredAt: 5, spo2Percent: 97.5 },
  { kind: 'fault', seq: 6, measuredAt: 6, sensor: 'cuff', fault: 'cuff-leak' },
];

test('readings payload round-trips every kind with units; the ack round-trips', () => {
  const d = decodeReadings(encodeReadings(sample));
  assert.ok(d.ok);
  if (d.ok) assert.equal(d.value, sample);
  const a = decodeAck(encodeAck(0xfffffffe));
  assert.equal(a, { ok: true, value: { ackedSeq: 0xfffffffe } });
});

test('every truncation and seeded garbage decodes to a typed error, never a throw', () => {
  const good = encodeReadings(sample);
  for (let n = 0; n < good.length; n++) {
    const r = decodeReadings(good.subarray(0, n));
    assert.not.ok(r.ok, `prefix ${n}`);
  }
  const random = seededRandom(11);
  let okCount = 0;
  for (let i = 0; i < 3000; i++) {
    const b = i % 2 ? random(1 + (i % 90)) : (() => { const m = new Uint8Array(good); m[i % m.length] ^= 1 << (i % 8); return m; })();
    const r = decodeReadings(b);
    if (r.ok) okCount++;
    else assert.type(r.error.code, 'string');
  }
  assert.ok(okCount < 3000);
});

test('default tables validate; broken tables are refused with every reason', () => {
  loadDefaultActionTables();
  const t = JSON.parse(JSON.stringify(DEFAULT_ACTION_TABLES)) as { tables: Record<string, { measure: string; rows: Array<Record<string, unknown>> }> };
  t.tables['blood-pressure']!.rows[3]!.level = 'mild'; // 160 would be milder than 145
  t.tables['heart-rate']!.measure = 'bpm';
  t.tables.fault!.rows[0]!.level = 'emergency'; // a fault must never be a medical level
  delete t.tables.spo2;
  t.tables.rhythm!.rows.push({ equals: 'torsades', level: 'critical' });
  const r = validateActionTables({ format: 1, ...t });
  assert.not.ok(r.ok);
  if (!r.ok) {
    const all = r.errors.join('\n');
    assert.match(all, /blood-pressure: above rows must escalate/);
    assert.match(all, /heart-rate: measure must be heartRateBpm/);
    assert.match(all, /fault row 0: level "emergency" not allowed/);
    assert.match(all, /spo2: table missing/);
    assert.match(all, /rhythm row 4: equals must be one of/);
  }
});

test('blood-pressure boundaries follow the reference table (strictly above each threshold)', () => {
  const tables = loadDefaultActionTables();
  const level = (s: number) => classify(tables, { kind: 'blood-pressure', seq: 1, measuredAt: 0, systolicMmHg: s, diastolicMmHg: 80 }).level;
  assert.equal([100, 120, 121, 130, 131, 145, 146, 160, 161].map(level), ['none', 'none', 'mild', 'mild', 'family', 'family', 'physician', 'physician', 'emergency']);
  assert.is(classify(tables, { kind: 'fault', seq: 1, measuredAt: 0, sensor: 'ecg', fault: 'lead-off' }).level, 'fault');
  assert.is(classify(tables, { kind: 'rhythm', seq: 1, measuredAt: 0, rhythm: 'sinus' }).level, 'none');
});

const cfg: EscalationConfig = { retryIntervalMs: 1000, emergencyAfterRounds: 2 };

/** Drives the core: answers[i] is the outcome of the i-th call; returns the calls made. */
function drive(s0: { state: EscalationState }, answers: Record<string, boolean[]>, limit = 20): { calls: string[]; state: EscalationState; actions: Action[] } {
  let s = s0.state;
  let now = 0;
  const calls: string[] = [];
  const actions: Action[] = [];
  const n: Record<string, number> = {};
  for (let i = 0; i < limit && s.status === 'active'; i++) {
    const t = stepEscalation(s, { type: 'timer' }, now, cfg);
    actions.push(...t.actions);
    s = t.state;
    const call = t.actions.find((a) => a.type === 'call');
    if (!call || call.type !== 'call') { now += 500; continue; }
    calls.push(call.role);
    const k = n[call.role] = (n[call.role] ?? 0) + 1;
    const answered = answers[call.role]?.[k - 1] ?? false;
    s = stepEscalation(s, { type: 'call-result', role: call.role, outcome: answered ? 'answered' : 'no-answer' }, now, cfg).state;
  }
  return { calls, state: s, actions };
}

test('escalation core: emergencyAfterRounds = 2 means two full rounds before the unit', () => {
  const r = drive(startEscalation('emergency', 0), { emergency: [true] });
  assert.equal(r.calls, ['family', 'physician', 'family', 'physician', 'emergency']);
  assert.is(r.state.status, 'resolved');
  assert.ok(r.actions.some((a) => a.type === 'sms' && a.role === 'emergency'));
});

test('escalation core: no call before the retry interval; an acknowledgement during a call ends it; events after the end do nothing', () => {
  let t = startEscalation('family', 0);
  t = stepEscalation(t.state, { type: 'timer' }, 0, cfg);
  assert.equal(t.actions, [{ type: 'call', role: 'family', attempt: 1 }]);
  assert.equal(stepEscalation(t.state, { type: 'timer' }, 10, cfg).actions, [], 'no second call while one is in flight');
  const afterResult = stepEscalation(t.state, { type: 'call-result', role: 'family', outcome: 'busy' }, 100, cfg);
  assert.is(afterResult.state.nextDueAt, 1100);
  assert.equal(stepEscalation(afterResult.state, { type: 'timer' }, 1099, cfg).actions, []);
  const second = stepEscalation(afterResult.state, { type: 'timer' }, 1100, cfg);
  assert.equal(second.actions, [{ type: 'call', role: 'family', attempt: 2 }]);
  const acked = stepEscalation(second.state, { type: 'acknowledged', role: 'family' }, 1200, cfg);
  assert.is(acked.state.status, 'resolved');
  assert.equal(acked.actions, [{ type: 'stop', reason: 'family answered' }]);
  assert.equal(stepEscalation(acked.state, { type: 'reading', level: 'critical' }, 1300, cfg).actions, []);
});

test('escalation core: a lower reading never lowers the level; a critical one acts at once', () => {
  let t = startEscalation('physician', 0);
  t = stepEscalation(t.state, { type: 'reading', level: 'family' }, 0, cfg);
  assert.is(t.state.level, 'physician');
  const waiting = { ...t.state, nextDueAt: 5000 };
  const up = stepEscalation(waiting, { type: 'reading', level: 'critical' }, 100, cfg);
  assert.is(up.state.level, 'critical');
  assert.is(up.state.nextDueAt, 100);
  assert.equal(stepEscalation(up.state, { type: 'timer' }, 100, cfg).actions.filter((a) => a.type === 'call'), [{ type: 'call', role: 'emergency', attempt: 1 }]);
});

test('escalation core: a fault notifies technical and family without any call and ends at once', () => {
  const t = startEscalation('fault', 0);
  assert.is(t.state.status, 'resolved');
  assert.not.ok(t.actions.some((a) => a.type === 'call' || ('role' in a && a.role === 'emergency')));
  assert.ok(t.actions.some((a) => a.type === 'sms' && a.role === 'technical' && a.reason === 'fault'));
});

test('escalation core: critical puts nothing on the modem before the emergency unit; the family SMS follows its first call', () => {
  const t = startEscalation('critical', 0);
  assert.equal(t.actions, [{ type: 'email', role: 'family', reason: 'alert' }]);
  const go = stepEscalation(t.state, { type: 'timer' }, 0, cfg);
  assert.equal(go.actions, [
    { type: 'sms', role: 'emergency', reason: 'emergency' },
    { type: 'call', role: 'emergency', attempt: 1 },
    { type: 'sms', role: 'family', reason: 'alert' },
  ]);
  // Later calls to the unit do not text the family again.
  const r = stepEscalation(go.state, { type: 'call-result', role: 'emergency', outcome: 'no-answer' }, 50_000, cfg);
  const again = stepEscalation(r.state, { type: 'timer' }, 50_000 + cfg.retryIntervalMs, cfg);
  assert.equal(again.actions, [{ type: 'call', role: 'emergency', attempt: 2 }]);
  // A jump to critical after the unit was dispatched texts the family at once.
  const emergencyDispatched = { ...startEscalation('emergency', 0).state, emergencyDispatched: true, nextDueAt: 9_000 };
  assert.ok(stepEscalation(emergencyDispatched, { type: 'reading', level: 'critical' }, 100, cfg).actions.some((a) => a.type === 'sms' && a.role === 'family'));
  const notYet = { ...startEscalation('physician', 0).state, nextDueAt: 9_000 };
  assert.equal(stepEscalation(notYet, { type: 'reading', level: 'critical' }, 100, cfg).actions, []);
});

test.run();
