// Custom 5x8 characters for the 8 CGRAM slots (rows top to bottom, bit 4 = leftmost dot). Each has
// a Unicode stand-in: screens are written with these symbols and the driver maps them to slots.
//
// Signal strength 0–4 bars takes two cells of two bars each (bars 2 dots wide, heights 2/4/6/8):
// the left cell shows bar 1 or bars 1–2, the right cell bar 3 or bars 3–4, a space shows none. So
// five levels cost four slots, and the bars are wide enough to read. The stand-ins are Braille
// patterns with the same dots lit in a 2x4 grid.
import type { Hd44780 } from './hd44780.ts';

export interface LcdGlyph {
  slot: number;
  symbol: string;
  rows: readonly number[];
}

export const GLYPHS = {
  heart: { slot: 0, symbol: '♥', rows: [0b00000, 0b01010, 0b11111, 0b11111, 0b01110, 0b00100, 0b00000, 0b00000] },
  bell: { slot: 1, symbol: '⍾', rows: [0b00100, 0b01110, 0b01110, 0b01110, 0b11111, 0b00000, 0b00100, 0b00000] },
  cuff: { slot: 2, symbol: '◘', rows: [0b11111, 0b10001, 0b10101, 0b10001, 0b11111, 0b00100, 0b00100, 0b01110] },
  antenna: { slot: 3, symbol: 'Ψ', rows: [0b10101, 0b10101, 0b01110, 0b00100, 0b00100, 0b00100, 0b00100, 0b00000] },
  bar1: { slot: 4, symbol: '⡀', rows: [0, 0, 0, 0, 0, 0, 0b11000, 0b11000] },
  bar12: { slot: 5, symbol: '⣠', rows: [0, 0, 0, 0, 0b00011, 0b00011, 0b11011, 0b11011] },
  bar3: { slot: 6, symbol: '⡆', rows: [0, 0, 0b11000, 0b11000, 0b11000, 0b11000, 0b11000, 0b11000] },
  bar34: { slot: 7, symbol: '⣾', rows: [0b00011, 0b00011, 0b11011, 0b11011, 0b11011, 0b11011, 0b11011, 0b11011] },
} as const satisfies Record<string, LcdGlyph>;

export type GlyphName = keyof typeof GLYPHS;

/** Stand-in symbols by slot, for renderers (sim/lcd/render.ts takes this list). */
export const GLYPH_SYMBOLS_BY_SLOT: readonly string[] = Object.values(GLYPHS)
  .slice()
  .sort((a, b) => a.slot - b.slot)
  .map((g) => g.symbol);

/** Loads all glyphs into CGRAM and registers their symbols with the driver. */
export function installGlyphs(lcd: Hd44780): void {
  for (const g of Object.values(GLYPHS)) lcd.createChar(g.slot, g.rows, g.symbol);
}

/** Two cells showing 0–4 signal bars (values outside are clamped, fractions rounded). */
export function signalBarCells(bars: number): string {
  const n = Number.isFinite(bars) ? Math.max(0, Math.min(4, Math.round(bars))) : 0;
  const left = n >= 2 ? GLYPHS.bar12.symbol : n === 1 ? GLYPHS.bar1.symbol : ' ';
  const right = n >= 4 ? GLYPHS.bar34.symbol : n === 3 ? GLYPHS.bar3.symbol : ' ';
  return left + right;
}
