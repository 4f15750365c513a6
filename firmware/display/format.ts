// Fixed-width formatting for a character display. Widths are in cells (code points), since a
// custom glyph is one cell but its stand-in symbol may be more than one UTF-16 unit.

export const MISSING = '--';

export function cellCount(s: string): number {
  return [...s].length;
}

/** Cuts to `width` cells and pads with spaces on the right. */
export function fitLine(s: string, width = 16): string {
  const cells = [...s].slice(0, width);
  return cells.join('') + ' '.repeat(width - cells.length);
}

export function padLeft(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - cellCount(s))) + s;
}

function present(v: number | undefined): v is number {
  return v !== undefined && Number.isFinite(v);
}

/** The number with `decimals`, or "--" if absent, or "HI"/"LO" if it does not fit `width`. */
export function fitNumber(v: number | undefined, width: number, decimals = 0): string {
  if (!present(v)) return padLeft(MISSING, width);
  const text = v.toFixed(decimals);
  if (text.length <= width) return padLeft(text, width);
  return padLeft(v > 0 ? 'HI' : 'LO', width);
}

/** Compact age: 45s, 12m, 5h, 3d, >99d (at most 4 cells); "?" for a negative or absent age. */
export function formatAge(ms: number | undefined): string {
  if (!present(ms) || ms < 0) return '?';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return d <= 99 ? `${d}d` : '>99d';
}

/** Left text and right text on one line of `width`, the right part right-aligned; left is cut first. */
export function spread(left: string, right: string, width = 16): string {
  const r = [...right].slice(0, width).join('');
  const room = width - cellCount(r) - (r.length > 0 ? 1 : 0); // keep one space between them
  const l = [...left].slice(0, Math.max(0, room)).join('');
  return l + ' '.repeat(width - cellCount(l) - cellCount(r)) + r;
}
