// A hal Scheduler in the emulated Uno's time, and the loop that runs the CPU in slices. Host-side
// code (the johnny-five board target, the LCD driver's waits) schedules on this clock, so a 50 ms
// driver wait is 50 ms of emulated time however fast the emulator runs on this machine. Slices
// end at the next due timer, then Node's event loop runs (setImmediate), so streams, promises and
// firmata-io's handlers all get their turn between slices.
import type { Scheduler, TimerHandle } from '../../hal/clock.ts';
import type { EmulatedUno } from './uno.ts';

interface Timer {
  due: number;
  seq: number;
  task: () => void;
  period: number;
  cancelled: boolean;
}

export interface EmulatorClockOptions {
  /** Longest slice of emulated time between visits to the event loop, ms (default 1). */
  sliceMs?: number;
  /** Called after each slice (the USART stream flushes its bytes to the host here). */
  afterSlice?: () => void;
  /**
   * Keep emulated time from running ahead of the wall clock (for a board behind a real serial
   * port, where the host program runs on wall time). Default: as fast as the CPU allows.
   */
  realTime?: boolean;
}

export class EmulatorScheduler implements Scheduler {
  private timers: Timer[] = [];
  private seq = 0;
  private running = false;
  private readonly sliceMs: number;
  private readonly afterSlice: (() => void)[] = [];
  private readonly realTime: boolean;
  private wallStart = 0;
  private emuStart = 0;
  /** Wall-clock ms spent executing the CPU, for speed figures. */
  cpuWallMs = 0;

  constructor(private readonly uno: EmulatedUno, opts: EmulatorClockOptions = {}) {
    this.sliceMs = opts.sliceMs ?? 1;
    this.realTime = opts.realTime ?? false;
    if (opts.afterSlice) this.afterSlice.push(opts.afterSlice);
  }

  now(): number {
    return this.uno.nowMs;
  }

  onSlice(fn: () => void): void {
    this.afterSlice.push(fn);
  }

  private add(due: number, period: number, task: () => void): TimerHandle {
    const t: Timer = { due, seq: this.seq++, task, period, cancelled: false };
    this.timers.push(t);
    return { cancel: () => void (t.cancelled = true) };
  }

  every(periodMs: number, task: () => void): TimerHandle {
    if (!(periodMs > 0)) throw new RangeError(`period must be > 0 ms, got ${periodMs}`);
    return this.add(this.now() + periodMs, periodMs, task);
  }

  after(delayMs: number, task: () => void): TimerHandle {
    return this.add(this.now() + Math.max(0, delayMs), 0, task);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  private nextDue(): number {
    let d = Number.POSITIVE_INFINITY;
    for (const t of this.timers) if (!t.cancelled && t.due < d) d = t.due;
    return d;
  }

  private fireDue(): void {
    const now = this.now();
    const due = this.timers.filter((t) => !t.cancelled && t.due <= now).sort((a, b) => a.due - b.due || a.seq - b.seq);
    for (const t of due) {
      if (t.cancelled) continue;
      if (t.period > 0) t.due += t.period;
      else t.cancelled = true;
      t.task();
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
  }

  /** Starts running slices on the event loop; stop() ends it. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.wallStart = performance.now();
    this.emuStart = this.now();
    const slice = (): void => {
      if (!this.running) return;
      const t0 = performance.now();
      let until = Math.min(this.now() + this.sliceMs, Math.max(this.nextDue(), this.now() + 0.01));
      if (this.realTime) {
        const wallNow = this.emuStart + (t0 - this.wallStart);
        if (wallNow <= this.now()) {
          setTimeout(slice, 1);
          return;
        }
        until = Math.min(until, wallNow);
      }
      this.uno.runUntil(until);
      this.cpuWallMs += performance.now() - t0;
      this.uno.pumpRx();
      for (const f of this.afterSlice) f();
      this.fireDue();
      setImmediate(slice);
    };
    setImmediate(slice);
  }

  stop(): void {
    this.running = false;
  }

  /** Resolves once emulated time has advanced by `ms` (starts the loop if needed). */
  runFor(ms: number): Promise<void> {
    this.start();
    return this.sleep(ms);
  }
}
