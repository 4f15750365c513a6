// Local alarm classification from the vitals snapshot (pure), and an alarm tracker that debounces
// conditions so a value hovering at a threshold does not flap. Only values classify: a fault is
// never an alarm (a lead-off ECG is not asystole, a leaking cuff is not hypotension).
//
// Thresholds. Blood pressure follows the reference design's stages on the systolic pressure:
// <= 120 normal, > 120 mild (a gentle local beep), > 130 moderate (the server tells family),
// > 145 severe (physician), > 160 critical (emergency unit). Heart: bradycardia < 50/min and
// tachycardia > 120/min as the rhythm analysis flags them; < 40 or > 150/min severe. Irregular
// (AF-like) rhythm moderate. Asystole critical. Fever >= 38.0 °C mild, >= 39.0 moderate,
// >= 40.0 severe. Held alarms have hysteresis (3 mmHg, 0.2 °C, 3/min) on top of the debouncing.
import type { Alarm, AlarmCondition, AlarmLevel, VitalsSnapshot } from '../vitals.ts';
import { levelRank } from '../vitals.ts';

export interface AlarmCandidate {
  condition: AlarmCondition;
  level: AlarmLevel;
  detail: string;
}

export const ALARM_CONDITIONS: readonly AlarmCondition[] = ['asystole', 'bradycardia', 'tachycardia', 'irregular-rhythm', 'hypertension', 'fever'];

/** One threshold of a staged condition: at `level` when the value passes `threshold`. */
interface Stage {
  level: AlarmLevel;
  threshold: number;
}

/**
 * The level a value reaches on rising stages (`above`: value > threshold, else value >=), with
 * hysteresis: a level already held stays while the value is within `deadband` of its threshold,
 * so a temperature hovering at 38.0 °C does not raise and clear the alarm every few seconds.
 */
function stagedLevel(value: number, stages: readonly Stage[], deadband: number, held: AlarmLevel | undefined, above: boolean): AlarmLevel | null {
  let level: AlarmLevel | null = null;
  for (const st of stages) {
    const thr = held !== undefined && levelRank(st.level) <= levelRank(held) ? st.threshold - deadband : st.threshold;
    if (above ? value > thr : value >= thr) level = st.level;
  }
  return level;
}

const BP_STAGES: readonly Stage[] = [
  { level: 'mild', threshold: 120 },
  { level: 'moderate', threshold: 130 },
  { level: 'severe', threshold: 145 },
  { level: 'critical', threshold: 160 },
];
const FEVER_STAGES: readonly Stage[] = [
  { level: 'mild', threshold: 38 },
  { level: 'moderate', threshold: 39 },
  { level: 'severe', threshold: 40 },
];
/** Deadbands of the hysteresis: 3 mmHg, 0.2 °C, 3/min. */
export const DEADBAND = { mmHg: 3, tempC: 0.2, bpm: 3 } as const;

export function systolicLevel(systolicMmHg: number, held?: AlarmLevel): AlarmLevel | null {
  return stagedLevel(systolicMmHg, BP_STAGES, DEADBAND.mmHg, held, true);
}

export function feverLevel(tempC: number, held?: AlarmLevel): AlarmLevel | null {
  return stagedLevel(tempC, FEVER_STAGES, DEADBAND.tempC, held, false);
}

/** Levels of the alarms currently raised, for hysteresis. */
export type HeldLevels = ReadonlyMap<AlarmCondition, AlarmLevel>;
const NONE_HELD: HeldLevels = new Map();

/** The conditions the current values meet (no debouncing; hysteresis around held alarms). */
export function classify(s: Pick<VitalsSnapshot, 'ecg' | 'temperature' | 'bloodPressure'>, held: HeldLevels = NONE_HELD): AlarmCandidate[] {
  const out: AlarmCandidate[] = [];
  const e = s.ecg;
  if (e.kind === 'value') {
    const rate = e.heartRateBpm;
    const hr = Math.round(rate);
    const db = DEADBAND.bpm;
    if (e.rhythm.asystole) out.push({ condition: 'asystole', level: 'critical', detail: 'no QRS for > 4 s' });
    else {
      // Flags from the rhythm analysis (< 50, > 120/min); a held alarm stays within the deadband.
      const brady = held.get('bradycardia');
      if (e.rhythm.bradycardia || (brady && rate < 50 + db)) out.push({ condition: 'bradycardia', level: rate < 40 || (brady === 'severe' && rate < 40 + db) ? 'severe' : 'mild', detail: `HR ${hr}/min` });
      const tachy = held.get('tachycardia');
      if (e.rhythm.tachycardia || (tachy && rate > 120 - db)) out.push({ condition: 'tachycardia', level: rate > 150 || (tachy === 'severe' && rate > 150 - db) ? 'severe' : 'mild', detail: `HR ${hr}/min` });
      if (e.rhythm.irregular) out.push({ condition: 'irregular-rhythm', level: 'moderate', detail: `HR ${hr}/min irregular` });
    }
  }
  const bp = s.bloodPressure;
  if (bp.kind === 'value') {
    const level = systolicLevel(bp.systolicMmHg, held.get('hypertension'));
    if (level) out.push({ condition: 'hypertension', level, detail: `BP ${Math.round(bp.systolicMmHg)}/${Math.round(bp.diastolicMmHg)} mmHg` });
  }
  const t = s.temperature;
  if (t.kind === 'value') {
    const level = feverLevel(t.tempC, held.get('fever'));
    if (level) out.push({ condition: 'fever', level, detail: `${t.tempC.toFixed(1)} °C` });
  }
  return out;
}

export interface AlarmChange {
  kind: 'raised' | 'changed' | 'cleared';
  alarm: Alarm;
}

export interface AlarmTrackerOptions {
  /** Consecutive evaluations a condition must be seen before it is raised (asystole: at once). */
  raiseAfter?: number;
  /** Consecutive evaluations without it before it clears. */
  clearAfter?: number;
}

/** Debounces classified conditions into raised alarms; evaluate() at a fixed rate (1 Hz). */
export class AlarmTracker {
  private readonly raiseAfter: number;
  private readonly clearAfter: number;
  private readonly seen = new Map<AlarmCondition, number>();
  private readonly missed = new Map<AlarmCondition, number>();
  private readonly active = new Map<AlarmCondition, Alarm>();

  constructor(opts: AlarmTrackerOptions = {}) {
    this.raiseAfter = opts.raiseAfter ?? 3;
    this.clearAfter = opts.clearAfter ?? 5;
  }

  /** Feeds this evaluation's candidates; returns what changed. */
  evaluate(nowMs: number, candidates: readonly AlarmCandidate[]): AlarmChange[] {
    const changes: AlarmChange[] = [];
    for (const c of ALARM_CONDITIONS) {
      const cand = candidates.find((x) => x.condition === c);
      const cur = this.active.get(c);
      if (cand) {
        this.missed.set(c, 0);
        const n = (this.seen.get(c) ?? 0) + 1;
        this.seen.set(c, n);
        if (!cur) {
          if (n >= this.raiseAfter || c === 'asystole') {
            const alarm: Alarm = { condition: c, level: cand.level, sinceMs: nowMs, detail: cand.detail };
            this.active.set(c, alarm);
            changes.push({ kind: 'raised', alarm });
          }
        } else if (cur.level !== cand.level) {
          // Escalates at once; steps down only when the lower level has held as long as a raise.
          if (levelRank(cand.level) > levelRank(cur.level) || n >= this.raiseAfter) {
            const alarm: Alarm = { ...cur, level: cand.level, detail: cand.detail };
            this.active.set(c, alarm);
            this.seen.set(c, 0);
            changes.push({ kind: 'changed', alarm });
          }
        } else {
          cur.detail = cand.detail;
          this.seen.set(c, 0);
        }
      } else {
        this.seen.set(c, 0);
        if (cur) {
          const m = (this.missed.get(c) ?? 0) + 1;
          this.missed.set(c, m);
          // Asystole clears as soon as beats are back: the carer must see the rate again.
          if (m >= this.clearAfter || c === 'asystole') {
            this.active.delete(c);
            this.missed.set(c, 0);
            changes.push({ kind: 'cleared', alarm: cur });
          }
        }
      }
    }
    return changes;
  }

  /** Levels of the active alarms (for classify's hysteresis). */
  held(): HeldLevels {
    const m = new Map<AlarmCondition, AlarmLevel>();
    for (const [c, a] of this.active) m.set(c, a.level);
    return m;
  }

  /** Active alarms, most severe first. */
  alarms(): Alarm[] {
    return [...this.active.values()].sort((a, b) => levelRank(b.level) - levelRank(a.level) || ALARM_CONDITIONS.indexOf(a.condition) - ALARM_CONDITIONS.indexOf(b.condition));
  }
}
