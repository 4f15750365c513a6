// SMS-SUBMIT PDUs (3GPP TS 23.040 §9.2.2.2) with the GSM 7-bit default alphabet (TS 23.038
// §6.2.1), for AT+CMGF=0. On a noisy UART, PDU mode is safer than text mode: the modem checks the
// PDU's length and structure, so a message cut short or garbled on the line is refused
// (+CMS ERROR) instead of being sent, and Ctrl-Z cannot appear inside hex digits.

/** The default alphabet's code for each printable ASCII character it has (most map to themselves). */
const BASIC: Readonly<Record<string, number>> = { '@': 0x00, $: 0x02, _: 0x11 };
/** Characters reached through the escape (0x1B) of the extension table. */
const EXTENDED: Readonly<Record<string, number>> = { '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2f, '[': 0x3c, '~': 0x3d, ']': 0x3e, '|': 0x40 };
const ESCAPE = 0x1b;

function septetsOf(text: string): number[] | undefined {
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch in BASIC) out.push(BASIC[ch]!);
    else if (ch in EXTENDED) out.push(ESCAPE, EXTENDED[ch]!);
    else if (ch === '\n') out.push(0x0a);
    else if (ch === '\r') out.push(0x0d);
    else if (code >= 0x20 && code <= 0x7e && ch !== '`') out.push(code);
    else return undefined;
  }
  return out;
}

/** Text from septets (the inverse, for the simulated modem and tests); undefined if invalid. */
export function textOfSeptets(septets: number[]): string | undefined {
  let s = '';
  for (let i = 0; i < septets.length; i++) {
    const c = septets[i]!;
    if (c === ESCAPE) {
      const e = septets[++i];
      const ch = Object.keys(EXTENDED).find((k) => EXTENDED[k] === e);
      if (ch === undefined) return undefined;
      s += ch;
      continue;
    }
    const basic = Object.keys(BASIC).find((k) => BASIC[k] === c);
    if (basic !== undefined) s += basic;
    else if (c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0x7e && c !== 0x24 && c !== 0x40 && c !== 0x5f && c !== 0x60)) s += String.fromCharCode(c);
    else return undefined;
  }
  return s;
}

/** Packs 7-bit septets into octets, least significant bits first. */
export function packSeptets(septets: number[]): Uint8Array {
  const out = new Uint8Array(Math.ceil((septets.length * 7) / 8));
  let bit = 0;
  for (const s of septets) {
    const byte = bit >> 3;
    const shift = bit & 7;
    out[byte]! |= (s << shift) & 0xff;
    if (shift > 1) out[byte + 1]! |= s >> (8 - shift);
    bit += 7;
  }
  return out;
}

export function unpackSeptets(octets: Uint8Array, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const bit = i * 7;
    const byte = bit >> 3;
    const shift = bit & 7;
    let v = (octets[byte] ?? 0) >> shift;
    if (shift > 1) v |= (octets[byte + 1] ?? 0) << (8 - shift);
    out.push(v & 0x7f);
  }
  return out;
}

/** Digits of an address as swapped semi-octets ("12345" -> 21 43 F5). */
function semiOctets(digits: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < digits.length; i += 2) {
    const lo = parseInt(digits[i]!, 10);
    const hi = i + 1 < digits.length ? parseInt(digits[i + 1]!, 10) : 0xf;
    out.push((hi << 4) | lo);
  }
  return out;
}

export interface SubmitPdu {
  /** Hex of the whole PDU, starting with the (empty) SMSC field "00". */
  hex: string;
  /** Octets after the SMSC field: the <length> of AT+CMGS in PDU mode. */
  tpduLength: number;
}

/** One part of a concatenated SMS (TS 23.040 §9.2.3.24.1, 8-bit reference). */
export interface ConcatPart {
  ref: number;
  total: number;
  seq: number;
}

/** Septets of text in one SMS: 160 alone, 153 per part once the 6-octet UDH takes 7 septets. */
export const SINGLE_SEPTETS = 160;
export const PART_SEPTETS = 153;
/** The receiving phone's limit in practice; longer alerts are a design error, not a modem's job. */
export const MAX_PARTS = 4;

/**
 * Builds an SMS-SUBMIT for `number` (digits, optional leading +) and `text` (GSM 7-bit, up to 160
 * septets, or 153 with `part`). Throws RangeError for text the default alphabet cannot carry.
 */
export function encodeSubmit(number: string, text: string, part?: ConcatPart): SubmitPdu {
  if (!/^\+?\d{1,20}$/.test(number)) throw new RangeError(`not a number for a PDU: ${JSON.stringify(number)}`);
  const septets = septetsOf(text);
  if (!septets) throw new RangeError('text has characters outside the GSM 7-bit default alphabet');
  const max = part ? PART_SEPTETS : SINGLE_SEPTETS;
  if (septets.length > max) throw new RangeError(`text is ${septets.length} septets, at most ${max}`);
  if (part && !(part.total >= 2 && part.total <= 255 && part.seq >= 1 && part.seq <= part.total && part.ref >= 0 && part.ref <= 255)) {
    throw new RangeError(`bad concatenation part ${JSON.stringify(part)}`);
  }
  const international = number.startsWith('+');
  const digits = international ? number.slice(1) : number;
  // With a user-data header the text starts on the next septet boundary: 6 header octets (48
  // bits) + 1 fill bit = 7 septets, which UDL counts.
  const udh = part ? [0x05, 0x00, 0x03, part.ref, part.total, part.seq] : [];
  const ud = part ? [...udh, ...shifted(packSeptets(septets), 1)] : [...packSeptets(septets)];
  const udl = part ? 7 + septets.length : septets.length;
  const tpdu = [
    part ? 0x51 : 0x11, // SMS-SUBMIT, validity period present (relative), UDHI when a part
    0x00, // message reference: set by the modem
    digits.length,
    international ? 0x91 : 0x81,
    ...semiOctets(digits),
    0x00, // protocol identifier
    0x00, // data coding: GSM 7-bit default alphabet
    0xaa, // validity: 4 days
    udl,
    ...ud.slice(0, Math.ceil((udl * 7) / 8)),
  ];
  const hex = '00' + tpdu.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
  return { hex, tpduLength: tpdu.length };
}

/** Packed septets shifted left by `bits` (the fill bits after a UDH), one octet longer if needed. */
function shifted(octets: Uint8Array, bits: number): number[] {
  const out: number[] = [];
  let carry = 0;
  for (const o of octets) {
    out.push(((o << bits) | carry) & 0xff);
    carry = o >> (8 - bits);
  }
  out.push(carry);
  return out;
}

/**
 * Splits text into the parts of a concatenated SMS: one part when it fits 160 septets, else
 * chunks of at most 153 septets that never split an escape pair. Throws RangeError for text the
 * alphabet cannot carry or that needs more than MAX_PARTS parts.
 */
export function splitForSms(text: string): string[] {
  const septets = septetsOf(text);
  if (!septets) throw new RangeError('text has characters outside the GSM 7-bit default alphabet');
  if (septets.length <= SINGLE_SEPTETS) return [text];
  const parts: string[] = [];
  let cur = '';
  let used = 0;
  for (const ch of text) {
    const n = ch in EXTENDED ? 2 : 1;
    if (used + n > PART_SEPTETS) {
      parts.push(cur);
      cur = '';
      used = 0;
    }
    cur += ch;
    used += n;
  }
  parts.push(cur);
  if (parts.length > MAX_PARTS) throw new RangeError(`text needs ${parts.length} SMS parts, at most ${MAX_PARTS}`);
  return parts;
}
