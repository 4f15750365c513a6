// Bounded line assembly for a modem UART. Lines end at CR or LF (the SIM800 ends responses with
// CR LF and echoes commands with a bare CR); empty lines are skipped, which resynchronises on the
// next line boundary after any garbage. A line longer than the limit is dropped up to its end and
// counted, so a noisy line can never grow memory. A length-delimited raw block (HTTPREAD data)
// and the "> " data prompt, which has no line end, are recognised on request.

export type LineEvent =
  | { kind: 'line'; text: string }
  | { kind: 'prompt' }
  | { kind: 'raw'; bytes: Uint8Array }
  | { kind: 'overflow'; dropped: number };

export interface LineBufferStats {
  lines: number;
  overflows: number;
  /** Bytes dropped because they belonged to an over-long line. */
  droppedBytes: number;
  rawBlocks: number;
}

const CR = 0x0d;
const LF = 0x0a;

export class LineBuffer {
  private readonly buf: Uint8Array;
  private len = 0;
  /** Discarding an over-long line until its end. */
  private discarding = false;
  private discarded = 0;
  private raw: Uint8Array | null = null;
  private rawLen = 0;
  /** The last byte was the CR of a CR LF pair: its LF must not start a raw block. */
  private afterCr = false;
  /** Emit a prompt event when the pending bytes are exactly "> ". */
  promptEnabled = false;
  readonly stats: LineBufferStats = { lines: 0, overflows: 0, droppedBytes: 0, rawBlocks: 0 };

  constructor(readonly maxLineBytes = 512, readonly maxRawBytes = 2048) {
    this.buf = new Uint8Array(maxLineBytes);
  }

  /** The next `n` bytes are data, not text. Returns false (and changes nothing) if n is too big. */
  startRaw(n: number): boolean {
    if (!Number.isInteger(n) || n < 0 || n > this.maxRawBytes) return false;
    this.raw = new Uint8Array(n);
    this.rawLen = 0;
    return true;
  }

  get inRaw(): boolean {
    return this.raw !== null;
  }

  /** Bytes currently held (bounded by maxLineBytes + maxRawBytes). */
  get buffered(): number {
    return this.len + (this.raw?.length ?? 0);
  }

  /** Drops any partial line (after a timeout, to resynchronise). */
  reset(): void {
    this.len = 0;
    this.discarding = false;
    this.raw = null;
    this.afterCr = false;
  }

  push(bytes: Uint8Array, emit: (e: LineEvent) => void): void {
    for (let i = 0; i < bytes.length; i++) {
      if (this.afterCr) {
        this.afterCr = false;
        if (bytes[i] === LF) continue;
      }
      if (this.raw) {
        const take = Math.min(bytes.length - i, this.raw.length - this.rawLen);
        this.raw.set(bytes.subarray(i, i + take), this.rawLen);
        this.rawLen += take;
        i += take - 1;
        if (this.rawLen === this.raw.length) {
          const out = this.raw;
          this.raw = null;
          this.stats.rawBlocks++;
          emit({ kind: 'raw', bytes: out });
        }
        continue;
      }
      const b = bytes[i]!;
      if (b === CR || b === LF) {
        this.afterCr = b === CR;
        if (this.discarding) {
          this.discarding = false;
          this.stats.overflows++;
          emit({ kind: 'overflow', dropped: this.discarded });
        } else if (this.len > 0) {
          const text = latin1(this.buf, this.len);
          this.len = 0;
          this.stats.lines++;
          emit({ kind: 'line', text });
        }
        continue;
      }
      if (this.discarding) {
        this.discarded++;
        this.stats.droppedBytes++;
        continue;
      }
      if (this.len === this.buf.length) {
        this.discarding = true;
        this.discarded = this.len + 1;
        this.stats.droppedBytes += this.len + 1;
        this.len = 0;
        continue;
      }
      this.buf[this.len++] = b;
      if (this.promptEnabled && this.len === 2 && this.buf[0] === 0x3e && this.buf[1] === 0x20) {
        this.len = 0;
        emit({ kind: 'prompt' });
      }
    }
  }
}

function latin1(buf: Uint8Array, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(buf[i]!);
  return s;
}
