// The simulated modem's side of PDU-mode SMS: parse an SMS-SUBMIT (3GPP TS 23.040 §9.2.2.2) in
// the GSM 7-bit default alphabet (TS 23.038). Written independently of the firmware's encoder,
// so each checks the other.

const EXT: Readonly<Record<number, string>> = { 0x14: '^', 0x28: '{', 0x29: '}', 0x2f: '\\', 0x3c: '[', 0x3d: '~', 0x3e: ']', 0x40: '|' };
const BASIC_SPECIAL: Readonly<Record<number, string>> = { 0x00: '@', 0x02: '$', 0x11: '_' };

function unpack(octets: Uint8Array, count: number): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  let i = 0;
  while (out.length < count) {
    if (bits < 7) {
      acc |= (octets[i++] ?? 0) << bits;
      bits += 8;
    }
    out.push(acc & 0x7f);
    acc >>= 7;
    bits -= 7;
  }
  return out;
}

function text(septets: number[]): string | undefined {
  let s = '';
  for (let i = 0; i < septets.length; i++) {
    const c = septets[i]!;
    if (c === 0x1b) {
      const e = EXT[septets[++i] ?? -1];
      if (e === undefined) return undefined;
      s += e;
    } else if (c in BASIC_SPECIAL) s += BASIC_SPECIAL[c];
    else if (c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0x7e && ![0x24, 0x40, 0x5f, 0x60].includes(c))) s += String.fromCharCode(c);
    else return undefined;
  }
  return s;
}

export interface DecodedSubmit {
  number: string;
  text: string;
  /** Present when the PDU is one part of a concatenated SMS (UDH IE 0x00 or 0x08). */
  concat?: { ref: number; total: number; seq: number };
}

/** Reads the concatenation element of a user-data header, if any; null for a malformed header. */
function concatOf(udh: Uint8Array): DecodedSubmit['concat'] | null {
  for (let i = 0; i < udh.length; ) {
    const iei = udh[i];
    const len = udh[i + 1];
    if (iei === undefined || len === undefined || i + 2 + len > udh.length) return null;
    const v = udh.subarray(i + 2, i + 2 + len);
    if (iei === 0x00 && len === 3) return { ref: v[0]!, total: v[1]!, seq: v[2]! };
    if (iei === 0x08 && len === 4) return { ref: (v[0]! << 8) | v[1]!, total: v[2]!, seq: v[3]! };
    i += 2 + len;
  }
  return undefined;
}

/** Parses what encodeSubmit builds (the simulated modem's side); undefined for a bad PDU. */
export function decodeSubmit(hex: string, tpduLength: number): DecodedSubmit | undefined {
  if (!/^([0-9A-Fa-f]{2})+$/.test(hex)) return undefined;
  const b = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  const smscLen = b[0]!;
  const t = b.subarray(1 + smscLen);
  if (t.length !== tpduLength || t.length < 7) return undefined;
  if ((t[0]! & 0x03) !== 0x01) return undefined; // not SMS-SUBMIT
  const nDigits = t[2]!;
  const type = t[3]!;
  const addrOctets = Math.ceil(nDigits / 2);
  let i = 4;
  let digits = '';
  for (let k = 0; k < addrOctets; k++, i++) {
    const o = t[i];
    if (o === undefined) return undefined;
    digits += String(o & 0x0f);
    if ((o >> 4) !== 0xf) digits += String(o >> 4);
  }
  if (digits.length !== nDigits || /[^0-9]/.test(digits)) return undefined;
  const vpf = (t[0]! >> 3) & 0x03;
  const pidIndex = i;
  const dcs = t[pidIndex + 1];
  if (dcs !== 0x00) return undefined;
  i = pidIndex + 2 + (vpf === 2 ? 1 : vpf === 0 ? 0 : 7);
  const udl = t[i];
  if (udl === undefined || udl > 160) return undefined;
  const ud = t.subarray(i + 1);
  if (ud.length !== Math.ceil((udl * 7) / 8)) return undefined;
  const septets = unpack(ud, udl);
  if ((t[0]! & 0x40) === 0) {
    const body = text(septets);
    return body === undefined ? undefined : { number: (type === 0x91 ? '+' : '') + digits, text: body };
  }
  // UDHI: the header's octets come first, then fill bits up to a septet boundary; UDL counts
  // the header's septets too.
  const udhl = ud[0];
  if (udhl === undefined || udhl + 1 > ud.length) return undefined;
  const concat = concatOf(ud.subarray(1, 1 + udhl));
  if (concat === null) return undefined;
  if (concat && !(concat.total >= 1 && concat.seq >= 1 && concat.seq <= concat.total)) return undefined;
  const skip = Math.ceil(((udhl + 1) * 8) / 7);
  if (skip > udl) return undefined;
  const body = text(septets.slice(skip));
  if (body === undefined) return undefined;
  return concat ? { number: (type === 0x91 ? '+' : '') + digits, text: body, concat } : { number: (type === 0x91 ? '+' : '') + digits, text: body };
}
