// The cloud link's API over plain HTTP: role scoping enforced by the server, token expiry and
// revocation, the access log, mailed acknowledgement links opening the page, operator-only issuing.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { int } from '../../server/db.ts';
import { encodeEcgStrip } from '../../protocol/readings.ts';
import { backends, CONTACTS, OPERATOR_TOKEN, post } from '../server/helpers.ts';
import { getJson, issue, startWorld, uploadEcg, vitalsAt, type World } from './helpers.ts';

// The same on PostgreSQL when BSN_TEST_DATABASE_URL is set (the views use DISTINCT ON, JSON and arrays).
for (const backend of backends()) {
  const test = suite(backend.name);
  let w: World;

  test.before(async () => {
    w = await startWorld({}, await backend.open());
    const r = await w.lpu.send(vitalsAt(w, 5_000));
    assert.is(r.status, 200);
    await uploadEcg(w, 12_000);
  });
  test.after(async () => {
    await w.close();
  });

  test('family sees vitals and alarms, never the ECG, the history or the location', async () => {
    const l = await issue(w, 'family');
    assert.ok(l.token.length >= 22, 'at least 128 bits');
    const s = await getJson(w, `${l.path}/state`);
    assert.is(s.status, 200);
    assert.is(s.json.role, 'family');
    const v = s.json.vitals as Record<string, { value: Record<string, number> } | null>;
    assert.ok(v.heartRate && v.heartRate.value.heartRateBpm > 40 && v.heartRate.value.heartRateBpm < 120);
    assert.ok(v.bloodPressure);
    assert.not.ok('ecg' in s.json);
    assert.not.ok('trends' in s.json);
    assert.not.ok('location' in s.json);
    assert.not.match(s.text, /262-01|0x1a2b|samplesUv/);
    // No contact details in anyone's view.
    for (const c of Object.values(CONTACTS)) assert.not.ok(s.text.includes(c.phone));
  });

  test('the SSE stream is cut to the role the same way, and no token appears in the server log', async () => {
    const fam = await issue(w, 'family');
    const em = await issue(w, 'emergency');
    const first = async (path: string) => {
      const ctl = new AbortController();
      const r = await fetch(w.h.base + path + '/events', { signal: ctl.signal });
      assert.is(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /text\/event-stream/);
      assert.is(r.headers.get('referrer-policy'), 'no-referrer');
      const reader = r.body!.getReader();
      let text = '';
      while (!/event: view\ndata: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
      ctl.abort();
      return JSON.parse(/event: view\ndata: (.*)\n\n/.exec(text)![1]!) as Record<string, unknown>;
    };
    const f = await first(fam.path);
    assert.is(f.role, 'family');
    assert.not.ok('ecg' in f || 'location' in f || 'trends' in f);
    const e = await first(em.path);
    assert.ok('ecg' in e && 'location' in e);
    for (const t of [fam.token, em.token]) assert.not.ok(w.h.logLines.some((l) => l.includes(t)), 'token in the log');
    assert.ok(w.h.logLines.some((l) => l.includes('/c/:token/state')), 'route patterns are logged');
  });

  test('physician sees the ECG strip and the 24-hour history, not the location; emergency also the location', async () => {
    const p = await getJson(w, `${(await issue(w, 'physician')).path}/state`);
    assert.is(p.status, 200);
    const ecg = p.json.ecg as { rateHz: number; samplesUv: number[] };
    assert.is(ecg.rateHz, 125);
    assert.is(ecg.samplesUv.length, 1250);
    // The simulated lead II has R peaks near 1.2 mV.
    assert.ok(Math.max(...ecg.samplesUv) > 700, `R peak ${Math.max(...ecg.samplesUv)} uV`);
    assert.ok(p.json.trends);
    assert.not.ok('location' in p.json);
    assert.not.match(p.text, /0x1a2b/);
    const e = await getJson(w, `${(await issue(w, 'emergency')).path}/state`);
    assert.equal((e.json.location as Record<string, unknown>).lai, '262-01-0x1a2b');
    assert.ok(e.json.ecg);
  });

  test('expired, revoked and unknown tokens are refused (API 401/403, page with a clear message), and logged', async () => {
    const short = await issue(w, 'family', 1);
    assert.is((await getJson(w, `${short.path}/state`)).status, 200);
    w.h.clock.advance(3_600_000 + 1);
    const exp = await getJson(w, `${short.path}/state`);
    assert.is(exp.status, 403);
    assert.is(exp.json.error, 'expired');
    const page = await getJson(w, short.path);
    assert.is(page.status, 403);
    assert.match(page.text, /This link has expired/);

    const rev = await issue(w, 'physician');
    assert.is((await getJson(w, `${rev.path}/state`)).status, 200);
    const r = await post(w.h.base, `/v1/links/${rev.id}/revoke`, null, { authorization: `Bearer ${OPERATOR_TOKEN}` });
    assert.is(r.status, 200);
    const after = await getJson(w, `${rev.path}/events`);
    assert.is(after.status, 403);
    assert.is(after.json.error, 'revoked');
    assert.match((await getJson(w, rev.path)).text, /withdrawn/);

    const unknown = await getJson(w, '/c/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/state');
    assert.is(unknown.status, 401);
    assert.is((await getJson(w, '/c/short/state')).status, 401);

    // The operator reads a patient's log over HTTP; refused without the operator token.
    assert.is((await fetch(`${w.h.base}/v1/access-log?patientId=${w.patientId}`)).status, 401);
    const viaApi = await (await fetch(`${w.h.base}/v1/access-log?patientId=${w.patientId}&limit=5`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).json() as { entries: Array<{ route: string; outcome: string; role: string }> };
    assert.is(viaApi.entries.length, 5);
    assert.equal([viaApi.entries[0]!.route, viaApi.entries[0]!.outcome, viaApi.entries[0]!.role], ['page', 'revoked', 'physician']);
    const log = await w.db.query('SELECT outcome, role, route FROM web_access_log ORDER BY id');
    const outcomes = log.map((x) => `${String(x.route)}:${String(x.outcome)}`);
    assert.ok(outcomes.includes('state:expired'));
    assert.ok(outcomes.includes('page:expired'));
    assert.ok(outcomes.includes('events:revoked'));
    assert.ok(outcomes.filter((o) => o === 'state:unknown-token').length >= 2);
    assert.ok(log.filter((x) => x.outcome === 'ok').length >= 4);
  });

  test('an ECG strip arrives through the sealed data channel; a malformed one is refused (422) and stores nothing', async () => {
    await w.lpu.handshake(); // the expiry test moved the clock past the session lifetime
    const before = await w.db.query('SELECT count(*) AS n FROM ecg_strips');
    const bad = encodeEcgStrip({ startAt: w.h.clock.now(), rateHz: 125, samplesUv: [0, 10, 20, 30] }).slice(0, -1);
    const sealed = w.lpu.session!.channel.seal(bad);
    if (!sealed.ok) throw new Error(sealed.error.code);
    const r = await w.lpu.sendFrame(sealed.value);
    assert.is(r.status, 422);
    assert.is(r.json!.error, 'payload-truncated');
    assert.equal(await w.db.query('SELECT count(*) AS n FROM ecg_strips'), before);
    const samples = await uploadEcg(w, 30_000);
    const p = await getJson(w, `${(await issue(w, 'physician')).path}/state`);
    const ecg = p.json.ecg as { samplesUv: number[] };
    assert.ok(ecg.samplesUv.every((u, i) => Math.abs(u - samples[i]!) <= 10), 'within half a 20 uV step');
    assert.ok(w.h.logLines.some((l) => l.includes('"ecg-strip-stored"')));
  });

  test('issuing and revoking links needs the operator token', async () => {
    const body = JSON.stringify({ patientId: w.patientId, role: 'family' });
    assert.is((await post(w.h.base, '/v1/links', body, { 'content-type': 'application/json' })).status, 401);
    assert.is((await post(w.h.base, '/v1/links', body, { 'content-type': 'application/json', authorization: 'Bearer wrong-token-of-some-length' })).status, 401);
    assert.is((await post(w.h.base, '/v1/links', JSON.stringify({ patientId: w.patientId, role: 'technical' }), { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` })).status, 400);
    assert.is((await post(w.h.base, '/v1/links/1/revoke', null, {})).status, 401);
  });

  test('a mailed acknowledgement link opens the page with its role; acknowledging from the page sets fr', async () => {
    // BP 150: family and physician in turn; the family SMS carries a link.
    // The clock moved past the session lifetime in the expiry test: authenticate again.
    await w.lpu.handshake();
    assert.is((await w.lpu.send(vitalsAt(w, 20_000, { systolicMmHg: 150 }))).status, 200);
    await w.h.server.engine!.idle();
    const sms = w.h.telephony.log.find((d) => d.channel === 'sms' && d.to === CONTACTS.family.phone);
    assert.ok(sms, 'family SMS sent');
    const token = /\/([A-Za-z0-9_-]{43})$/.exec(sms!.text)![1]!;
    const s = await getJson(w, `/c/${token}/state`);
    assert.is(s.status, 200);
    assert.is(s.json.role, 'family');
    assert.not.ok('ecg' in s.json);
    const alarms = s.json.alarms as Array<{ status: string; acknowledged: { fr: boolean } }>;
    assert.is(alarms[0]!.status, 'active');
    const ack = await post(w.h.base, `/c/${token}/ack`, '{}', { 'content-type': 'application/json' });
    assert.is(ack.status, 200);
    assert.is(ack.json!.acknowledged, 1);
    const esc = await w.db.query(`SELECT status, state FROM escalations WHERE topic = 'blood-pressure'`);
    assert.is(JSON.parse(String(esc[0]!.state)).core.fr, true);
    assert.is(String(esc[0]!.status), 'resolved');
    const acks = await w.db.query(`SELECT count(*) AS n FROM web_access_log WHERE route = 'ack' AND outcome = 'acknowledged:1'`);
    assert.is(int(acks[0]!.n), 1);
  });
  test.run();
}
