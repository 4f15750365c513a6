// The escalation core: a pure state machine with no I/O and no clock of its own. Given the
// current state, an event (a reading, a call result, an acknowledgement, a timer) and the time,
// it returns the next state and the actions to take. The engine persists both and runs them.
//
// Policy (reference design, action table "fr/pr/er"):
//  - family:    call the family every retry interval until fr.
//  - physician: call the family, then the physician, then in turn, until fr or pr.
//  - emergency: as physician; once both were called `emergencyAfterRounds` times without an
//               answer (fr = pr = false), call the emergency unit with the verified location,
//               repeating until er (from then on only er ends it: the unit is on its way).
//  - critical:  the emergency unit at once (asystole, VF, VT), repeating until er.
//  - fault:     a sensor fault: SMS and email to the technical contact, SMS to the family,
//               labelled FAULT; never a call, never the emergency unit.
// A worse reading during an open escalation raises its level; a better one never lowers it
// (only an answer from a person ends an escalation).
import type { MedicalLevel } from './action-tables.ts';
import { levelRank } from './action-tables.ts';

export type Role = 'family' | 'physician' | 'emergency' | 'technical';
export type EscalationLevel = Exclude<MedicalLevel, 'none' | 'mild'> | 'fault';
export type CallOutcome = 'answered' | 'no-answer' | 'busy' | 'failed';
export type CalledRole = 'family' | 'physician' | 'emergency';

export interface EscalationConfig {
  /** Time between one call's end and the next call (default 60 s). */
  readonly retryIntervalMs: number;
  /** Calls to both family and physician without an answer before the emergency unit (default 1). */
  readonly emergencyAfterRounds: number;
  /**
   * After someone answered (phone or page), the same kind of reading at the same or a lower level
   * opens no new escalation for this long (default 30 min): the device keeps repeating the value
   * that was just answered for, and the person who took charge should not be rung again for it.
   * A higher level opens one at once.
   */
  readonly answeredQuietMs?: number;
}

export const DEFAULT_ESCALATION_CONFIG: EscalationConfig = { retryIntervalMs: 60_000, emergencyAfterRounds: 1 };

export interface EscalationState {
  readonly level: EscalationLevel;
  readonly fr: boolean;
  readonly pr: boolean;
  readonly er: boolean;
  readonly calls: Readonly<Record<CalledRole, number>>;
  readonly lastCalled: CalledRole | null;
  /** A call to this role is in flight (its result has not come back). */
  readonly awaiting: CalledRole | null;
  readonly emergencyDispatched: boolean;
  /** When the next call is due; null while a call is in flight or once resolved. */
  readonly nextDueAt: number | null;
  readonly status: 'active' | 'resolved';
  readonly resolution: string | null;
}

export type EscalationEvent =
  | { readonly type: 'reading'; readonly level: EscalationLevel }
  | { readonly type: 'timer' }
  | { readonly type: 'call-result'; readonly role: CalledRole; readonly outcome: CallOutcome }
  | { readonly type: 'acknowledged'; readonly role: Role };

export type NoticeReason = 'alert' | 'emergency' | 'fault';

export type Action =
  | { readonly type: 'call'; readonly role: CalledRole; readonly attempt: number }
  | { readonly type: 'sms'; readonly role: Role; readonly reason: NoticeReason }
  | { readonly type: 'email'; readonly role: Role; readonly reason: NoticeReason }
  | { readonly type: 'stop'; readonly reason: string };

export interface Transition {
  readonly state: EscalationState;
  readonly actions: readonly Action[];
}

const rank = (l: EscalationLevel): number => (l === 'fault' ? -1 : levelRank(l));

function resolvedBy(s: EscalationState): string | null {
  switch (s.level) {
    case 'family': return s.fr ? 'family answered' : null;
    case 'physician': return s.fr ? 'family answered' : s.pr ? 'physician answered' : null;
    case 'emergency':
      if (s.emergencyDispatched) return s.er ? 'emergency unit answered' : null;
      return s.fr ? 'family answered' : s.pr ? 'physician answered' : null;
    case 'critical': return s.er ? 'emergency unit answered' : null;
    case 'fault': return 'fault reported';
  }
}

function settle(s: EscalationState, actions: Action[]): Transition {
  if (s.status === 'active') {
    const why = resolvedBy(s);
    if (why) return { state: { ...s, status: 'resolved', resolution: why, nextDueAt: null }, actions: [...actions, { type: 'stop', reason: why }] };
  }
  return { state: s, actions };
}

/** The last escalation of a topic, as far as reopening is concerned. */
export interface PreviousEscalation {
  readonly level: EscalationLevel;
  readonly status: 'active' | 'resolved';
  readonly resolution: string | null;
  /** When it was last changed (for a resolved one: when it was resolved), ms. */
  readonly updatedAt: number;
}

/** Whether a reading at `level` should open a new escalation, given the topic's previous one. */
export function opensAfter(prev: PreviousEscalation | null, level: EscalationLevel, now: number, config: Pick<EscalationConfig, 'answeredQuietMs'>): boolean {
  if (!prev || prev.status !== 'resolved' || level === 'fault' || prev.level === 'fault') return true;
  if (!prev.resolution?.endsWith('answered')) return true;
  if (rank(level) > rank(prev.level)) return true;
  return now - prev.updatedAt >= (config.answeredQuietMs ?? 30 * 60_000);
}

export function startEscalation(level: EscalationLevel, now: number): Transition {
  const s: EscalationState = {
    level, fr: false, pr: false, er: false,
    calls: { family: 0, physician: 0, emergency: 0 },
    lastCalled: null, awaiting: null, emergencyDispatched: false,
    nextDueAt: level === 'fault' ? null : now,
    status: 'active', resolution: null,
  };
  if (level === 'fault') {
    return settle(s, [
      { type: 'sms', role: 'technical', reason: 'fault' },
      { type: 'email', role: 'technical', reason: 'fault' },
      { type: 'sms', role: 'family', reason: 'fault' },
    ]);
  }
  // Critical: nothing may queue on the modem before the emergency unit; the family's SMS goes
  // after the unit's first call (timer step), the email (no modem) at once.
  if (level === 'critical') return { state: s, actions: [{ type: 'email', role: 'family', reason: 'alert' }] };
  return { state: s, actions: [{ type: 'sms', role: 'family', reason: 'alert' }, { type: 'email', role: 'family', reason: 'alert' }] };
}

function nextTarget(s: EscalationState, config: EscalationConfig): CalledRole {
  const alternate: CalledRole = s.lastCalled === 'family' ? 'physician' : 'family';
  switch (s.level) {
    case 'family': return 'family';
    case 'physician': return alternate;
    case 'critical': return 'emergency';
    default: {
      if (s.emergencyDispatched) return 'emergency';
      const n = config.emergencyAfterRounds;
      return s.calls.family >= n && s.calls.physician >= n ? 'emergency' : alternate;
    }
  }
}

export function stepEscalation(s: EscalationState, e: EscalationEvent, now: number, config: EscalationConfig): Transition {
  if (s.status !== 'active') return { state: s, actions: [] };
  switch (e.type) {
    case 'reading': {
      if (e.level === 'fault' || s.level === 'fault' || rank(e.level) <= rank(s.level)) return { state: s, actions: [] };
      const actions: Action[] = [];
      // A jump to a critical rhythm acts at once instead of waiting out the retry interval.
      let nextDueAt = s.nextDueAt;
      if (s.awaiting === null && nextDueAt !== null && (e.level === 'critical' || e.level === 'emergency')) nextDueAt = Math.min(nextDueAt, now);
      // The family hears of a critical jump: at once if the unit is already dispatched, else right
      // after the unit's first call (timer step), so nothing delays that call.
      if (e.level === 'critical' && s.emergencyDispatched) actions.push({ type: 'sms', role: 'family', reason: 'alert' });
      return settle({ ...s, level: e.level, nextDueAt }, actions);
    }
    case 'timer': {
      if (s.awaiting !== null || s.nextDueAt === null || now < s.nextDueAt) return { state: s, actions: [] };
      const role = nextTarget(s, config);
      const actions: Action[] = [];
      const first = role === 'emergency' && !s.emergencyDispatched;
      if (first) actions.push({ type: 'sms', role: 'emergency', reason: 'emergency' });
      const attempt = s.calls[role] + 1;
      actions.push({ type: 'call', role, attempt });
      if (first && s.level === 'critical') actions.push({ type: 'sms', role: 'family', reason: 'alert' });
      return {
        state: { ...s, calls: { ...s.calls, [role]: attempt }, lastCalled: role, awaiting: role, emergencyDispatched: s.emergencyDispatched || role === 'emergency', nextDueAt: null },
        actions,
      };
    }
    case 'call-result': {
      if (s.awaiting !== e.role) return { state: s, actions: [] };
      const answered = e.outcome === 'answered';
      const flags = answered ? { fr: s.fr || e.role === 'family', pr: s.pr || e.role === 'physician', er: s.er || e.role === 'emergency' } : {};
      return settle({ ...s, ...flags, awaiting: null, nextDueAt: now + config.retryIntervalMs }, []);
    }
    case 'acknowledged': {
      const flags = { fr: s.fr || e.role === 'family', pr: s.pr || e.role === 'physician', er: s.er || e.role === 'emergency' };
      return settle({ ...s, ...flags }, []);
    }
  }
}
