// The cloud-link page: renders the server's role-scoped view and keeps it live over SSE.
// The server decides what this role may see; the page only shows what arrives.
import uPlot from '/web/uPlot.esm.js';

const base = location.pathname.replace(/\/+$/, '');
const $ = (id) => document.getElementById(id);
const STALE_MS = 3 * 60_000;

let view = null;
let viewLocalAt = 0; // Date.now() when the view arrived: the server's clock may not be ours
let ecgPlot = null;
const trendPlots = {};

const ROLE_TEXT = { family: 'Family view', physician: 'Physician view', emergency: 'Emergency unit view' };
const RHYTHM_TEXT = { sinus: 'Sinus', af: 'Atrial fibrillation', asystole: 'ASYSTOLE', vf: 'Ventricular fibrillation', vt: 'Ventricular tachycardia', unknown: 'Unknown' };
const SENSOR_TEXT = { ecg: 'ECG electrodes', ppg: 'Finger sensor (SpO₂)', temperature: 'Temperature sensor', cuff: 'Blood-pressure cuff' };
const FAULT_TEXT = { 'lead-off': 'an electrode is off', 'cuff-leak': 'the cuff leaks', 'adc-saturated': 'signal out of range (saturated)', 'no-signal': 'no signal', 'out-of-range': 'reading out of range' };
const ROLE_NAME = { family: 'Family', physician: 'Physician', emergency: 'Emergency unit', technical: 'Technician' };
const CHANNEL_TEXT = { call: 'called', sms: 'SMS to', email: 'email to' };
const OUTCOME_TEXT = { answered: 'answered', 'no-answer': 'no answer', busy: 'busy', failed: 'failed', sent: 'sent', 'no-recipient': 'no address' };

/** Server time now, estimated from the last view and the local time since it arrived. */
const serverNow = () => (view ? view.serverNow + (Date.now() - viewLocalAt) : Date.now());

function ago(ms) {
  if (ms < 0) ms = 0;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min ago`;
}
const clock = (t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

function tile(id, text, meta, state) {
  const el = $(id);
  el.querySelector('.num').textContent = text;
  const unit = el.querySelector('.unit');
  if (unit) unit.hidden = state === 'fault' || text === '–';
  el.querySelector('.meta').textContent = meta;
  el.classList.toggle('is-alarm', state === 'alarm');
  el.classList.toggle('is-fault', state === 'fault');
  el.setAttribute('aria-label', `${el.querySelector('h2').textContent}: ${text}${state === 'fault' ? ', sensor fault' : state === 'alarm' ? ', alarm' : ''}`);
}

const activeAlarms = () => (view?.alarms ?? []).filter((a) => a.status === 'active');
const medicalAlarms = () => activeAlarms().filter((a) => a.level !== 'fault');

function render() {
  if (!view) return;
  $('role').textContent = ROLE_TEXT[view.role] ?? view.role;
  const faultBySensor = new Map(view.faults.map((f) => [f.sensor, f]));
  const alarmKinds = new Set(medicalAlarms().map((a) => a.topic));
  const v = view.vitals;
  const state = (kind, sensor) => (faultBySensor.has(sensor) ? 'fault' : alarmKinds.has(kind) ? 'alarm' : 'ok');
  const faultText = () => 'Sensor fault';
  const m = (s) => (s ? `measured ${clock(s.measuredAt)}` : 'no reading yet');
  const fm = (sensor, normal) => (faultBySensor.has(sensor) ? `${FAULT_TEXT[faultBySensor.get(sensor).fault] ?? 'fault'} since ${clock(faultBySensor.get(sensor).measuredAt)}` : normal);

  const hrState = state('heart-rate', 'ecg');
  tile('t-hr', hrState === 'fault' ? faultText('ecg') : v.heartRate ? String(Math.round(v.heartRate.value.heartRateBpm)) : '–', fm('ecg', m(v.heartRate)), hrState);
  const bpState = state('blood-pressure', 'cuff');
  tile('t-bp', bpState === 'fault' ? faultText('cuff') : v.bloodPressure ? `${v.bloodPressure.value.systolicMmHg}/${v.bloodPressure.value.diastolicMmHg}` : '–',
    fm('cuff', v.bloodPressure ? `measured ${clock(v.bloodPressure.measuredAt)} (${ago(serverNow() - v.bloodPressure.measuredAt)})` : 'no reading yet'), bpState);
  const tState = state('temperature', 'temperature');
  tile('t-temp', tState === 'fault' ? faultText('temperature') : v.temperature ? v.temperature.value.tempC.toFixed(1) : '–', fm('temperature', m(v.temperature)), tState);
  const sState = state('spo2', 'ppg');
  tile('t-spo2', sState === 'fault' ? faultText('ppg') : v.spo2 ? String(Math.round(v.spo2.value.spo2Percent)) : '–', fm('ppg', m(v.spo2)), sState);
  const rState = state('rhythm', 'ecg');
  tile('t-rhythm', rState === 'fault' ? faultText('ecg') : v.rhythm ? (RHYTHM_TEXT[v.rhythm.value.rhythm] ?? v.rhythm.value.rhythm) : '–', fm('ecg', m(v.rhythm)), rState);

  // Overall state: an emergency and a sensor fault must never look alike.
  const status = $('status');
  const med = medicalAlarms();
  const faultAlarms = activeAlarms().filter((a) => a.level === 'fault');
  if (med.length) {
    status.className = 'status status-alarm';
    $('status-title').textContent = med.some((a) => a.level === 'critical' || a.level === 'emergency') ? 'EMERGENCY ALARM' : 'ALARM';
    $('status-detail').textContent = med.map((a) => `${cap(a.summary)} — ${a.why}`).join(' · ');
  } else if (view.faults.length || faultAlarms.length) {
    status.className = 'status status-fault';
    $('status-title').textContent = 'Sensor problem — not a medical alarm';
    $('status-detail').textContent = 'Some readings are unavailable until the sensor is fixed.';
  } else {
    status.className = 'status status-ok';
    $('status-title').textContent = 'OK — no active alarm';
    $('status-detail').textContent = 'Readings are within the limits set by the care team.';
  }

  const faults = $('faults');
  faults.hidden = view.faults.length === 0;
  faults.replaceChildren(...view.faults.map((f) => {
    const p = document.createElement('p');
    p.textContent = `Technical fault: ${SENSOR_TEXT[f.sensor] ?? f.sensor} — ${FAULT_TEXT[f.fault] ?? f.fault} (since ${clock(f.measuredAt)}).`;
    return p;
  }));

  // Acknowledgement: shown while an alarm is open that this role has not yet acknowledged.
  const flag = { family: 'fr', physician: 'pr', emergency: 'er' }[view.role];
  const pending = activeAlarms().filter((a) => !a.acknowledged[flag]);
  $('ack-box').hidden = pending.length === 0 && !$('ack-result').textContent;
  $('ack').hidden = pending.length === 0;
  if (pending.length === 0) $('ack-confirm').hidden = true;

  renderAlarms();
  renderLocation();
  renderEcg();
  renderTrends();
  $('foot').textContent = `Link valid until ${new Date(view.linkExpiresAt).toLocaleString([], { hour12: false })}. Do not forward it.`;
  tick();
}

const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

function renderAlarms() {
  const list = $('alarms');
  if (view.alarms.length === 0) {
    const li = document.createElement('li');
    li.className = 'none';
    li.textContent = 'No alarms in the last 24 hours.';
    list.replaceChildren(li);
    return;
  }
  list.replaceChildren(...view.alarms.map((a) => {
    const li = document.createElement('li');
    li.className = `alarm ${a.level === 'fault' ? 'fault' : ''} ${a.status === 'active' ? 'active' : 'resolved'}`;
    li.dataset.alarmId = String(a.id);
    const head = document.createElement('div');
    head.className = 'head';
    head.textContent = `${a.level === 'fault' ? 'Technical fault' : cap(a.level) + ' alarm'}: ${a.summary} — ${a.status === 'active' ? 'OPEN' : 'closed'} (started ${clock(a.startedAt)})`;
    const acks = document.createElement('div');
    acks.className = 'acks';
    const who = [a.acknowledged.fr && 'family', a.acknowledged.pr && 'physician', a.acknowledged.er && 'emergency unit'].filter(Boolean);
    acks.textContent = who.length ? `Acknowledged by: ${who.join(', ')}` : a.status === 'active' ? 'Not acknowledged yet' : a.level === 'fault' ? 'Notified (faults call nobody)' : 'Closed';
    if (a.nextCallAt) acks.textContent += ` · next call ${clock(a.nextCallAt)}`;
    const steps = document.createElement('ol');
    for (const s of a.steps) {
      const st = document.createElement('li');
      const outcome = s.status === 'done' ? (OUTCOME_TEXT[s.outcome] ?? s.outcome ?? 'done') : 'in progress';
      st.textContent = `${clock(s.at)} · ${CHANNEL_TEXT[s.channel] ?? s.channel} ${ROLE_NAME[s.role] ?? s.role}${s.channel === 'call' ? ` (call ${s.attempt})` : ''}: ${outcome}`;
      steps.append(st);
    }
    li.append(head, acks, steps);
    return li;
  }));
}

function renderLocation() {
  const box = $('location');
  box.hidden = !view.location;
  if (!view.location) return;
  const l = view.location;
  $('loc-text').textContent = l.lai ? `LAI ${l.lai}${l.cellId ? ` · cell ${l.cellId}` : ''}${l.verifiedAt ? ` · verified ${clock(l.verifiedAt)}` : ''}` : 'Location not yet verified';
}

const width = (el) => Math.max(260, el.parentElement.clientWidth - 24);

function renderEcg() {
  const card = $('ecg-card');
  card.hidden = !('ecg' in view);
  if (!view.ecg) {
    $('ecg-meta').textContent = 'ecg' in view ? '· no strip yet' : '';
    return;
  }
  const e = view.ecg;
  const xs = e.samplesUv.map((_, i) => i / e.rateHz);
  const ys = e.samplesUv.map((u) => u / 1000);
  $('ecg-meta').textContent = `· ${e.rateHz} Hz · recorded ${clock(e.measuredAt)}`;
  const data = [xs, ys];
  const el = $('ecg');
  if (ecgPlot) {
    ecgPlot.setData(data);
    return;
  }
  ecgPlot = new uPlot({
    width: width(el), height: 180,
    scales: { x: { time: false }, y: { range: [-1, 2] } },
    axes: [{ label: 's', stroke: 'currentColor' }, { label: 'mV', stroke: 'currentColor', size: 44 }],
    legend: { show: false }, cursor: { show: false },
    series: [{}, { label: 'ECG (mV)', stroke: getComputedStyle(document.documentElement).getPropertyValue('--ecg').trim() || 'green', width: 1.5 }],
  }, data, el);
}

function renderTrends() {
  const card = $('trends-card');
  card.hidden = !view.trends;
  if (!view.trends) return;
  const t = view.trends;
  const plot = (id, title, unit, series) => {
    const el = $(id);
    const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
    const data = [xs.map((x) => x / 1000), ...series.map((s) => {
      const m = new Map(s.points);
      return xs.map((x) => m.get(x) ?? null);
    })];
    if (trendPlots[id]) {
      trendPlots[id].setData(data);
      return;
    }
    trendPlots[id] = new uPlot({
      title, width: width(el), height: 150,
      // Range from the data with a margin, not from zero: a 0.5 °C rise must be visible.
      scales: { y: { range: (_u, lo, hi) => (lo == null || hi == null ? [0, 1] : [Math.floor(lo - 1 - (hi - lo) * 0.1), Math.ceil(hi + 1 + (hi - lo) * 0.1)]) } },
      axes: [{ stroke: 'currentColor' }, { label: unit, stroke: 'currentColor', size: 44 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true, points: { show: true, size: 4 } }))],
    }, data, el);
  };
  plot('trend-hr', 'Heart rate', '/min', [{ label: 'HR /min', color: '#d0453b', points: t.heartRateBpm }]);
  plot('trend-bp', 'Blood pressure', 'mmHg', [{ label: 'Systolic', color: '#1f5fbf', points: t.systolicMmHg }, { label: 'Diastolic', color: '#6b8fd6', points: t.diastolicMmHg }]);
  plot('trend-temp', 'Temperature', '°C', [{ label: 'Temp °C', color: '#c77700', points: t.tempC }]);
}

function tick() {
  const f = $('freshness');
  if (!view) return;
  if (view.lastReceivedAt === null) {
    f.textContent = 'No readings received yet.';
    f.classList.remove('stale');
    return;
  }
  const age = serverNow() - view.lastReceivedAt;
  const stale = age > STALE_MS;
  f.classList.toggle('stale', stale);
  f.textContent = stale
    ? `No new data for ${ago(age).replace(' ago', '')} — the values shown may be out of date. Check the device or call the patient.`
    : `Last update ${ago(age)}${live ? ' · live' : ' · reconnecting…'}`;
}

let live = false;

function deny(code) {
  view = null;
  live = false;
  $('status').className = 'status status-denied';
  $('status-title').textContent = code === 'expired' ? 'This link has expired.' : code === 'revoked' ? 'This link was withdrawn.' : 'This link is not valid.';
  $('status-detail').textContent = 'No readings are shown. Ask the care team for a new link.';
  for (const s of document.querySelectorAll('main > section:not(#status)')) s.hidden = true;
  $('freshness').textContent = '';
}

function connect() {
  const es = new EventSource(`${base}/events`);
  es.addEventListener('view', (ev) => {
    live = true;
    view = JSON.parse(ev.data);
    viewLocalAt = Date.now();
    render();
    document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1);
  });
  es.addEventListener('denied', (ev) => {
    es.close();
    deny(JSON.parse(ev.data).error);
  });
  es.onerror = async () => {
    live = false;
    tick();
    // A refused token closes for good; anything else is retried by EventSource itself.
    const r = await fetch(`${base}/state`).catch(() => null);
    if (r && (r.status === 401 || r.status === 403)) {
      es.close();
      deny((await r.json().catch(() => ({}))).error);
    }
  };
}

$('ack').addEventListener('click', () => {
  $('ack-confirm').hidden = false;
  $('ack-yes').focus();
});
$('ack-no').addEventListener('click', () => {
  $('ack-confirm').hidden = true;
  $('ack').focus();
});
$('ack-yes').addEventListener('click', async () => {
  $('ack-yes').disabled = true;
  try {
    const r = await fetch(`${base}/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const b = await r.json().catch(() => ({}));
    $('ack-result').textContent = r.ok ? 'Thank you — recorded. The others are told that you are responding.' : `Could not record it (${b.message ?? r.status}). Please phone instead.`;
  } catch {
    $('ack-result').textContent = 'No connection — could not record it. Please phone instead.';
  } finally {
    $('ack-yes').disabled = false;
    $('ack-confirm').hidden = true;
    $('ack-box').hidden = false;
  }
});

// Charts follow the page width (a phone turned sideways, a resized window).
let resizeTimer = 0;
addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (ecgPlot) ecgPlot.setSize({ width: width($('ecg')), height: 180 });
    for (const [id, p] of Object.entries(trendPlots)) p.setSize({ width: width($(id)), height: 150 });
  }, 100);
});

setInterval(tick, 1000);
connect();
