// MIT annotation format (.atr) reader. The file is a stream of 16-bit little-endian words: the top
// 6 bits are the annotation code A, the low 10 bits a sample-time increment I. Pseudo-codes:
// SKIP (59) is followed by a 32-bit increment (high 16-bit word first, each word little-endian);
// NUM (60), SUB (61) and CHN (62) follow the annotation they modify (num and chan then stay in
// force for later annotations, as the writer only emits them on change); AUX (63) has I = byte
// count followed by that many bytes, padded to an even length. A word of 0 ends the file.
import { fail, ok, type WfdbResult } from './errors.ts';

/** Mnemonics of the standard annotation codes 0..49 (WFDB ecgcodes.h). */
const MNEMONIC: Record<number, string> = {
  1: 'N', 2: 'L', 3: 'R', 4: 'a', 5: 'V', 6: 'F', 7: 'J', 8: 'A', 9: 'S', 10: 'E', 11: 'j', 12: '/', 13: 'Q',
  14: '~', 16: '|', 18: 's', 19: 'T', 20: '*', 21: 'D', 22: '"', 23: '=', 24: 'p', 25: 'B', 26: '^', 27: 't',
  28: '+', 29: 'u', 30: '?', 31: '!', 32: '[', 33: ']', 34: 'e', 35: 'n', 36: '@', 37: 'x', 38: 'f', 39: '(',
  40: ')', 41: 'r',
};

export interface Annotation {
  /** Sample (frame) index of the annotation. */
  sample: number;
  /** Numeric code (1..49). */
  code: number;
  /** Mnemonic, e.g. "N", "V", "+", or "[code]" for an unnamed code. */
  symbol: string;
  subtype: number;
  channel: number;
  num: number;
  /** AUX text (e.g. "(AFIB" on rhythm annotations), when present. */
  aux: string | undefined;
}

/**
 * Beat annotation symbols as ANSI/AAMI EC57 and `bxb` count them. 'f' (fusion of paced and normal
 * beat, 722 of them in records 102 and 104 of MIT-BIH) is a real QRS complex and
 * a beat for bxb; leaving it out would score every correct detection of one as a false positive.
 * 'x' (non-conducted P wave) has no QRS and is not a beat.
 */
export const BEAT_SYMBOLS: ReadonlySet<string> = new Set(['N', 'L', 'R', 'B', 'A', 'a', 'J', 'S', 'V', 'r', 'F', 'e', 'j', 'n', 'E', '/', 'f', 'Q', '?']);

export function isBeat(a: Pick<Annotation, 'symbol'>): boolean {
  return BEAT_SYMBOLS.has(a.symbol);
}

const SKIP = 59, NUM = 60, SUB = 61, CHN = 62, AUX = 63;

export function decodeAnnotations(bytes: Uint8Array): WfdbResult<Annotation[]> {
  const out: Annotation[] = [];
  let time = 0;
  let num = 0;
  let chan = 0;
  let p = 0;
  const word = (at: number) => bytes[at]! | (bytes[at + 1]! << 8);
  while (true) {
    if (p + 2 > bytes.length) {
      // Files end with a 0 word; tolerate its absence only at an exact word boundary.
      if (p === bytes.length) break;
      return fail('truncated', `annotation file ends mid-word at byte ${p}`);
    }
    const w = word(p);
    p += 2;
    if (w === 0) break;
    const a = w >> 10;
    const i = w & 0x3ff;
    const last = out[out.length - 1];
    switch (a) {
      case SKIP: {
        if (p + 4 > bytes.length) return fail('truncated', `SKIP at byte ${p - 2} lacks its 32-bit interval`);
        const hi = word(p), lo = word(p + 2);
        let skip = hi * 0x10000 + lo;
        if (skip >= 0x80000000) skip -= 0x100000000;
        time += skip;
        p += 4;
        break;
      }
      case NUM:
        num = i >= 512 ? i - 1024 : i;
        if (last) last.num = num;
        break;
      case SUB:
        if (!last) return fail('annotation-syntax', `SUB at byte ${p - 2} before any annotation`);
        last.subtype = i >= 512 ? i - 1024 : i;
        break;
      case CHN:
        chan = i;
        if (last) last.channel = chan;
        break;
      case AUX: {
        const padded = i + (i & 1);
        if (p + padded > bytes.length) return fail('truncated', `AUX at byte ${p - 2} declares ${i} bytes past the end`);
        if (!last) return fail('annotation-syntax', `AUX at byte ${p - 2} before any annotation`);
        let s = '';
        for (let k = 0; k < i; k++) { const c = bytes[p + k]!; if (c === 0) break; s += String.fromCharCode(c); }
        last.aux = s;
        p += padded;
        break;
      }
      default: {
        if (a === 0) return fail('annotation-syntax', `code 0 with nonzero interval at byte ${p - 2}`);
        time += i;
        out.push({ sample: time, code: a, symbol: MNEMONIC[a] ?? `[${a}]`, subtype: 0, channel: chan, num, aux: undefined });
      }
    }
  }
  return ok(out);
}

/** Encodes annotations (sorted by sample) in MIT format; used for synthetic test files. */
export function encodeAnnotations(anns: Array<Pick<Annotation, 'sample' | 'code'> & { aux?: string }>): Uint8Array {
  const words: number[] = [];
  const push16 = (w: number) => words.push(w & 0xff, (w >> 8) & 0xff);
  let time = 0;
  for (const a of anns) {
    const d = a.sample - time;
    if (d < 0) throw new RangeError('annotations must be sorted by sample');
    if (d > 1023) {
      push16(SKIP << 10);
      push16(Math.floor(d / 0x10000));
      push16(d & 0xffff);
      push16(a.code << 10);
    } else push16((a.code << 10) | d);
    time = a.sample;
    if (a.aux !== undefined) {
      push16((AUX << 10) | a.aux.length);
      for (let k = 0; k < a.aux.length; k++) words.push(a.aux.charCodeAt(k) & 0xff);
      if (a.aux.length & 1) words.push(0);
    }
  }
  push16(0);
  return Uint8Array.from(words);
}
