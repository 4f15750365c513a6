// The screens of a 16x2 display, as pure functions of the display model. Custom glyphs are
// written as their stand-in symbols; the LCD driver maps them to CGRAM slots.
//
//   vitals   ♥ 72 P 71 36.8°C     heart rate (ECG), pulse rate (PPG), temperature
//            BP 128/84      3m    last cuff reading and its age
//   network  Ψ⣠⡆ GPRS      Q12    signal bars, registration/GPRS, queued readings
//            Server ok
//   fault    FAULT 1/2         ◘  one screen per fault
//            Cuff leak
//   stress   Stress normal 50     only with the stress add-on (informational)
//            Steps  96/min
//   alarm    ⍾ CRITICAL ALARM     line 1 blinks
//            Tachycardia
import { GLYPHS, signalBarCells } from '../lcd/glyphs.ts';
import { MISSING, fitLine, fitNumber, formatAge, spread } from './format.ts';
import type { DisplayFault, DisplayModel } from './model.ts';

export const LCD_COLS = 16;
export type ScreenLines = [string, string];

/** Faults that make a live value meaningless: it is shown as "--" even if one is supplied. */
const HIDES = {
  heartRateBpm: ['lead-off'],
  pulseRateBpm: ['ppg-no-signal'],
  tempC: ['temp-sensor'],
} as const satisfies Record<string, readonly DisplayFault[]>;

function shown<K extends keyof typeof HIDES>(m: DisplayModel, key: K): number | undefined {
  const hidden = (HIDES[key] as readonly DisplayFault[]).some((f) => m.faults.includes(f));
  return hidden ? undefined : m[key];
}

export function vitalsScreen(m: DisplayModel): ScreenLines {
  const hrV = shown(m, 'heartRateBpm');
  const prV = shown(m, 'pulseRateBpm');
  const tV = shown(m, 'tempC');
  const bp = m.bp && Number.isFinite(m.bp.systolicMmHg) && Number.isFinite(m.bp.diastolicMmHg) ? m.bp : undefined;
  // The display refreshes 4 times a second but the values change at most once a second: reuse
  // the last lines when every input is the same (string formatting is most of a refresh).
  const c = vitalsCache;
  if (c.lines && c.hr === hrV && c.pr === prV && c.t === tV && c.sys === bp?.systolicMmHg && c.dia === bp?.diastolicMmHg && c.age === bp?.ageMs) return [c.lines[0], c.lines[1]];
  const hr = fitNumber(hrV, 3);
  const pr = fitNumber(prV, 3);
  const t = fitNumber(tV, 4, 1);
  const line1 = `${GLYPHS.heart.symbol}${hr} P${pr} ${t}°C`;
  let line2: string;
  if (bp) {
    const sys = fitNumber(bp.systolicMmHg, 3).trim();
    const dia = fitNumber(bp.diastolicMmHg, 3).trim();
    line2 = spread(`BP ${sys}/${dia}`, formatAge(bp.ageMs));
  } else {
    line2 = `BP ${MISSING}/${MISSING}`;
  }
  const lines: ScreenLines = [fitLine(line1), fitLine(line2)];
  c.hr = hrV; c.pr = prV; c.t = tV; c.sys = bp?.systolicMmHg; c.dia = bp?.diastolicMmHg; c.age = bp?.ageMs;
  c.lines = lines;
  // Callers get a copy, so one that edits its lines cannot change what the cache returns next.
  return [lines[0], lines[1]];
}

/** The last vitals screen and its inputs (a pure function, so one entry is exact). */
const vitalsCache: { hr?: number | undefined; pr?: number | undefined; t?: number | undefined; sys?: number | undefined; dia?: number | undefined; age?: number | undefined; lines?: ScreenLines } = {};

const SERVER_TEXT: Record<DisplayModel['network']['server'], string> = {
  ok: 'Server ok',
  offline: 'Server offline',
  authenticating: 'Server auth...',
};

export function networkScreen(m: DisplayModel): ScreenLines {
  const n = m.network;
  // Reused while the inputs repeat, as for the vitals screen.
  const c = networkCache;
  if (c.lines && c.registered === n.registered && c.gprs === n.gprs && c.bars === n.signalBars && c.queued === n.queued && c.server === n.server) return [c.lines[0], c.lines[1]];
  const lines = networkLines(n);
  c.registered = n.registered; c.gprs = n.gprs; c.bars = n.signalBars; c.queued = n.queued; c.server = n.server;
  c.lines = lines;
  return [lines[0], lines[1]];
}

const networkCache: { registered?: boolean; gprs?: boolean; bars?: number; queued?: number; server?: DisplayModel['network']['server']; lines?: ScreenLines } = {};

function networkLines(n: DisplayModel['network']): ScreenLines {
  const mode = !n.registered ? 'No net' : n.gprs ? 'GPRS' : 'GSM';
  const bars = n.registered ? signalBarCells(n.signalBars) : '  ';
  const q = !Number.isFinite(n.queued) || n.queued < 0 ? `Q${MISSING}` : n.queued > 9999 ? 'Q>9k' : `Q${Math.floor(n.queued)}`;
  return [spread(`${GLYPHS.antenna.symbol}${bars} ${mode}`, q), fitLine(SERVER_TEXT[n.server])];
}

export const FAULT_TEXT: Record<DisplayFault, string> = {
  'lead-off': 'ECG lead off',
  'cuff-leak': 'Cuff leak',
  'cuff-overpressure': 'Cuff overpress.',
  'ppg-no-signal': 'Pulse no signal',
  'temp-sensor': 'Temp sensor fail',
  'adc-saturated': 'ADC saturated',
  'sensor-fault': 'Sensor fault',
};

const FAULT_GLYPH: Partial<Record<DisplayFault, string>> = {
  'lead-off': GLYPHS.heart.symbol,
  'cuff-leak': GLYPHS.cuff.symbol,
  'cuff-overpressure': GLYPHS.cuff.symbol,
};

/** Fault `index` of `count` (1-based on screen). */
export function faultScreen(fault: DisplayFault, index: number, count: number): ScreenLines {
  return [spread(`FAULT ${index + 1}/${count}`, FAULT_GLYPH[fault] ?? ''), fitLine(FAULT_TEXT[fault] ?? 'Unknown fault')];
}

/** The stress add-on's screen: its level line and a detail line (never an alarm). */
export function stressScreen(s: NonNullable<DisplayModel['stress']>): ScreenLines {
  return [fitLine(s.text), fitLine(s.detail)];
}

/** "tachycardia" -> "Tachycardia", "low-spo2" -> "Low spo2"; only printable ASCII. */
export function conditionText(condition: string): string {
  const plain = condition.replace(/[-_\s]+/g, ' ').replace(/[^\x20-\x7d]/g, '?').trim();
  return plain.length === 0 ? 'Alarm' : plain[0]!.toUpperCase() + plain.slice(1);
}

/** `on` is the blink phase: line 1 is blank in the off phase, the condition stays readable. */
export function alarmScreen(alarm: NonNullable<DisplayModel['alarm']>, on: boolean): ScreenLines {
  const head = alarm.severity === 'critical' ? `${GLYPHS.bell.symbol} CRITICAL ALARM` : `${GLYPHS.bell.symbol} ALARM`;
  return [fitLine(on ? head : ''), fitLine(conditionText(alarm.condition))];
}
