// Time for firmware: a monotonic clock and a scheduler. Boards supply it (the simulator's virtual
// clock, or wall time on real hardware), so firmware never reads Date.now() or calls setTimeout.

/** Milliseconds since the board started; monotonic, may be fractional. */
export interface Clock {
  now(): number;
}

/** A scheduled task; cancelling twice is harmless. */
export interface TimerHandle {
  cancel(): void;
}

export interface Scheduler extends Clock {
  /**
   * Runs `task` every `periodMs`, first at now + periodMs. Periodic tasks keep a fixed rate: the
   * n-th run is due at start + n * periodMs, never drifting by the time a task took.
   */
  every(periodMs: number, task: () => void): TimerHandle;
  /** Runs `task` once, `delayMs` from now. */
  after(delayMs: number, task: () => void): TimerHandle;
  /** Resolves `ms` from now (for driver delays such as the HD44780 power-on wait). */
  sleep(ms: number): Promise<void>;
}
