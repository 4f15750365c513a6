// Modem recovery: a modem that stops answering is re-initialised (power-cycled through PWRKEY when
// wired); a lost bearer (+SAPBR 1: DEACT, +PDP: DEACT) or lost registration (+CREG: 0/2/3) leads
// to re-attaching. Both retry with bounded exponential back-off and jitter from an injected random
// source, so a dead network is never hammered and the simulation stays deterministic.
import type { Scheduler, TimerHandle } from '../../hal/clock.ts';
import { parseCreg, type Sim800 } from './sim800.ts';

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** Fraction of each delay that is random: delay = cap * (1 - jitter * random()). */
  jitter?: number;
}

/** Exponential back-off: base, 2 base, 4 base ... capped at max, each shortened by jitter. */
export class Backoff {
  private n = 0;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly jitter: number;

  constructor(private readonly random: () => number, opts: BackoffOptions = {}) {
    this.baseMs = opts.baseMs ?? 1000;
    this.maxMs = opts.maxMs ?? 300_000;
    this.jitter = opts.jitter ?? 0.2;
  }

  get attempts(): number {
    return this.n;
  }

  next(): number {
    const cap = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.n, 30));
    this.n++;
    return cap * (1 - this.jitter * Math.min(1, Math.max(0, this.random())));
  }

  reset(): void {
    this.n = 0;
  }
}

export interface RecoveryOptions {
  apn: string;
  /** Consecutive command timeouts that mean the modem is unresponsive. */
  maxConsecutiveTimeouts?: number;
  backoff?: BackoffOptions;
  /** Uniform [0, 1) source for jitter (the simulator passes a seeded Rng). */
  random: () => number;
  /** After a re-init, how long to wait for network registration, ms (default 60 s). */
  registrationWaitMs?: number;
  /** Power-cycle instead of a plain re-init (needs PWRKEY wired). */
  powerCycle?: boolean;
}

export type RecoveryEvent =
  | { kind: 'unresponsive'; at: number }
  | { kind: 'link-lost'; at: number; cause: string }
  | { kind: 'attempt'; at: number; action: 'reinit' | 'reattach'; afterMs: number }
  | { kind: 'recovered'; at: number; action: 'reinit' | 'reattach' }
  | { kind: 'failed'; at: number; action: 'reinit' | 'reattach'; error: string };

export class ModemRecovery {
  private readonly backoff: Backoff;
  private readonly maxTimeouts: number;
  private readonly offs: Array<() => void> = [];
  private timer: TimerHandle | undefined;
  /** What recovery is doing: idle, waiting out a back-off, or running an attempt. */
  private action: 'reinit' | 'reattach' | null = null;
  private running = false;
  private readonly listeners = new Set<(e: RecoveryEvent) => void>();
  readonly log: RecoveryEvent[] = [];

  constructor(private readonly modem: Sim800, private readonly scheduler: Scheduler, private readonly opts: RecoveryOptions) {
    this.backoff = new Backoff(opts.random, opts.backoff);
    this.maxTimeouts = opts.maxConsecutiveTimeouts ?? 3;
  }

  onEvent(listener: (e: RecoveryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  get busy(): boolean {
    return this.action !== null;
  }

  start(): void {
    const at = this.modem.at;
    this.offs.push(
      at.onTimeout((n) => {
        if (n >= this.maxTimeouts && !this.running) {
          this.emit({ kind: 'unresponsive', at: this.scheduler.now() });
          this.schedule('reinit');
        }
      }),
      // The module restarted by itself (brown-out, watchdog): its settings (echo, error format,
      // +CREG mode) are back to defaults, so it must be initialised again.
      at.onUrc('RDY', () => this.restarted('RDY')),
      at.onUrc('NORMAL POWER DOWN', () => this.restarted('NORMAL POWER DOWN')),
      at.onUrc('UNDER-VOLTAGE', (u) => u.line.includes('POWER DOWN') && this.restarted(u.line)),
      at.onUrc('+SAPBR DEACT', (u) => this.linkLost(u.line)),
      at.onUrc('+PDP: DEACT', (u) => this.linkLost(u.line)),
      at.onUrc('+CREG', (u) => {
        const reg = parseCreg(u.line, false);
        if (reg && reg.state !== 'home' && reg.state !== 'roaming') this.linkLost(u.line);
      }),
    );
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    this.timer?.cancel();
    this.action = null;
  }

  private emit(e: RecoveryEvent): void {
    this.log.push(e);
    for (const l of [...this.listeners]) l(e);
  }

  private restarted(cause: string): void {
    if (this.running) return; // our own re-init causes these
    this.emit({ kind: 'link-lost', at: this.scheduler.now(), cause });
    this.schedule('reinit');
  }

  private linkLost(cause: string): void {
    this.emit({ kind: 'link-lost', at: this.scheduler.now(), cause });
    if (this.action === null) this.schedule('reattach');
  }

  /** Schedules an attempt after the next back-off delay; a re-init supersedes a re-attach. */
  private schedule(action: 'reinit' | 'reattach'): void {
    if (this.action === 'reinit' && action === 'reattach') return;
    if (this.action === action && this.timer) return;
    this.timer?.cancel();
    this.action = action;
    const afterMs = this.backoff.next();
    this.emit({ kind: 'attempt', at: this.scheduler.now(), action, afterMs });
    this.timer = this.scheduler.after(afterMs, () => {
      this.timer = undefined;
      void this.attempt(action);
    });
  }

  private async attempt(action: 'reinit' | 'reattach'): Promise<void> {
    this.running = true;
    try {
      if (action === 'reinit') {
        if (this.opts.powerCycle) await this.modem.powerCycle();
        else await this.modem.init();
      }
      // After a power cycle the module needs a few seconds to register; a re-attach does not wait.
      const deadline = this.scheduler.now() + (action === 'reinit' ? (this.opts.registrationWaitMs ?? 60_000) : 0);
      for (;;) {
        const reg = await this.modem.registration();
        if (reg.state === 'home' || reg.state === 'roaming') break;
        if (this.scheduler.now() >= deadline) throw new Error(`not registered (${reg.state})`);
        await this.scheduler.sleep(2000);
      }
      const b = await this.modem.openBearer(this.opts.apn);
      if (b.state !== 'connected') throw new Error(`bearer ${b.state}`);
      this.running = false;
      this.action = null;
      this.backoff.reset();
      this.emit({ kind: 'recovered', at: this.scheduler.now(), action });
    } catch (err) {
      this.running = false;
      this.emit({ kind: 'failed', at: this.scheduler.now(), action, error: err instanceof Error ? err.message : String(err) });
      this.action = null;
      this.schedule(action);
    }
  }
}
