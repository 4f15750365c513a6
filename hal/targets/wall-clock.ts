// A Scheduler on wall time (setTimeout), for real hardware and the command line. Periodic tasks
// keep a fixed rate: each run is due at start + n * period, whatever the previous run took.
import type { Scheduler, TimerHandle } from '../clock.ts';

export class WallClock implements Scheduler {
  private readonly t0 = performance.now();

  now(): number {
    return performance.now() - this.t0;
  }

  after(delayMs: number, task: () => void): TimerHandle {
    const h = setTimeout(task, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(h) };
  }

  every(periodMs: number, task: () => void): TimerHandle {
    if (!(periodMs > 0)) throw new RangeError(`period must be > 0 ms, got ${periodMs}`);
    const start = this.now();
    let n = 1;
    let cancelled = false;
    let h: ReturnType<typeof setTimeout>;
    const arm = () => {
      h = setTimeout(() => {
        if (cancelled) return;
        task();
        n++;
        if (!cancelled) arm();
      }, Math.max(0, start + n * periodMs - this.now()));
    };
    arm();
    return {
      cancel: () => {
        cancelled = true;
        clearTimeout(h);
      },
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}
