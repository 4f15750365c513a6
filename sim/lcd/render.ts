// What the glass shows: the visible 16x2 characters as text (for tests) and as a bordered box (for
// the terminal). Character codes map through the HD44780U ROM code A00 (the Japanese ROM found on
// nearly every 1602 module); CGRAM codes 0x00–0x0F map to symbols the caller chooses per slot.
import type { Hd44780Model } from './hd44780.ts';

/** Placeholders for CGRAM slots 0–7 when the caller names no symbols. */
export const DEFAULT_SLOT_SYMBOLS: readonly string[] = ['⓪', '①', '②', '③', '④', '⑤', '⑥', '⑦'];

/** A00 codes that differ from ASCII or lie above 0x7F (the ones we can name in Unicode). */
const A00_SPECIAL: Readonly<Record<number, string>> = {
  0x5c: '¥', 0x7e: '→', 0x7f: '←',
  0xdf: '°', 0xe0: 'α', 0xe1: 'ä', 0xe2: 'β', 0xe3: 'ε', 0xe4: 'μ', 0xe5: 'σ', 0xe6: 'ρ',
  0xe8: '√', 0xee: 'ñ', 0xef: 'ö', 0xf2: 'θ', 0xf3: '∞', 0xf4: 'Ω', 0xf5: 'ü', 0xf6: 'Σ', 0xf7: 'π',
  0xfd: '÷', 0xff: '█',
};

/** A code with no glyph we render (blank font positions and A00 symbols we do not name). */
export const UNKNOWN_CODE_SYMBOL = '▯';

/** Unicode for one A00 ROM character code (0x10–0xFF). */
export function romChar(code: number): string {
  const special = A00_SPECIAL[code];
  if (special !== undefined) return special;
  if (code >= 0x20 && code <= 0x7d) return String.fromCharCode(code);
  // 0xA1–0xDE are the JIS X 0201 half-width katakana, in Unicode order from U+FF61.
  if (code >= 0xa1 && code <= 0xde) return String.fromCharCode(0xff61 + code - 0xa1);
  if (code === 0xa0) return ' ';
  return UNKNOWN_CODE_SYMBOL;
}

export function charFor(code: number, slotSymbols: readonly string[] = DEFAULT_SLOT_SYMBOLS): string {
  return code < 0x10 ? (slotSymbols[code & 7] ?? DEFAULT_SLOT_SYMBOLS[code & 7]!) : romChar(code);
}

/** The visible lines as text; a blank (display off, unused line) renders as a space. */
export function renderLines(model: Hd44780Model, slotSymbols?: readonly string[]): string[] {
  return model.visibleCodes().map((row) => row.map((code) => (code === null ? ' ' : charFor(code, slotSymbols))).join(''));
}

/** The display in a box, for a terminal. A dark backlight is shown with a note under the box. */
export function renderBox(model: Hd44780Model, slotSymbols?: readonly string[]): string {
  const lines = renderLines(model, slotSymbols);
  const bar = '─'.repeat(model.cols);
  const out = [`┌${bar}┐`, ...lines.map((l) => `│${l}│`), `└${bar}┘`];
  if (!model.backlight) out.push(' (backlight off)');
  return out.join('\n');
}

/** CGRAM character `slot` as dot art, '#' lit and '.' dark, one string per row. */
export function glyphArt(rows: readonly number[]): string[] {
  return rows.map((r) => Array.from({ length: 5 }, (_, i) => ((r >> (4 - i)) & 1 ? '#' : '.')).join(''));
}

/** All eight CGRAM bitmaps (8 rows of 5 bits each). */
export function cgramBitmaps(model: Hd44780Model): number[][] {
  return Array.from({ length: 8 }, (_, slot) => model.cgramGlyph(slot));
}
