// The simulator's one virtual clock: a discrete-event scheduler on which every simulated part runs
// (sensors, firmware tasks, peripherals, modem, network, server timers). Events at the same time
// run in the order they were scheduled, so a run is a pure function of its seed.
//
// Firmware written with async/await (driver delays, modem commands) continues in promise
// microtasks. The run loop therefore yields to Node's event loop after every one-shot event and
// at least once every `yieldEveryMs` of virtual time, so continuations run at the virtual time
// they belong to; periodic tasks are expected to be synchronous (the per-sample path).
import type { Scheduler, TimerHandle } from '../hal/clock.ts';

interface Event {
  at: number;
  seq: number;
  periodic: boolean;
  run: () => void;
  cancelled: boolean;
  /** Periodic events: first due time minus one period, the period, and the run count. */
  start: number;
  periodMs: number;
  n: number;
}

/** A binary min-heap on (at, seq). */
class EventQueue {
  private heap: Event[] = [];
  get size(): number {
    return this.heap.length;
  }
  peek(): Event | undefined {
    return this.heap[0];
  }
  push(e: Event): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  /** Restores the heap after the top event's key grew (a periodic event re-armed in place). */
  siftDownTop(): void {
    const h = this.heap;
    const n = h.length;
    const e = h[0]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, e)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = e;
  }
  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export interface VirtualClockOptions {
  /** Virtual time at start, ms. */
  startMs?: number;
  /** 'max' runs as fast as the CPU allows; a number paces virtual time to wall time x speed. */
  speed?: 'max' | number;
  /** Longest stretch of virtual time without yielding to promise continuations, ms. */
  yieldEveryMs?: number;
}

const BATCH_DONE = 0;
const BATCH_YIELD = 1;
const BATCH_PACE = 2;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class VirtualClock implements Scheduler {
  private t: number;
  private seq = 0;
  private readonly queue = new EventQueue();
  private readonly tracked = new Set<Promise<unknown>>();
  private speed: 'max' | number;
  private readonly yieldEveryMs: number;
  private running = false;
  /** Number of events run so far (for benchmarks and diagnostics). */
  eventsRun = 0;

  constructor(opts: VirtualClockOptions = {}) {
    this.t = opts.startMs ?? 0;
    this.speed = opts.speed ?? 'max';
    this.yieldEveryMs = opts.yieldEveryMs ?? 100;
  }

  now(): number {
    return this.t;
  }

  setSpeed(speed: 'max' | number): void {
    if (speed !== 'max' && !(speed > 0)) throw new RangeError(`speed must be 'max' or > 0, got ${speed}`);
    this.speed = speed;
  }

  every(periodMs: number, task: () => void): TimerHandle {
    if (!(periodMs > 0)) throw new RangeError(`period must be > 0 ms, got ${periodMs}`);
    // Re-armed by the run loop in place at the top of the queue (see runUntil).
    const ev: Event = { at: this.t + periodMs, seq: this.seq++, periodic: true, cancelled: false, run: task, start: this.t, periodMs, n: 1 };
    this.queue.push(ev);
    return { cancel: () => void (ev.cancelled = true) };
  }

  after(delayMs: number, task: () => void): TimerHandle {
    const ev: Event = { at: this.t + Math.max(0, delayMs), seq: this.seq++, periodic: false, cancelled: false, run: task, start: 0, periodMs: 0, n: 0 };
    this.queue.push(ev);
    return { cancel: () => void (ev.cancelled = true) };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => void this.after(ms, resolve));
  }

  /**
   * Holds virtual time still until `p` settles: for work outside the simulation (a database
   * query, a real socket) whose result the simulation waits on.
   */
  track<T>(p: Promise<T>): Promise<T> {
    this.tracked.add(p);
    const done = () => void this.tracked.delete(p);
    p.then(done, done);
    return p;
  }

  /** Time of the next pending event, or undefined. */
  nextEventAt(): number | undefined {
    this.dropCancelled();
    return this.queue.peek()?.at;
  }

  get pendingEvents(): number {
    return this.queue.size;
  }

  private dropCancelled(): void {
    while (this.queue.peek()?.cancelled) this.queue.pop();
  }

  /** Runs every event due up to and including `untilMs`, then sets the clock to `untilMs`. */
  async runUntil(untilMs: number): Promise<void> {
    if (this.running) throw new Error('VirtualClock.runUntil is not re-entrant');
    this.running = true;
    try {
      const wallStart = performance.now();
      const simStart = this.t;
      this.lastYield = this.t;
      await this.settle();
      for (;;) {
        // The events themselves run in the synchronous runBatch (locals of an async function live
        // in its heap context, which costs on every one of tens of millions of events); this loop
        // only does the awaiting: pacing and yields to promise continuations.
        const r = this.runBatch(untilMs);
        if (r === BATCH_DONE) break;
        if (r === BATCH_YIELD) await this.settle();
        else {
          // Paced: wait for wall time, then run the very event that was due (as before).
          const ev = this.pacedEvent!;
          await this.pace(ev.at, simStart, wallStart);
          if (this.runEvent(ev)) await this.settle();
        }
      }
      if (this.speed !== 'max') await this.pace(untilMs, simStart, wallStart);
      this.t = Math.max(this.t, untilMs);
      await this.settle();
    } finally {
      this.running = false;
    }
  }

  /** Virtual time of the last yield to promise continuations (within runUntil). */
  private lastYield = 0;

  /**
   * Runs due events until one needs the caller: BATCH_DONE (nothing due up to `untilMs`),
   * BATCH_YIELD (promise continuations must run now) or BATCH_PACE (the next event waits for
   * wall time; the caller paces, then runs it).
   */
  private runBatch(untilMs: number): number {
    for (;;) {
      this.dropCancelled();
      const ev = this.queue.peek();
      if (!ev || ev.at > untilMs) return BATCH_DONE;
      if (this.speed !== 'max') {
        this.pacedEvent = ev;
        return BATCH_PACE;
      }
      if (this.runEvent(ev)) return BATCH_YIELD;
    }
  }

  /** The event runBatch stopped at to pace. */
  private pacedEvent: Event | undefined;

  /** Runs the top event `ev`; true when promise continuations must run before the next one. */
  private runEvent(ev: Event): boolean {
    this.t = ev.at;
    this.eventsRun++;
    if (ev.periodic) {
      // The event stays at the top while its task runs: anything the task schedules is due
      // no earlier than now and later in sequence. Then it is re-armed in place - fixed rate,
      // due times computed from the start so rounding never accumulates - which is one
      // sift-down instead of a pop and a push, the same order as before.
      ev.run();
      if (ev.cancelled) this.queue.pop();
      else {
        ev.n++;
        ev.at = ev.start + ev.n * ev.periodMs;
        ev.seq = this.seq++;
        this.queue.siftDownTop();
      }
    } else {
      this.queue.pop();
      ev.run();
    }
    if (!ev.periodic || this.t - this.lastYield >= this.yieldEveryMs || this.tracked.size > 0) {
      this.lastYield = this.t;
      return true;
    }
    return false;
  }

  runFor(ms: number): Promise<void> {
    return this.runUntil(this.t + ms);
  }

  /** Runs events until none is left or `limitMs` is reached. */
  async runUntilIdle(limitMs = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      const next = this.nextEventAt();
      if (next === undefined || next > limitMs) return;
      await this.runUntil(next);
    }
  }

  /** Lets promise continuations run, and waits for tracked outside work. */
  private async settle(): Promise<void> {
    await yieldToEventLoop();
    while (this.tracked.size > 0) {
      await Promise.allSettled([...this.tracked]);
      await yieldToEventLoop();
    }
  }

  private async pace(at: number, simStart: number, wallStart: number): Promise<void> {
    const speed = this.speed as number;
    const due = wallStart + (at - simStart) / speed;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  }
}
