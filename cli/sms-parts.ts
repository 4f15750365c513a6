// A notice longer than one SMS goes out as several plain SMS marked "(1/2) ", "(2/2) " (the SIM800
// driver sends one 160-character GSM 7-bit segment; concatenation headers are not implemented).
// Cutting the text instead would drop its end - the verified location of an emergency notice, the
// acknowledgement link of a family notice. Breaks fall at a sentence end or a space, never inside a
// word (a link) that fits in one part.

export const SMS_CHARS = 160;

/** Splits printable-ASCII `text` into parts of at most `max` characters, numbered when more than one. */
export function smsParts(text: string, max = SMS_CHARS): string[] {
  if (text.length <= max) return [text];
  // Reserve room for the "(i/n) " mark; n below 10 for any notice the engine writes (< 1,400 chars).
  const room = max - '(9/9) '.length;
  const bodies: string[] = [];
  let rest = text;
  while (rest.length > room) {
    // A sentence end if there is one past the first 40 %, else the last space (a link is never
    // cut while it fits in one part), else a hard cut.
    const sentence = rest.lastIndexOf('. ', room - 1);
    const space = rest.lastIndexOf(' ', room);
    const cut = sentence >= room * 0.4 ? sentence + 1 : space > 0 ? space : room;
    bodies.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length) bodies.push(rest);
  if (bodies.length > 9) throw new RangeError(`SMS text of ${text.length} characters needs more than 9 parts`);
  return bodies.map((b, i) => `(${i + 1}/${bodies.length}) ${b}`);
}

/** The whole text of numbered parts, or null if `parts` is not one complete numbered set in order. */
export function joinSmsParts(parts: readonly string[]): string | null {
  const bodies: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const m = /^\((\d)\/(\d)\) (.*)$/s.exec(parts[i]!);
    if (!m || Number(m[1]) !== i + 1 || Number(m[2]) !== parts.length) return null;
    bodies.push(m[3]!);
  }
  return bodies.join(' ');
}
