// Text to HD44780U character codes (ROM A00, the Japanese font on nearly all 1602 modules). ASCII
// maps to itself except '\' and '~' (A00 has ¥ and → there); a handful of symbols we use sit in
// the upper half; accented letters fall back to their base letter; anything else becomes '?'.

const TO_A00: ReadonlyMap<string, number> = new Map<string, number>([
  ['¥', 0x5c], ['→', 0x7e], ['←', 0x7f],
  ['°', 0xdf], ['α', 0xe0], ['ä', 0xe1], ['β', 0xe2], ['ε', 0xe3], ['μ', 0xe4], ['µ', 0xe4],
  ['σ', 0xe5], ['ρ', 0xe6], ['√', 0xe8], ['ñ', 0xee], ['ö', 0xef], ['θ', 0xf2], ['∞', 0xf3],
  ['Ω', 0xf4], ['ü', 0xf5], ['Σ', 0xf6], ['π', 0xf7], ['÷', 0xfd], ['█', 0xff],
]);

export const UNSUPPORTED_CODE = 0x3f; // '?'

/** The A00 code for one character (a single code point), without custom glyphs. */
export function a00Code(ch: string): number {
  const cp = ch.codePointAt(0) ?? UNSUPPORTED_CODE;
  if (cp <= 0x07) return cp; // CGRAM characters, written directly
  if (cp >= 0x20 && cp <= 0x7d && cp !== 0x5c) return cp;
  const special = TO_A00.get(ch);
  if (special !== undefined) return special;
  // é -> e, Ö -> O: strip combining marks when that leaves plain ASCII.
  const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  if (base.length === 1) {
    const b = base.charCodeAt(0);
    if (b >= 0x20 && b <= 0x7d && b !== 0x5c) return b;
  }
  return UNSUPPORTED_CODE;
}
