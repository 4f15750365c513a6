// The server's time source: the same shape as the HAL scheduler (hal/clock.ts), so the simulator's
// virtual clock drives the server directly; the standalone server uses wallClock.
import type { Clock, TimerHandle } from '../hal/clock.ts';

export type { TimerHandle } from '../hal/clock.ts';

export interface ServerClock extends Clock {
  /** ms; any epoch, monotonic. Stored timestamps are in this clock's time. */
  now(): number;
  after(delayMs: number, task: () => void): TimerHandle;
  /**
   * Optional: holds virtual time still until p settles (sim/clock.ts VirtualClock.track). The
   * engine passes all its database and notifier work through it, so a simulation never runs
   * ahead of an escalation step that is still being written.
   */
  track?<T>(p: Promise<T>): Promise<T>;
}

export const wallClock: ServerClock = {
  now: () => Date.now(),
  after(delayMs, task) {
    const t = setTimeout(task, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(t) };
  },
};
