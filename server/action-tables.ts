// Action tables, one per kind of reading, kept as data (action-tables/default.json) and
// validated on load. classify() maps a reading to the highest level any row of its table
// matches; levels are ordered none < mild < family < physician < emergency < critical, and
// 'fault' stands apart (a sensor fault is never a medical level).
// The stress estimate is informational (issue 8): its table may be left out (no rows: never an
// event) and may hold only 'mild' rows (recorded as an event, never escalated to anyone).
import { FAULTS, READING_KINDS, RHYTHMS, STRESS_LEVELS, type Reading, type ReadingKind } from '../protocol/readings.ts';
import { readFileSync } from 'node:fs';
import { DEFAULT_ACTION_TABLES } from './action-tables/default.ts';

export const LEVELS = ['none', 'mild', 'family', 'physician', 'emergency', 'critical'] as const;
export type MedicalLevel = (typeof LEVELS)[number];
export type Level = MedicalLevel | 'fault';

export const levelRank = (l: MedicalLevel): number => LEVELS.indexOf(l);

export type ActionRow =
  | { readonly above: number; readonly level: Level; readonly why: string }
  | { readonly below: number; readonly level: Level; readonly why: string }
  | { readonly equals: string; readonly level: Level; readonly why: string };

export interface ActionTable {
  /** The reading field (with its unit in the name) the rows test. */
  readonly measure: string;
  readonly rows: readonly ActionRow[];
}

export type ActionTables = Readonly<Record<ReadingKind, ActionTable>>;

const MEASURES: Record<ReadingKind, string> = {
  'heart-rate': 'heartRateBpm',
  temperature: 'tempC',
  'blood-pressure': 'systolicMmHg',
  rhythm: 'rhythm',
  spo2: 'spo2Percent',
  fault: 'fault',
  stress: 'level',
};
const CATEGORIES: Partial<Record<ReadingKind, readonly string[]>> = { rhythm: RHYTHMS, fault: FAULTS, stress: STRESS_LEVELS };
/** Kinds whose table may be omitted (then no row: never an event). */
const OPTIONAL_TABLES: ReadonlySet<ReadingKind> = new Set(['stress']);
/** Kinds whose rows may only be informational. */
const INFORMATIONAL_ONLY: ReadonlySet<ReadingKind> = new Set(['stress']);

export type TableResult = { ok: true; value: ActionTables } | { ok: false; errors: string[] };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Validates tables from JSON (a file an operator may edit): every problem is listed. */
export function validateActionTables(input: unknown): TableResult {
  const errors: string[] = [];
  if (!isObj(input) || input.format !== 1 || !isObj(input.tables)) return { ok: false, errors: ['expected { format: 1, tables: {...} }'] };
  const tables = input.tables;
  for (const k of Object.keys(tables)) if (!(READING_KINDS as readonly string[]).includes(k)) errors.push(`unknown reading kind ${k}`);
  const out: Partial<Record<ReadingKind, ActionTable>> = {};
  for (const kind of READING_KINDS) {
    const t = tables[kind];
    if (t === undefined && OPTIONAL_TABLES.has(kind)) { out[kind] = { measure: MEASURES[kind], rows: [] }; continue; }
    if (!isObj(t)) { errors.push(`${kind}: table missing`); continue; }
    if (t.measure !== MEASURES[kind]) errors.push(`${kind}: measure must be ${MEASURES[kind]}`);
    if (!Array.isArray(t.rows)) { errors.push(`${kind}: rows must be an array`); continue; }
    const rows: ActionRow[] = [];
    t.rows.forEach((r: unknown, i: number) => {
      const at = `${kind} row ${i}`;
      if (!isObj(r)) return void errors.push(`${at}: not an object`);
      const level = r.level;
      const isFaultTable = kind === 'fault';
      if (isFaultTable ? level !== 'fault' : !(LEVELS as readonly unknown[]).includes(level) || level === 'none') {
        return void errors.push(`${at}: level ${JSON.stringify(level)} not allowed${isFaultTable ? ' (fault rows must be level fault)' : ''}`);
      }
      if (INFORMATIONAL_ONLY.has(kind) && level !== 'mild') return void errors.push(`${at}: level ${JSON.stringify(level)} not allowed (${kind} is informational: only mild rows)`);
      const why = typeof r.why === 'string' ? r.why : '';
      const cats = CATEGORIES[kind];
      const keys = ['above', 'below', 'equals'].filter((k) => k in r);
      if (keys.length !== 1) return void errors.push(`${at}: needs exactly one of above, below, equals`);
      if (cats) {
        if (typeof r.equals !== 'string' || !cats.includes(r.equals)) return void errors.push(`${at}: equals must be one of ${cats.join(', ')}`);
        rows.push({ equals: r.equals, level: level as Level, why });
      } else if (typeof r.above === 'number' && Number.isFinite(r.above)) rows.push({ above: r.above, level: level as Level, why });
      else if (typeof r.below === 'number' && Number.isFinite(r.below)) rows.push({ below: r.below, level: level as Level, why });
      else errors.push(`${at}: above/below must be a finite number`);
    });
    // Thresholds must escalate monotonically, or a worse value would get a milder action.
    const mono = (dir: 'above' | 'below') => {
      const rs = rows.filter((r) => dir in r) as Array<{ above?: number; below?: number; level: Level }>;
      const sorted = [...rs].sort((a, b) => (dir === 'above' ? a.above! - b.above! : b.below! - a.below!));
      for (let i = 1; i < sorted.length; i++) {
        if (levelRank(sorted[i]!.level as MedicalLevel) <= levelRank(sorted[i - 1]!.level as MedicalLevel)) errors.push(`${kind}: ${dir} rows must escalate as the value gets worse`);
      }
    };
    if (!CATEGORIES[kind]) { mono('above'); mono('below'); }
    out[kind] = { measure: MEASURES[kind], rows };
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: out as ActionTables };
}

export function loadDefaultActionTables(): ActionTables {
  const r = validateActionTables(DEFAULT_ACTION_TABLES);
  if (!r.ok) throw new Error(`default action tables invalid: ${r.errors.join('; ')}`);
  return r.value;
}

export interface Classification {
  readonly level: Level;
  readonly why: string;
}

/** The highest level the reading's table assigns (none when no row matches). */
export function classify(tables: ActionTables, r: Reading): Classification {
  const t = tables[r.kind];
  const v = (r as unknown as Record<string, unknown>)[t.measure];
  let best: Classification = { level: 'none', why: 'no row matches' };
  for (const row of t.rows) {
    const hit = 'above' in row ? typeof v === 'number' && v > row.above : 'below' in row ? typeof v === 'number' && v < row.below : v === row.equals;
    if (!hit) continue;
    if (row.level === 'fault') return { level: 'fault', why: row.why };
    if (best.level === 'none' || levelRank(row.level) > levelRank(best.level as MedicalLevel)) best = { level: row.level, why: row.why };
  }
  return best;
}

/** Reads and validates an operator's JSON table file. */
export function loadActionTablesFile(path: string): TableResult {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return { ok: false, errors: [`${path}: ${(e as Error).message}`] };
  }
  return validateActionTables(json);
}
