// The page's data for one patient, cut to the viewer's role on the server: family sees vitals and
// alarms; the physician also the ECG strip and the 24-hour history; the emergency unit also the
// verified location. Fields a role may not see are absent, not blanked. No names, phone numbers or
// patient ids are sent to anyone.
import { decodeLai, formatLai } from '../../protocol/index.ts';
import { int, intOrNull, type Database } from '../db.ts';
import { latestEcgStrip, type EcgStrip, type LinkRole } from './links.ts';

export const TREND_WINDOW_MS = 24 * 3_600_000;

export interface Sample<V> {
  readonly measuredAt: number;
  readonly receivedAt: number;
  readonly value: V;
}

export interface ActiveFault {
  readonly sensor: string;
  readonly fault: string;
  readonly measuredAt: number;
}

export interface AlarmStep {
  readonly step: number;
  readonly at: number;
  readonly channel: string;
  readonly role: string;
  readonly attempt: number;
  readonly status: string;
  readonly outcome: string | null;
}

export interface Alarm {
  readonly id: number;
  readonly topic: string;
  readonly level: string;
  readonly status: string;
  readonly summary: string;
  readonly why: string;
  readonly startedAt: number;
  readonly updatedAt: number;
  readonly acknowledged: { readonly fr: boolean; readonly pr: boolean; readonly er: boolean };
  readonly nextCallAt: number | null;
  readonly steps: readonly AlarmStep[];
}

export interface PageView {
  readonly role: LinkRole;
  readonly serverNow: number;
  readonly linkExpiresAt: number;
  readonly lastReceivedAt: number | null;
  readonly vitals: {
    readonly heartRate: Sample<{ heartRateBpm: number }> | null;
    readonly temperature: Sample<{ tempC: number }> | null;
    readonly bloodPressure: Sample<{ systolicMmHg: number; diastolicMmHg: number }> | null;
    readonly rhythm: Sample<{ rhythm: string }> | null;
    readonly spo2: Sample<{ spo2Percent: number }> | null;
  };
  readonly faults: readonly ActiveFault[];
  readonly alarms: readonly Alarm[];
  readonly trends?: {
    readonly heartRateBpm: ReadonlyArray<readonly [number, number]>;
    readonly tempC: ReadonlyArray<readonly [number, number]>;
    readonly systolicMmHg: ReadonlyArray<readonly [number, number]>;
    readonly diastolicMmHg: ReadonlyArray<readonly [number, number]>;
    readonly spo2Percent: ReadonlyArray<readonly [number, number]>;
  };
  readonly ecg?: (EcgStrip & { receivedAt: number }) | null;
  readonly location?: { readonly lai: string | null; readonly cellId: string | null; readonly verifiedAt: number | null };
}

export const canSeeEcg = (r: LinkRole): boolean => r === 'physician' || r === 'emergency';
export const canSeeHistory = canSeeEcg;
export const canSeeLocation = (r: LinkRole): boolean => r === 'emergency';

// Which measured kinds a sensor's fault invalidates.
const SENSOR_KINDS: Record<string, readonly string[]> = {
  // Only a rhythm proves the ECG is back: while it is off the finger sensor's pulse stands in for the heart rate.
  ecg: ['rhythm'],
  ppg: ['spo2'],
  temperature: ['temperature'],
  cuff: ['blood-pressure'],
};

export async function buildView(db: Database, lpuId: number, role: LinkRole, now: number, linkExpiresAt: number): Promise<PageView> {
  // Latest per kind through the (lpu, kind, time) index; the last few faults, newest per sensor.
  const latest = await db.query(
    `SELECT k.kind, r.measured_at, r.received_at, r.value FROM unnest($2::text[]) AS k(kind)
     CROSS JOIN LATERAL (SELECT measured_at, received_at, value FROM readings WHERE lpu_id = $1 AND kind = k.kind
                         ORDER BY measured_at DESC, seq DESC LIMIT 1) r`,
    [lpuId, '{heart-rate,temperature,blood-pressure,rhythm,spo2}'],
  );
  const recentFaults = await db.query(`SELECT measured_at, received_at, value FROM readings WHERE lpu_id = $1 AND kind = 'fault' ORDER BY measured_at DESC, seq DESC LIMIT 32`, [lpuId]);
  const byKind = new Map<string, { measuredAt: number; receivedAt: number; value: Record<string, unknown> }>();
  const faultRows: Array<{ measuredAt: number; value: Record<string, unknown> }> = [];
  for (const r of latest) byKind.set(String(r.kind), { measuredAt: int(r.measured_at), receivedAt: int(r.received_at), value: JSON.parse(String(r.value)) as Record<string, unknown> });
  const seenSensors = new Set<string>();
  for (const r of recentFaults) {
    const value = JSON.parse(String(r.value)) as Record<string, unknown>;
    if (seenSensors.has(String(value.sensor))) continue;
    seenSensors.add(String(value.sensor));
    faultRows.push({ measuredAt: int(r.measured_at), value });
  }
  const sample = <V>(kind: string, pick: (v: Record<string, unknown>) => V): Sample<V> | null => {
    const e = byKind.get(kind);
    return e ? { measuredAt: e.measuredAt, receivedAt: e.receivedAt, value: pick(e.value) } : null;
  };
  // A fault is current while no reading of that sensor came after it.
  const faults: ActiveFault[] = faultRows
    .filter((f) => (SENSOR_KINDS[String(f.value.sensor)] ?? []).every((k) => (byKind.get(k)?.measuredAt ?? -Infinity) < f.measuredAt))
    .map((f) => ({ sensor: String(f.value.sensor), fault: String(f.value.fault), measuredAt: f.measuredAt }));
  const last = (await db.query('SELECT received_at AS m FROM readings WHERE lpu_id = $1 ORDER BY received_at DESC LIMIT 1', [lpuId]))[0];

  const view: PageView = {
    role, serverNow: now, linkExpiresAt,
    lastReceivedAt: intOrNull(last?.m),
    vitals: {
      heartRate: sample('heart-rate', (v) => ({ heartRateBpm: Number(v.heartRateBpm) })),
      temperature: sample('temperature', (v) => ({ tempC: Number(v.tempC) })),
      bloodPressure: sample('blood-pressure', (v) => ({ systolicMmHg: Number(v.systolicMmHg), diastolicMmHg: Number(v.diastolicMmHg) })),
      rhythm: sample('rhythm', (v) => ({ rhythm: String(v.rhythm) })),
      spo2: sample('spo2', (v) => ({ spo2Percent: Number(v.spo2Percent) })),
    },
    faults,
    alarms: await alarms(db, lpuId, now),
  };
  const extra: { trends?: PageView['trends']; ecg?: PageView['ecg']; location?: PageView['location'] } = {};
  if (canSeeHistory(role)) extra.trends = await trends(db, lpuId, now);
  if (canSeeEcg(role)) extra.ecg = await latestEcgStrip(db, lpuId);
  if (canSeeLocation(role)) {
    const r = (await db.query('SELECT last_lai, last_cell_id, last_seen_at FROM lpus WHERE id = $1', [lpuId]))[0];
    const lai = r?.last_lai ? decodeLai(Uint8Array.from(Buffer.from(String(r.last_lai), 'hex'))) : null;
    extra.location = { lai: lai?.ok ? formatLai(lai.value) : null, cellId: r?.last_cell_id ? String(r.last_cell_id) : null, verifiedAt: intOrNull(r?.last_seen_at) };
  }
  return { ...view, ...extra };
}

async function alarms(db: Database, lpuId: number, now: number): Promise<Alarm[]> {
  // Open ones, and those closed within the trend window, newest first.
  const rows = await db.query(
    `SELECT id, topic, status, state, next_due_at, created_at, updated_at FROM escalations
     WHERE lpu_id = $1 AND (status = 'active' OR updated_at >= $2) ORDER BY id DESC LIMIT 20`,
    [lpuId, now - TREND_WINDOW_MS],
  );
  if (rows.length === 0) return [];
  const ids = rows.map((r) => int(r.id));
  const steps = await db.query(
    `SELECT escalation_id, step, channel, role, attempt, status, outcome, created_at, done_at FROM notifications
     WHERE escalation_id = ANY($1::bigint[]) ORDER BY escalation_id, step`,
    [`{${ids.join(',')}}`],
  );
  return rows.map((r) => {
    const id = int(r.id);
    const st = JSON.parse(String(r.state)) as { core: { level: string; fr: boolean; pr: boolean; er: boolean }; trigger: { summary: string; why: string } };
    return {
      id, topic: String(r.topic), level: st.core.level, status: String(r.status),
      summary: st.trigger.summary, why: st.trigger.why,
      startedAt: int(r.created_at), updatedAt: int(r.updated_at),
      acknowledged: { fr: st.core.fr, pr: st.core.pr, er: st.core.er },
      nextCallAt: String(r.status) === 'active' ? intOrNull(r.next_due_at) : null,
      // Who was reached and how, never the phone number or address or the message text.
      steps: steps.filter((s) => int(s.escalation_id) === id).map((s) => ({
        step: int(s.step), at: intOrNull(s.done_at) ?? int(s.created_at), channel: String(s.channel), role: String(s.role),
        attempt: int(s.attempt), status: String(s.status), outcome: s.outcome === null ? null : String(s.outcome),
      })),
    };
  });
}

async function trends(db: Database, lpuId: number, now: number): Promise<NonNullable<PageView['trends']>> {
  const rows = await db.query(
    `SELECT kind, measured_at, value FROM readings WHERE lpu_id = $1 AND measured_at >= $2 AND kind IN ('heart-rate', 'temperature', 'blood-pressure', 'spo2')
     ORDER BY measured_at, seq LIMIT 20000`,
    [lpuId, now - TREND_WINDOW_MS],
  );
  const out = { heartRateBpm: [] as Array<[number, number]>, tempC: [] as Array<[number, number]>, systolicMmHg: [] as Array<[number, number]>, diastolicMmHg: [] as Array<[number, number]>, spo2Percent: [] as Array<[number, number]> };
  for (const r of rows) {
    const t = int(r.measured_at);
    const v = JSON.parse(String(r.value)) as Record<string, number>;
    if (r.kind === 'heart-rate') out.heartRateBpm.push([t, v.heartRateBpm!]);
    else if (r.kind === 'temperature') out.tempC.push([t, v.tempC!]);
    else if (r.kind === 'spo2') out.spo2Percent.push([t, v.spo2Percent!]);
    else {
      out.systolicMmHg.push([t, v.systolicMmHg!]);
      out.diastolicMmHg.push([t, v.diastolicMmHg!]);
    }
  }
  return out;
}
