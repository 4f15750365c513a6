// Shared checks for the end-to-end tests: the whole chain (cli/e2e-run.ts) on one virtual clock.
import { runE2e, E2E_CONTACTS, type E2eOptions, type E2eSummary, type E2eWorld } from '../../cli/e2e-run.ts';

export { E2E_CONTACTS };

/**
 * A wall-clock guard: a run that stops making progress in virtual time would otherwise hang the
 * whole suite. Fails with `what` after `wallMs` of real time, and ends the process shortly after
 * (the hung run still holds sockets open and may hang the next test) so the runner reports it.
 */
export function watchdog<T>(p: Promise<T>, wallMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`HUNG: ${what} did not finish within ${wallMs / 1000} s of wall time (virtual time stopped advancing)`);
      // uvu prints failures only at the end of the file, which a hung run may never reach.
      process.stderr.write(`${err.message}\n`);
      reject(err);
      setTimeout(() => process.exit(1), 2000).unref();
    }, wallMs);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

/** Wall-clock limit of one end-to-end run in the tests (a healthy run takes a few seconds). */
export const E2E_WALL_LIMIT_MS = Number(process.env.E2E_WALL_LIMIT_MS ?? 90_000);

export async function e2e(scenario: E2eOptions['scenario'], minutes: number, extra: Partial<E2eOptions> = {}, wallLimitMs = E2E_WALL_LIMIT_MS): Promise<E2eSummary> {
  const name = typeof scenario === 'string' ? scenario : 'name' in scenario ? scenario.name : 'custom';
  return watchdog(
    runE2e({ scenario, seed: 7, durationMs: minutes * 60_000, device: { nibpIntervalMs: 120_000 }, ...extra }),
    wallLimitMs,
    `the e2e run of ${name} (${Math.round(minutes * 60)} s virtual)`,
  );
}

/** The server's calls in order as "role:answered|no-answer". */
export const callSeq = (s: E2eSummary): string[] => s.alerts.filter((a) => a.channel === 'call').map((a) => `${a.role}:${a.answeredAtMs !== undefined ? 'answered' : 'no-answer'}`);

/** Nothing lost, doubled or reordered between the LPU and the server (seqs 1..N stored once each). */
export function uploadsClean(s: E2eSummary): string | null {
  const u = s.uploads;
  if (u.duplicates !== 0) return `${u.duplicates} duplicates`;
  if (u.repeated !== 0) return `${u.repeated} heart-rate readings stored twice`;
  if (u.outOfOrder !== 0) return `${u.outOfOrder} readings out of order`;
  if (u.readingsStored !== u.ackedSeq) return `stored ${u.readingsStored} but acked through ${u.ackedSeq} (hole)`;
  if (u.readingsStored === 0) return 'nothing stored';
  if (u.ackedSeq + u.queuedAtEnd < u.lastSeqAssigned) return `the LPU assigned seq ${u.lastSeqAssigned}, the server acked ${u.ackedSeq}, ${u.queuedAtEnd} still queued (lost)`;
  return null;
}

export type RowLevel = 'mild' | 'family' | 'physician' | 'emergency' | 'critical' | 'fault';

/** What one row of the action tables must do, end to end. */
export interface RowExpectation {
  /** The escalation topic: 'heart-rate', 'temperature', 'rhythm', 'spo2', 'blood-pressure', 'fault:SENSOR:CODE'. */
  topic: string;
  level: RowLevel;
  /** Board ms the condition began (the truth crossing, the injected reading or fault). */
  onsetMs: number;
}

const ROLE_OF_LEVEL: Record<Exclude<RowLevel, 'mild'>, string> = { family: 'family', physician: 'physician', emergency: 'emergency', critical: 'emergency', fault: 'technical' };
const ROLES_OF_LEVEL: Record<RowLevel, readonly string[]> = {
  mild: [], family: ['family'], physician: ['family', 'physician'], emergency: ['family', 'physician', 'emergency'], critical: ['family', 'emergency'], fault: ['technical', 'family'],
};
const s1 = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

/**
 * Checks a row's outcome: uploads clean, the escalation at the row's level and nothing else, the
 * right people called in the right order and nobody else. Returns a line with the latencies from
 * onset (first notice of any kind, first call to the row's role), which the tests print.
 * Returns an error message (for assert) or the report line.
 */
export function checkRow(s: E2eSummary, x: RowExpectation): { error: string | null; line: string; firstAlertMs: number | null; roleMs: number | null } {
  const fail = (why: string) => ({ error: `${x.topic} ${x.level}: ${why}\n  calls ${callSeq(s).join(', ')}\n  alerts ${s.alerts.map((a) => `${a.channel}:${a.role}@${s1(a.atMs)}`).join(', ')}\n  escalations ${JSON.stringify(s.escalations)}`, line: '', firstAlertMs: null, roleMs: null });
  const clean = uploadsClean(s);
  if (clean) return fail(`uploads not clean: ${clean}`);
  const calls = callSeq(s);
  const allowed = ROLES_OF_LEVEL[x.level];
  const stray = s.alerts.find((a) => !allowed.includes(a.role));
  if (stray) return fail(`${stray.channel} to ${stray.role}, who is not part of a ${x.level} escalation`);
  const escs = s.escalations.map((e) => `${e.kind}:${e.level}`);
  const after = (ms: number) => ms - x.onsetMs;
  if (x.level === 'mild') {
    if (s.alerts.length) return fail('a mild reading notifies nobody');
    if (escs.length) return fail('a mild reading opens no escalation');
    const ev = s.events.find((e) => e.kind === x.topic && e.level === 'mild');
    if (!ev) return fail(`no mild ${x.topic} event recorded: ${JSON.stringify(s.events)}`);
    return { error: null, line: `mild event recorded ${s1(after(ev.firstAtMs))} after onset (no notice, no call)`, firstAlertMs: after(ev.firstAtMs), roleMs: null };
  }
  if (!escs.includes(`${x.topic}:${x.level}`)) return fail(`no ${x.topic} escalation at level ${x.level}`);
  const others = escs.filter((e) => e !== `${x.topic}:${x.level}`);
  if (others.length) return fail(`other escalations: ${others.join(', ')}`);
  const smsTo = (role: string) => s.alerts.find((a) => a.channel === 'sms' && a.role === role);
  const emailTo = (role: string) => s.alerts.find((a) => a.channel === 'email' && a.role === role);
  if (x.level === 'fault') {
    if (calls.length) return fail('a fault never places a call');
    const tech = smsTo('technical');
    if (!tech?.text?.includes('TECHNICAL FAULT (not a medical alarm)')) return fail('no fault SMS to the technical contact');
    if (!emailTo('technical')) return fail('no email to the technical contact');
    if (!smsTo('family')?.text?.includes('TECHNICAL FAULT')) return fail('the family SMS is not labelled as a fault');
    return { error: null, line: `technical SMS ${s1(after(tech.atMs))} after onset; no call, no emergency`, firstAlertMs: after(s.alerts[0]!.atMs), roleMs: after(tech.atMs) };
  }
  if (!smsTo('family') || !emailTo('family')) return fail('the family gets an SMS and an email');
  if (calls.length === 0) return fail('nobody was called');
  const role = ROLE_OF_LEVEL[x.level];
  const firstRole = calls.findIndex((c) => c.startsWith(`${role}:`));
  if (firstRole < 0) return fail(`${role} never called`);
  const upTo = calls.slice(0, firstRole + 1);
  if (x.level === 'family' && !calls.every((c) => c === 'family:no-answer')) return fail('only the family is called (and never answers here)');
  if (x.level === 'physician') {
    if (upTo.join() !== 'family:no-answer,physician:no-answer') return fail('family first, then the physician');
    for (let i = 1; i < calls.length; i++) if (calls[i]!.split(':')[0] === calls[i - 1]!.split(':')[0]) return fail('family and physician are called in turn');
  }
  if (x.level === 'emergency' && upTo.join() !== 'family:no-answer,physician:no-answer,emergency:answered') return fail('one round of family and physician, then the emergency unit');
  if (x.level === 'critical' && upTo.join() !== 'emergency:answered') return fail('the emergency unit at once');
  if (role === 'emergency') {
    const sms = smsTo('emergency');
    if (!sms?.text?.includes('Verified location: LAI 262-01-0x1a2b')) return fail('the emergency unit gets the verified location by SMS');
  }
  const callAt = s.alerts.filter((a) => a.channel === 'call')[firstRole]!.atMs;
  return {
    error: null,
    line: `first notice ${s1(after(s.alerts[0]!.atMs))}, first ${role} call ${s1(after(callAt))} after onset; calls ${calls.join(' → ')}`,
    firstAlertMs: after(s.alerts[0]!.atMs),
    roleMs: after(callAt),
  };
}

/** Row runs: a 10 s retry interval (instead of 60 s) keeps the family → physician → emergency walk short. */
export const ROW_OPTIONS: Partial<E2eOptions> = { retryIntervalMs: 10_000 };

/** Prints one row's result (the lead collects these lines). */
export function reportRow(name: string, line: string): void {
  process.stdout.write(`ROW ${name}: ${line}\n`);
}

type Injected = Parameters<E2eWorld['uplink']['event']>[0][number];
type Untimed<T> = T extends unknown ? Omit<T, 'measuredAt'> : never;
/** Readings no sensor of the device produces, put into the LPU's upload queue at `atMs` as an event
 * (uploaded at once): from there on the real chain (flash queue, session, SIM800, server). */
export function injectAt(atMs: number, ...readings: Array<Untimed<Injected>>): (w: E2eWorld) => void {
  return (w) => void w.clock.after(atMs, () => w.uplink.event(readings.map((r) => ({ ...r, measuredAt: w.uplink.epoch() }) as Injected)));
}
