// A fixed-rate task table in embedded style: tasks are declared once at start-up with their rate,
// then run from the board's timer. Nothing is allocated per run; statistics live in preallocated
// typed arrays, as they would in a microcontroller's static RAM.
import type { Scheduler, TimerHandle } from '../hal/clock.ts';

export interface TaskSpec {
  name: string;
  /** Period in ms (e.g. 4 for 250 Hz). */
  periodMs: number;
  run: () => void;
}

export interface TaskStats {
  name: string;
  periodMs: number;
  runs: number;
  /** Runs that started later than one period after the previous run (board timer slipped). */
  lateRuns: number;
  /** Largest gap seen between two runs, ms. */
  maxGapMs: number;
}

export class TaskTableError extends Error {
  override readonly name = 'TaskTableError';
}

export class TaskTable {
  private readonly specs: TaskSpec[] = [];
  private runs = new Float64Array(0);
  private late = new Float64Array(0);
  private lastAt = new Float64Array(0);
  private maxGap = new Float64Array(0);
  private handles: TimerHandle[] = [];
  private started = false;

  constructor(private readonly scheduler: Scheduler, private readonly capacity = 16) {}

  /** Declares a task; only before start(), as a static task table would be. */
  add(spec: TaskSpec): number {
    if (this.started) throw new TaskTableError(`task '${spec.name}' added after start`);
    if (this.specs.length >= this.capacity) throw new TaskTableError(`task table full (${this.capacity})`);
    if (!(spec.periodMs > 0) || !Number.isFinite(spec.periodMs)) throw new TaskTableError(`task '${spec.name}': bad period ${spec.periodMs} ms`);
    this.specs.push(spec);
    return this.specs.length - 1;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const n = this.specs.length;
    this.runs = new Float64Array(n);
    this.late = new Float64Array(n);
    this.lastAt = new Float64Array(n).fill(Number.NaN);
    this.maxGap = new Float64Array(n);
    const startAt = this.scheduler.now();
    for (let i = 0; i < n; i++) {
      const spec = this.specs[i]!;
      const slot = i;
      this.lastAt[slot] = startAt;
      // Locals, not property loads, on the per-sample path (the arrays are fixed from here on).
      const scheduler = this.scheduler, lastAt = this.lastAt, late = this.late, maxGap = this.maxGap, runs = this.runs;
      const lateGap = spec.periodMs * 1.5;
      this.handles.push(
        scheduler.every(spec.periodMs, () => {
          const now = scheduler.now();
          const gap = now - lastAt[slot]!;
          // A gap of more than 1.5 periods means the timer slipped (on real hardware: a long task).
          if (gap > lateGap) late[slot]!++;
          if (gap > maxGap[slot]!) maxGap[slot] = gap;
          lastAt[slot] = now;
          runs[slot]!++;
          spec.run();
        }),
      );
    }
  }

  stop(): void {
    for (const h of this.handles) h.cancel();
    this.handles = [];
    this.started = false;
  }

  stats(): TaskStats[] {
    return this.specs.map((s, i) => ({
      name: s.name,
      periodMs: s.periodMs,
      runs: this.runs[i] ?? 0,
      lateRuns: this.late[i] ?? 0,
      maxGapMs: this.maxGap[i] ?? 0,
    }));
  }
}
