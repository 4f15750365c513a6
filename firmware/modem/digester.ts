// The line digester: turns the modem's byte stream into final result codes, information
// responses, data prompts, raw data blocks and unsolicited result codes (URCs), as the atat crate
// does for Rust. It knows which command is pending (its echo, its expected response prefix, the
// finals it may end with), because the same text means different things in different contexts:
// `+CREG: 1,"1A2B","00C3"` is a URC, `+CREG: 2,1,"1A2B","00C3"` answers AT+CREG?; `NO CARRIER`
// ends ATD but is a call-status URC while AT+CLCC is pending. URCs are never handed to a command.
// Pure: no I/O, no timers; bytes in, events out.
import { LineBuffer, type LineBufferStats } from './line-buffer.ts';
import { cmeCodeForText, cmsCodeForText } from './errors.ts';

export type FinalKind = 'ok' | 'error' | 'cme' | 'cms' | 'no-carrier' | 'busy' | 'no-answer' | 'no-dialtone' | 'connect' | 'send-ok' | 'send-fail';

export interface FinalResult {
  kind: FinalKind;
  /** CME/CMS code when numeric or when the verbose text is known. */
  code?: number;
  /** Verbose error text (after "+CME ERROR: "), or ''. */
  text: string;
  line: string;
}

/** Which final result codes may end the pending command. */
export type FinalSet = 'basic' | 'dial' | 'send';

export interface ResponseContext {
  /** The command line as sent, without CR (to recognise an echo). */
  command: string;
  /** Expected information response prefix, e.g. '+CREG:'. */
  prefix?: string;
  /** Narrows `prefix` where a URC shares it (AT+CREG? answers with two numbers first). */
  isResponse?: (line: string) => boolean;
  /** At most this many prefixed lines belong to the command; later ones are URCs. */
  maxResponses?: number;
  finals?: FinalSet;
  /** Lines that end this command successfully besides OK (SHUT OK, CLOSE OK, CIFSR's address). */
  okLine?: RegExp;
  /** The command expects a data prompt: "> " (no line end) or a DOWNLOAD line. */
  prompt?: 'prompt' | 'download';
  /** After the "> " prompt, this many bytes are the modem's echo of our data (read as a raw block). */
  promptEcho?: number;
  /** A response line announcing a raw data block of n bytes (e.g. "+HTTPREAD: 120"). */
  rawLength?: (line: string) => number | undefined;
}

export interface Urc {
  /** The URC table entry, e.g. '+CREG', 'RING', '+SAPBR DEACT'. */
  name: string;
  line: string;
  /** The line after the header, for two-line URCs (+CMT: header, then the message text). */
  data?: string;
}

export type DigestEvent =
  | { kind: 'final'; result: FinalResult }
  | { kind: 'info'; line: string }
  | { kind: 'raw'; bytes: Uint8Array }
  | { kind: 'prompt' }
  | { kind: 'urc'; urc: Urc }
  | { kind: 'echo'; line: string }
  /** A line with no command to own it that is no known URC (e.g. a late OK after a timeout). */
  | { kind: 'stray'; line: string }
  | { kind: 'line-error'; reason: 'overflow' | 'raw-too-long' };

interface UrcRule {
  name: string;
  test: (line: string) => boolean;
  /** The URC carries one more line of data. */
  twoLines?: boolean;
}

const starts = (p: string) => (l: string) => l.startsWith(p);
const exactly = (s: string) => (l: string) => l === s;

/** Unsolicited result codes of the SIM800 (AT command manual V1.09, "Summary of URCs"). */
export const URC_RULES: readonly UrcRule[] = [
  // The URC has <stat> first; a line with <n>,<stat> is a late answer to AT+CREG?, not a URC.
  { name: '+CREG', test: (l) => l.startsWith('+CREG:') && !/^\+CREG: \d+,\d+/.test(l) },
  { name: '+CGREG', test: (l) => l.startsWith('+CGREG:') && !/^\+CGREG: \d+,\d+/.test(l) },
  { name: 'RING', test: exactly('RING') },
  { name: '+CLIP', test: starts('+CLIP:') },
  { name: '+CMTI', test: starts('+CMTI:') },
  { name: '+CMT', test: starts('+CMT:'), twoLines: true },
  { name: 'NORMAL POWER DOWN', test: exactly('NORMAL POWER DOWN') },
  { name: 'UNDER-VOLTAGE', test: starts('UNDER-VOLTAGE') },
  { name: 'OVER-VOLTAGE', test: starts('OVER-VOLTAGE') },
  { name: 'RDY', test: exactly('RDY') },
  { name: '+CFUN', test: starts('+CFUN:') },
  { name: '+CPIN', test: starts('+CPIN:') },
  { name: 'Call Ready', test: exactly('Call Ready') },
  { name: 'SMS Ready', test: exactly('SMS Ready') },
  { name: '+HTTPACTION', test: starts('+HTTPACTION:') },
  { name: '+SAPBR DEACT', test: (l) => /^\+SAPBR \d+: DEACT$/.test(l) },
  { name: 'CLOSED', test: (l) => /^(\d+, )?CLOSED$/.test(l) },
  { name: '+PDP: DEACT', test: exactly('+PDP: DEACT') },
  { name: '+CIPRXGET', test: starts('+CIPRXGET:') },
  { name: 'CONNECT', test: (l) => /^(\d+, )?(CONNECT OK|CONNECT FAIL|ALREADY CONNECT)$/.test(l) },
  { name: 'NO CARRIER', test: exactly('NO CARRIER') },
  { name: 'BUSY', test: exactly('BUSY') },
  { name: 'NO ANSWER', test: exactly('NO ANSWER') },
  { name: 'NO DIALTONE', test: exactly('NO DIALTONE') },
  { name: '+CUSD', test: starts('+CUSD:') },
  { name: '*PSUTTZ', test: starts('*PSUTTZ:') },
  { name: 'DST', test: starts('DST:') },
  { name: '+CTZV', test: starts('+CTZV:') },
];

export function matchUrc(line: string): UrcRule | undefined {
  return URC_RULES.find((r) => r.test(line));
}

/** Parses a final result code valid for `set`; undefined if the line is not one. */
export function parseFinal(line: string, set: FinalSet = 'basic'): FinalResult | undefined {
  if (line === 'OK') return { kind: 'ok', text: '', line };
  if (line === 'ERROR') return { kind: 'error', text: '', line };
  const cm = /^\+(CME|CMS) ERROR: ?(.*)$/.exec(line);
  if (cm) {
    const isCme = cm[1] === 'CME';
    const arg = cm[2]!.trim();
    const code = /^\d+$/.test(arg) ? Number(arg) : isCme ? cmeCodeForText(arg) : cmsCodeForText(arg);
    const r: FinalResult = { kind: isCme ? 'cme' : 'cms', text: /^\d+$/.test(arg) ? '' : arg, line };
    if (code !== undefined) r.code = code;
    return r;
  }
  if (set === 'dial') {
    const dial: Record<string, FinalKind> = { 'NO CARRIER': 'no-carrier', BUSY: 'busy', 'NO ANSWER': 'no-answer', 'NO DIALTONE': 'no-dialtone', CONNECT: 'connect' };
    const k = dial[line] ?? (line.startsWith('CONNECT ') ? 'connect' : undefined);
    if (k) return { kind: k, text: '', line };
  }
  if (set === 'send') {
    if (/^(\d+, )?SEND OK$/.test(line)) return { kind: 'send-ok', text: '', line };
    if (/^(\d+, )?SEND FAIL$/.test(line)) return { kind: 'send-fail', text: '', line };
  }
  return undefined;
}

export interface DigesterStats extends LineBufferStats {
  finals: number;
  infos: number;
  urcs: number;
  strays: number;
  echoes: number;
}

export class Digester {
  private readonly lines: LineBuffer;
  private ctx: ResponseContext | null = null;
  private responses = 0;
  private urcHeader: Urc | null = null;
  private out: DigestEvent[] = [];
  private readonly counts = { finals: 0, infos: 0, urcs: 0, strays: 0, echoes: 0 };

  constructor(maxLineBytes = 512, maxRawBytes = 2048) {
    this.lines = new LineBuffer(maxLineBytes, maxRawBytes);
  }

  get stats(): DigesterStats {
    return { ...this.lines.stats, ...this.counts };
  }

  /** Bytes held in buffers (bounded). */
  get buffered(): number {
    return this.lines.buffered;
  }

  /** Sets (or clears, with null) the command whose response is expected. */
  expect(ctx: ResponseContext | null): void {
    this.ctx = ctx;
    this.responses = 0;
    this.lines.promptEnabled = ctx?.prompt === 'prompt';
  }

  /** Drops any partial line or raw block (resynchronise after a timeout). */
  reset(): void {
    this.lines.reset();
    this.urcHeader = null;
  }

  push(bytes: Uint8Array): DigestEvent[] {
    this.out = [];
    this.lines.push(bytes, (e) => {
      switch (e.kind) {
        case 'line':
          return this.line(e.text);
        case 'prompt':
          this.lines.promptEnabled = false;
          if (this.ctx?.promptEcho) this.lines.startRaw(this.ctx.promptEcho);
          return void this.out.push({ kind: 'prompt' });
        case 'raw':
          return void this.out.push({ kind: 'raw', bytes: e.bytes });
        case 'overflow':
          this.urcHeader = null;
          return void this.out.push({ kind: 'line-error', reason: 'overflow' });
      }
    });
    return this.out;
  }

  private emitUrc(urc: Urc): void {
    this.counts.urcs++;
    this.out.push({ kind: 'urc', urc });
  }

  private line(line: string): void {
    if (this.urcHeader) {
      const urc = { ...this.urcHeader, data: line };
      this.urcHeader = null;
      return this.emitUrc(urc);
    }
    const ctx = this.ctx;
    if (ctx) {
      if (line === ctx.command) {
        this.counts.echoes++;
        return void this.out.push({ kind: 'echo', line });
      }
      const fin = parseFinal(line, ctx.finals ?? 'basic') ?? (ctx.okLine?.test(line) ? { kind: 'ok' as const, text: '', line } : undefined);
      if (fin) {
        this.counts.finals++;
        this.expect(null);
        return void this.out.push({ kind: 'final', result: fin });
      }
      if (ctx.prompt === 'download' && line === 'DOWNLOAD') {
        return void this.out.push({ kind: 'prompt' });
      }
      const max = ctx.maxResponses ?? Number.POSITIVE_INFINITY;
      if (ctx.prefix && line.startsWith(ctx.prefix) && this.responses < max && (!ctx.isResponse || ctx.isResponse(line))) {
        this.responses++;
        return this.info(line, ctx);
      }
    }
    const rule = matchUrc(line);
    if (rule) {
      const urc: Urc = { name: rule.name, line };
      if (rule.twoLines) {
        this.urcHeader = urc;
        return;
      }
      return this.emitUrc(urc);
    }
    if (ctx && !ctx.prefix) return this.info(line, ctx);
    if (ctx && ctx.prefix && !line.startsWith('+')) return this.info(line, ctx);
    this.counts.strays++;
    this.out.push({ kind: 'stray', line });
  }

  private info(line: string, ctx: ResponseContext): void {
    this.counts.infos++;
    this.out.push({ kind: 'info', line });
    const n = ctx.rawLength?.(line);
    if (n !== undefined && n > 0 && !this.lines.startRaw(n)) this.out.push({ kind: 'line-error', reason: 'raw-too-long' });
  }
}
