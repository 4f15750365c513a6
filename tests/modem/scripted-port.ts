// A recorded-transcript serial port, in the manner of embedded-hal-mock: each step expects exact
// bytes from the driver and answers with scripted parts. Any unexpected write is recorded as a
// failure; done() says whether every expectation was consumed.
import type { SerialFraming, SerialLineError, SerialPort } from '../../hal/serial.ts';
import type { VirtualClock } from '../../sim/clock.ts';

/** One piece of a reply: a CRLF-framed line, raw bytes, the "> " prompt, or a pause. */
export type Part = { line: string } | { raw: Uint8Array } | { prompt: true } | { pauseMs: number };

export interface Step {
  expect: string | Uint8Array;
  reply: Part[];
}

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

export function partBytes(p: Part): Uint8Array {
  if ('line' in p) return enc(`\r\n${p.line}\r\n`);
  if ('raw' in p) return p.raw;
  if ('prompt' in p) return enc('\r\n> ');
  return new Uint8Array(0);
}

export class ScriptedPort implements SerialPort {
  isOpen = false;
  private step = 0;
  private inbox: number[] = [];
  readonly failures: string[] = [];
  private readonly data = new Set<(b: Uint8Array) => void>();
  private readonly errs = new Set<(e: SerialLineError) => void>();
  /** Replies come this long after the command, ms. */
  latencyMs = 5;

  constructor(private readonly clock: VirtualClock, private readonly steps: Step[]) {}

  async open(_baud: number, _framing?: SerialFraming): Promise<void> {
    this.isOpen = true;
  }
  async close(): Promise<void> {
    this.isOpen = false;
  }
  onData(l: (b: Uint8Array) => void): () => void {
    this.data.add(l);
    return () => void this.data.delete(l);
  }
  onError(l: (e: SerialLineError) => void): () => void {
    this.errs.add(l);
    return () => void this.errs.delete(l);
  }

  /** Injects a line error as the UART would report it. */
  lineError(kind: SerialLineError['kind']): void {
    for (const l of [...this.errs]) l({ kind, at: this.clock.now() });
  }

  /** Sends bytes to the driver now. */
  emit(bytes: Uint8Array): void {
    for (const l of [...this.data]) l(bytes);
  }

  write(bytes: Uint8Array): void {
    this.inbox.push(...bytes);
    for (;;) {
      const s = this.steps[this.step];
      if (!s) {
        if (this.inbox.length) this.failures.push(`unexpected write after the script: ${show(this.inbox)}`);
        this.inbox = [];
        return;
      }
      const want = typeof s.expect === 'string' ? enc(s.expect) : s.expect;
      if (this.inbox.length < want.length) {
        for (let i = 0; i < this.inbox.length; i++) if (this.inbox[i] !== want[i]) return this.mismatch(want);
        return;
      }
      for (let i = 0; i < want.length; i++) if (this.inbox[i] !== want[i]) return this.mismatch(want);
      this.inbox.splice(0, want.length);
      this.step++;
      let t = this.latencyMs;
      for (const p of s.reply) {
        if ('pauseMs' in p) t += p.pauseMs;
        else {
          const b = partBytes(p);
          this.clock.after(t, () => this.emit(b));
        }
      }
    }
  }

  private mismatch(want: Uint8Array): void {
    this.failures.push(`step ${this.step}: expected ${show([...want])}, got ${show(this.inbox)}`);
    this.inbox = [];
  }

  get done(): boolean {
    return this.step === this.steps.length && this.failures.length === 0 && this.inbox.length === 0;
  }

  get remaining(): number {
    return this.steps.length - this.step;
  }
}

function show(b: number[]): string {
  return JSON.stringify(String.fromCharCode(...b));
}
