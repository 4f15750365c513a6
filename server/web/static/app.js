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
// The chart objects, for a reader's tools and the browser tests (what is drawn, not the DOM).
const charts = { ecg: null, trends: trendPlots };
window.bsnCharts = charts;

const ROLE_TEXT = { family: 'Family view', physician: 'Physician view', emergency: 'Emergency unit view' };
const RHYTHM_TEXT = { sinus: 'Sinus', af: 'Atrial fibrillation', asystole: 'ASYSTOLE', vf: 'Ventricular fibrillation', vt: 'Ventricular tachycardia', unknown: 'Unknown' };
const SENSOR_TEXT = { ecg: 'ECG electrodes', ppg: 'Finger sensor (SpO₂)', temperature: 'Temperature sensor', cuff: 'Blood-pressure cuff' };
const FAULT_TEXT = {
  'lead-off': 'an electrode is off', 'cuff-leak': 'the cuff leaks', 'adc-saturated': 'signal out of range (saturated)', 'no-signal': 'no signal',
  'out-of-range': 'reading out of range', noisy: 'signal too noisy', flat: 'no signal (flat line)', 'no-pulse': 'no pulse found', 'probe-open': 'probe disconnected',
  implausible: 'implausible reading', overpressure: 'cuff over-pressure (released)', timeout: 'measurement took too long', 'sensor-fault': 'sensor fault',
  'no-oscillations': 'no pulse found in the cuff', motion: 'too much movement', 'pump-fault': 'cuff pump fault',
};
/** What a tile says instead of a number while its sensor is in fault: never a value. */
const UNAVAILABLE = { ecg: 'ECG electrode off — reading unavailable', ppg: 'Finger sensor problem — reading unavailable', temperature: 'Temperature sensor problem — reading unavailable', cuff: 'Cuff problem — reading unavailable' };
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

function tile(id, text, meta, state, measuredAt) {
  const el = $(id);
  if (measuredAt) el.dataset.measuredAt = String(measuredAt);
  else delete el.dataset.measuredAt;
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
  // A sensor in fault shows what is wrong and that there is no reading, never a number.
  const faultText = (sensor) => {
    const f = faultBySensor.get(sensor);
    if (sensor === 'ecg' && f.fault === 'lead-off') return UNAVAILABLE.ecg;
    return f.fault === 'sensor-fault' || !FAULT_TEXT[f.fault] ? UNAVAILABLE[sensor] : `${cap(FAULT_TEXT[f.fault])} — reading unavailable`;
  };
  const m = (s) => (s ? `measured ${clock(s.measuredAt)} (${ago(serverNow() - s.measuredAt)})` : 'no reading yet');
  const fm = (sensor, normal) => (faultBySensor.has(sensor) ? `since ${clock(faultBySensor.get(sensor).measuredAt)}` : normal);
  const show = (id, kind, sensor, sample, fmt) => {
    const st = state(kind, sensor);
    tile(id, st === 'fault' ? faultText(sensor) : sample ? fmt(sample.value) : '–', fm(sensor, m(sample)), st, st === 'fault' ? null : sample?.measuredAt);
  };
  // While the ECG is off the device sends the finger sensor's pulse as the heart rate: shown, and said so.
  const ecgFault = faultBySensor.get('ecg');
  if (ecgFault && v.heartRate && v.heartRate.measuredAt >= ecgFault.measuredAt) {
    tile('t-hr', String(Math.round(v.heartRate.value.heartRateBpm)), `from the finger sensor (${ecgFault.fault === 'lead-off' ? 'ECG electrode off' : 'ECG unavailable'}) · ${m(v.heartRate)}`, alarmKinds.has('heart-rate') ? 'alarm' : 'ok', v.heartRate.measuredAt);
  } else show('t-hr', 'heart-rate', 'ecg', v.heartRate, (x) => String(Math.round(x.heartRateBpm)));
  show('t-bp', 'blood-pressure', 'cuff', v.bloodPressure, (x) => `${x.systolicMmHg}/${x.diastolicMmHg}`);
  show('t-temp', 'temperature', 'temperature', v.temperature, (x) => x.tempC.toFixed(1));
  show('t-spo2', 'spo2', 'ppg', v.spo2, (x) => String(Math.round(x.spo2Percent)));
  show('t-rhythm', 'rhythm', 'ecg', v.rhythm, (x) => RHYTHM_TEXT[x.rhythm] ?? x.rhythm);
  // SpO2 has no sensor on this device: its tile only appears once a value ever arrives.
  $('t-spo2').hidden = !v.spo2 && !faultBySensor.has('ppg');
  document.body.dataset.receivedAt = String(view.lastReceivedAt ?? '');

  // Overall state: an emergency and a sensor fault must never look alike.
  const status = $('status');
  const med = medicalAlarms();
  const faultAlarms = activeAlarms().filter((a) => a.level === 'fault');
  if (med.length) {
    status.className = 'status status-alarm';
    $('status-title').textContent = med.some((a) => a.level === 'critical' || a.level === 'emergency') ? 'EMERGENCY ALARM' : 'ALARM';
    $('status-detail').textContent = med.map((a) => `${cap(a.summary)}. ${LEVEL_TEXT[a.level] ?? ''}`.trim()).join(' · ');
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
/** Who is being reached at each level, in plain words (the banner). */
const LEVEL_TEXT = {
  family: 'The family is being called.',
  physician: 'The family and the physician are being called in turn.',
  emergency: 'The emergency unit is being called.',
  critical: 'The emergency unit is being called.',
};
/** A technical alarm's title from its topic (fault:<sensor>:<fault>). */
function faultTitle(a) {
  const [, sensor, fault] = String(a.topic).split(':');
  return `${SENSOR_TEXT[sensor] ?? sensor ?? 'sensor'} — ${FAULT_TEXT[fault] ?? fault ?? 'fault'}`;
}

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
    head.textContent = `${a.level === 'fault' ? `Technical fault: ${faultTitle(a)}` : `${cap(a.level)} alarm: ${a.summary}`} — ${a.status === 'active' ? 'OPEN' : 'closed'} (started ${clock(a.startedAt)})`;
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
  const el = $('ecg');
  if (!view.ecg) {
    $('ecg-meta').textContent = 'ecg' in view ? '· no strip yet' : '';
    return;
  }
  const e = view.ecg;
  const xs = e.samplesUv.map((_, i) => i / e.rateHz);
  // Missing samples (an electrode off) stay null: uPlot draws a gap, never a flat line.
  const ys = e.samplesUv.map((u) => (u === null ? null : u / 1000));
  const missing = ys.filter((y) => y === null).length;
  $('ecg-meta').textContent = `· recorded ${clock(e.measuredAt)} (${ago(serverNow() - e.measuredAt)})`;
  const note = $('ecg-gap');
  note.hidden = missing === 0;
  note.textContent = missing === ys.length ? 'ECG electrode off — no trace in this strip.'
    : `ECG electrode off for ${(missing / e.rateHz).toFixed(1)} s of this strip — those parts are left blank, not drawn as a line.`;
  el.dataset.recordedAt = String(e.measuredAt);
  el.dataset.samples = String(ys.length);
  el.dataset.missing = String(missing);
  const data = [xs, ys];
  if (ecgPlot) {
    ecgPlot.setData(data);
    return;
  }
  ecgPlot = new uPlot({
    width: width(el), height: 180,
    scales: { x: { time: false }, y: { range: [-1, 2] } },
    axes: [{ label: 'seconds', stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.25)' } }, { label: 'mV', stroke: 'currentColor', size: 44, grid: { stroke: 'rgba(128,128,128,0.25)' } }],
    legend: { show: false }, cursor: { show: false },
    series: [{}, { label: 'ECG (mV)', stroke: getComputedStyle(document.documentElement).getPropertyValue('--ecg').trim() || 'green', width: 1.5, spanGaps: false }],
  }, data, el);
  charts.ecg = ecgPlot;
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
    el.dataset.points = String(xs.length);
    // No chart without points: a line of text says so (an empty axis looks like a broken page).
    if (xs.length === 0) {
      if (!trendPlots[id]) el.textContent = `${title}: no readings in the last 24 hours.`;
      return;
    }
    if (!trendPlots[id]) el.textContent = '';
    trendPlots[id] = new uPlot({
      title, width: width(el), height: 150,
      legend: { live: false },
      // Range from the data with a margin, not from zero: a 0.5 °C rise must be visible.
      // One point would make a zero-width time axis (uPlot then spans years): pad it by 30 min.
      scales: { x: { range: (_u, lo, hi) => (lo === hi ? [lo - 1800, hi + 1800] : [lo, hi]) }, y: { range: (_u, lo, hi) => (lo == null || hi == null ? [0, 1] : [Math.floor(lo - 1 - (hi - lo) * 0.1), Math.ceil(hi + 1 + (hi - lo) * 0.1)]) } },
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
