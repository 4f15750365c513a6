// Human-readable one-line summaries of readings, with units, for notifications.
import type { Reading } from '../protocol/readings.ts';

export function describeReading(r: Reading): string {
  switch (r.kind) {
    case 'heart-rate': return `heart rate ${r.heartRateBpm} bpm`;
    case 'temperature': return `temperature ${r.tempC.toFixed(1)} °C`;
    case 'blood-pressure': return `blood pressure ${r.systolicMmHg}/${r.diastolicMmHg} mmHg`;
    case 'rhythm': return `rhythm ${r.rhythm}`;
    case 'spo2': return `SpO2 ${r.spo2Percent} %`;
    case 'fault': return `${r.sensor} sensor fault: ${r.fault}`;
    case 'stress': return `stress level ${r.level} (score ${r.score}/100)`;
  }
}

/** Short labels for SMS (one SMS is 160 characters). */
export function describeReadingShort(r: Reading): string {
  switch (r.kind) {
    case 'heart-rate': return `HR ${r.heartRateBpm} bpm`;
    case 'temperature': return `temp ${r.tempC.toFixed(1)} °C`;
    case 'blood-pressure': return `BP ${r.systolicMmHg}/${r.diastolicMmHg} mmHg`;
    default: return describeReading(r);
  }
}

/** The value without its label, for "from 165/80 mmHg". */
function valueText(r: Reading): string {
  switch (r.kind) {
    case 'heart-rate': return `${r.heartRateBpm} bpm`;
    case 'temperature': return `${r.tempC.toFixed(1)} °C`;
    case 'blood-pressure': return `${r.systolicMmHg}/${r.diastolicMmHg} mmHg`;
    case 'rhythm': return r.rhythm;
    case 'spo2': return `${r.spo2Percent} %`;
    case 'fault': return r.fault;
    case 'stress': return `${r.level} (${r.score}/100)`;
  }
}

/** The number a trend is judged on (systolic for blood pressure); null for categorical readings. */
function trendValue(r: Reading): number | null {
  switch (r.kind) {
    case 'heart-rate': return r.heartRateBpm;
    case 'temperature': return r.tempC;
    case 'blood-pressure': return r.systolicMmHg;
    case 'spo2': return r.spo2Percent;
    default: return null;
  }
}

const formatters = new Map<string, { time: Intl.DateTimeFormat; day: Intl.DateTimeFormat }>();

function formattersFor(timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = {
      time: new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }),
      day: new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'short', day: 'numeric' }),
    };
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws RangeError for a time zone Intl does not know (checked once at engine start). */
export function checkTimeZone(timeZone: string): string {
  formattersFor(timeZone);
  return timeZone;
}

/**
 * "14:05 UTC", with the date in front when it is not the same calendar day as `now`; without the
 * zone name ("14:05") when `zone` is false (a second time in the same sentence).
 */
export function formatClockTime(ms: number, now: number, timeZone = 'UTC', zone = true): string {
  const f = formattersFor(timeZone);
  const parts = f.time.formatToParts(ms);
  const time = zone ? f.time.format(ms) : parts.filter((p) => p.type === 'hour' || p.type === 'minute' || (p.type === 'literal' && p.value === ':')).map((p) => p.value).join('');
  const day = f.day.format(ms);
  return day === f.day.format(now) ? time : `${day} ${time}`;
}

export interface DescribeOptions {
  readonly timeZone?: string;
  /** Short labels (BP, HR) for SMS. */
  readonly short?: boolean;
  /** Leave out the course since the first reading. */
  readonly noCourse?: boolean;
}

/**
 * The current value and when it was measured, with its course since the reading that opened the
 * escalation: "blood pressure 182/110 mmHg at 14:05 UTC (rising since 13:52, from 165/80 mmHg)".
 * `first` is null or the same reading when nothing newer has arrived.
 */
export function describeCurrent(latest: Reading, first: Reading | null, now: number, o: DescribeOptions = {}): string {
  const tz = o.timeZone ?? 'UTC';
  const head = `${(o.short ? describeReadingShort : describeReading)(latest)} at ${formatClockTime(latest.measuredAt, now, tz)}`;
  if (o.noCourse || !first || first.seq === latest.seq || first.kind !== latest.kind) return head;
  const since = formatClockTime(first.measuredAt, now, tz, false);
  const a = trendValue(first);
  const b = trendValue(latest);
  if (a === null || b === null) {
    return valueText(first) === valueText(latest) ? `${head} (since ${since})` : `${head} (was ${valueText(first)} at ${since})`;
  }
  const course = b > a ? 'rising' : b < a ? 'falling' : 'unchanged';
  return `${head} (${course} since ${since}, from ${valueText(first)})`;
}
