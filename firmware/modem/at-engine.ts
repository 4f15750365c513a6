// The AT command engine: one command in flight, a guard time after each final result, timeouts on
// the board's Scheduler, retries per the command table, URCs dispatched to subscribers and never
// mixed into a response. A response during which the UART reported an error (framing, parity,
// overrun, break) or a line overflowed is treated as damaged and retried, never returned.
import type { Scheduler, TimerHandle } from '../../hal/clock.ts';
import type { SerialLineError, SerialPort } from '../../hal/serial.ts';
import type { AtCommand } from './commands.ts';
import { Digester, type DigestEvent, type FinalResult, type Urc } from './digester.ts';
import { ModemError, ModemLineError, ModemTimeout } from './errors.ts';

export interface AtResponse {
  /** Information response lines, in order. */
  lines: string[];
  /** Raw data blocks (e.g. HTTPREAD data). */
  raw: Uint8Array[];
  final: FinalResult;
  /**
   * Set when the UART reported an error during the response of a command whose repetition has
   * outside effects (AtCommand.acceptDamaged): the final was OK, some lines may be missing.
   */
  damaged?: string;
}

export interface AtEngineOptions {
  /** Least time between a final result and the next command, ms (SIM800 manual: 20 ms). */
  guardMs?: number;
  maxLineBytes?: number;
  maxRawBytes?: number;
  /** Quiet time after a timeout before the next command, ms (default 200). */
  settleAfterTimeoutMs?: number;
}

export interface AtEngineStats {
  commands: number;
  retries: number;
  timeouts: number;
  consecutiveTimeouts: number;
  damagedResponses: number;
  modemErrors: number;
  serial: Record<SerialLineError['kind'], number>;
  lineOverflows: number;
  urcs: number;
  strays: number;
}

export interface RunOptions {
  /** Data sent at the prompt ("> " or DOWNLOAD). */
  payload?: Uint8Array;
  /**
   * Sent after the payload, once the modem's echo of the payload matched it (SMS text + Ctrl-Z);
   * on a mismatch ESC is sent instead, which aborts without effect, and the command fails with
   * ModemLineError('echo mismatch'). The echo of the command line itself must also come back
   * intact before the prompt, or the command is aborted the same way. Needs echo on (ATE1).
   */
  verifiedTerminator?: number;
  /**
   * The command line must come back as an intact echo before its OK (echo on): otherwise the
   * command fails with ModemLineError('echo mismatch') even though the modem acted on it (the
   * caller undoes that, e.g. hangs up a call to a garbled number).
   */
  requireEcho?: boolean;
  /** Overrides the table's timeout (HTTPDATA's depends on its arguments). */
  timeoutMs?: number;
}

type UrcHandler = (urc: Urc) => void;

interface Pending {
  onEvent(ev: DigestEvent): void;
  onSerialError(kind: string): void;
}

const ESC = 0x1b;

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export class AtEngine {
  readonly digester: Digester;
  private readonly guardMs: number;
  private pending: Pending | null = null;
  private lastFinalAt = Number.NEGATIVE_INFINITY;
  private lastTimeoutAt = Number.NEGATIVE_INFINITY;
  private readonly settleAfterTimeoutMs: number;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly urcHandlers = new Map<string, Set<UrcHandler>>();
  private readonly timeoutListeners = new Set<(consecutive: number) => void>();
  private readonly noiseListeners = new Set<() => void>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly counts = { commands: 0, retries: 0, timeouts: 0, consecutiveTimeouts: 0, damagedResponses: 0, modemErrors: 0 };
  private readonly serial: Record<SerialLineError['kind'], number> = { framing: 0, parity: 0, overrun: 0, break: 0 };

  constructor(readonly port: SerialPort, readonly scheduler: Scheduler, opts: AtEngineOptions = {}) {
    this.guardMs = opts.guardMs ?? 20;
    this.settleAfterTimeoutMs = opts.settleAfterTimeoutMs ?? 200;
    this.digester = new Digester(opts.maxLineBytes ?? 512, opts.maxRawBytes ?? 2048);
    this.unsubscribe.push(port.onData((bytes) => this.receive(bytes)));
    this.unsubscribe.push(
      port.onError((e) => {
        this.serial[e.kind]++;
        if (this.pending) this.pending.onSerialError(e.kind);
        else this.noise();
      }),
    );
  }

  get stats(): AtEngineStats {
    const d = this.digester.stats;
    return { ...this.counts, serial: { ...this.serial }, lineOverflows: d.overflows, urcs: d.urcs, strays: d.strays };
  }

  /** Stops listening to the port. */
  detach(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  /** Subscribes to URCs by table name ('+CREG', 'RING', ...) or '*' for all. */
  onUrc(name: string, handler: UrcHandler): () => void {
    let set = this.urcHandlers.get(name);
    if (!set) this.urcHandlers.set(name, (set = new Set()));
    set.add(handler);
    return () => void set.delete(handler);
  }

  /** Resolves with the next URC `name` that passes `filter`, or rejects after `timeoutMs`. */
  waitUrc(name: string, timeoutMs: number, filter: (u: Urc) => boolean = () => true): { promise: Promise<Urc>; cancel(): void } {
    let off = () => {};
    let timer: TimerHandle | undefined;
    const promise = new Promise<Urc>((resolve, reject) => {
      off = this.onUrc(name, (u) => {
        if (!filter(u)) return;
        off();
        timer?.cancel();
        resolve(u);
      });
      timer = this.scheduler.after(timeoutMs, () => {
        off();
        reject(new ModemTimeout(`URC ${name}`, timeoutMs));
      });
    });
    return { promise, cancel: () => { off(); timer?.cancel(); } };
  }

  /**
   * Called when something arrives between commands that is no known URC, or the UART reports an
   * error then: perhaps a URC garbled on the line, which a waiting caller may want to poll for.
   */
  onNoise(listener: () => void): () => void {
    this.noiseListeners.add(listener);
    return () => void this.noiseListeners.delete(listener);
  }

  private noise(): void {
    for (const l of [...this.noiseListeners]) l();
  }

  /** Called with the count of consecutive timeouts after each timeout (for recovery). */
  onTimeout(listener: (consecutive: number) => void): () => void {
    this.timeoutListeners.add(listener);
    return () => void this.timeoutListeners.delete(listener);
  }

  /**
   * Runs `cmd` (its text + `args`), retrying per the table. Commands queue: one in flight.
   * Rejects with ModemTimeout, ModemError or ModemLineError.
   */
  run(cmd: AtCommand, args = '', opts: RunOptions = {}): Promise<AtResponse> {
    const job = this.tail.then(() => this.withRetries(cmd, args, opts));
    this.tail = job.catch(() => undefined);
    return job;
  }

  private async withRetries(cmd: AtCommand, args: string, opts: RunOptions): Promise<AtResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(cmd, cmd.text + args, opts);
      } catch (err) {
        const retryable = err instanceof ModemTimeout || err instanceof ModemLineError || (err instanceof ModemError && err.kind === 'error');
        if (!retryable || attempt >= cmd.retries) throw err;
        this.counts.retries++;
      }
    }
  }

  private receive(bytes: Uint8Array): void {
    for (const ev of this.digester.push(bytes)) {
      if (ev.kind === 'urc') this.dispatch(ev.urc);
      else if (ev.kind === 'echo') this.pending?.onEvent(ev);
      // A line that fits neither the command nor any URC while a command is pending is most
      // likely one of its lines garbled: the response counts as damaged.
      else if (ev.kind === 'stray') {
        if (this.pending) this.pending.onSerialError('garbled line');
        else this.noise();
      }
      else if (this.pending) this.pending.onEvent(ev);
      else if (ev.kind === 'line-error') this.noise();
    }
  }

  private dispatch(urc: Urc): void {
    for (const key of [urc.name, '*']) {
      const set = this.urcHandlers.get(key);
      if (set) for (const h of [...set]) h(urc);
    }
  }

  private async attempt(cmd: AtCommand, text: string, opts: RunOptions): Promise<AtResponse> {
    // After a timeout, give a late answer time to arrive (and be dropped as a stray) first.
    const wait = Math.max(this.lastFinalAt + this.guardMs, this.lastTimeoutAt + this.settleAfterTimeoutMs) - this.scheduler.now();
    if (wait > 0) await this.scheduler.sleep(wait);
    this.counts.commands++;
    const timeoutMs = opts.timeoutMs ?? cmd.timeoutMs;
    return new Promise<AtResponse>((resolve, reject) => {
      const lines: string[] = [];
      const raw: Uint8Array[] = [];
      let damaged: string | null = null;
      let prompted = false;
      let echoMismatch = false;
      let echoSeen = false;
      let terminated = false;
      let echoTimer: TimerHandle | undefined;
      const verify = opts.verifiedTerminator !== undefined && opts.payload !== undefined;
      const abortEcho = () => {
        echoMismatch = true;
        this.digester.reset();
        this.port.write(Uint8Array.of(ESC));
        // Nothing was sent; do not sit out the command's full timeout waiting for ESC's answer.
        timer.cancel();
        timer = this.scheduler.after(5000, onTimeout);
      };
      const done = () => {
        timer.cancel();
        echoTimer?.cancel();
        this.pending = null;
        this.lastFinalAt = this.scheduler.now();
      };
      this.pending = {
        onSerialError: (kind) => void (damaged ??= kind),
        onEvent: (ev) => {
          switch (ev.kind) {
            case 'info':
              return void lines.push(ev.line);
            case 'raw':
              if (verify && prompted && echoTimer) {
                echoTimer.cancel();
                echoTimer = undefined;
                const p = opts.payload!;
                const same = ev.bytes.length === p.length && ev.bytes.every((x, i) => x === p[i]) && !damaged;
                if (same) {
                  this.port.write(Uint8Array.of(opts.verifiedTerminator!));
                  terminated = true;
                } else abortEcho();
                return;
              }
              return void raw.push(ev.bytes);
            case 'line-error':
              damaged ??= ev.reason;
              return;
            case 'echo':
              echoSeen = true;
              return;
            case 'prompt':
              if (verify && !prompted && !echoSeen) {
                // Our command line came back garbled (or not at all): it may name the wrong
                // number. Abort before any data.
                prompted = true;
                abortEcho();
                return;
              }
              if (!prompted && opts.payload) {
                this.port.write(opts.payload);
                // Echo lost on the line: abort rather than wait for bytes that never come.
                if (verify) echoTimer = this.scheduler.after(2000 + 2 * opts.payload.length, abortEcho);
              }
              prompted = true;
              return;
            case 'final': {
              done();
              this.counts.consecutiveTimeouts = 0;
              const f = ev.result;
              if (opts.requireEcho && !echoSeen && (f.kind === 'ok' || f.kind === 'connect')) echoMismatch = true;
              if (echoMismatch) {
                this.counts.damagedResponses++;
                return reject(new ModemLineError(cmd.name, 'echo mismatch'));
              }
              if (f.kind === 'ok' && cmd.requiresResponse && !lines.some((l) => l.startsWith(cmd.prefix ?? ''))) damaged ??= 'no response line';
              if (f.kind === 'ok' || f.kind === 'connect' || f.kind === 'send-ok') {
                if (damaged) {
                  this.counts.damagedResponses++;
                  if (cmd.acceptDamaged) return resolve({ lines, raw, final: f, damaged });
                  return reject(new ModemLineError(cmd.name, damaged));
                }
                return resolve({ lines, raw, final: f });
              }
              this.counts.modemErrors++;
              return reject(new ModemError(cmd.name, f.kind, f.code, f.text));
            }
          }
        },
      };
      this.digester.expect(verify ? { ...cmd, command: text, promptEcho: opts.payload!.length } : { ...cmd, command: text });
      const onTimeout = () => {
        done();
        // A modem still in data entry (its prompt, or our Ctrl-Z, lost on the line) would swallow
        // the next command as message text: ESC leaves it (and is ignored otherwise).
        if (cmd.prompt === 'prompt') this.port.write(Uint8Array.of(ESC));
        this.digester.expect(null);
        this.digester.reset();
        this.counts.timeouts++;
        this.lastTimeoutAt = this.scheduler.now();
        const n = ++this.counts.consecutiveTimeouts;
        for (const l of [...this.timeoutListeners]) l(n);
        const dataSent = prompted && opts.payload !== undefined && !echoMismatch && (!verify || terminated);
        reject(echoMismatch ? new ModemLineError(cmd.name, 'echo mismatch') : new ModemTimeout(cmd.name, timeoutMs, dataSent));
      };
      let timer = this.scheduler.after(timeoutMs, onTimeout);
      this.port.write(ascii(text + '\r'));
    });
  }
}

