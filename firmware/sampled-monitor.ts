// An estimator fed from one analog input at a fixed rate by the board's timer: the shape shared by
// the pulse-rate and temperature monitors (the device application drives the same estimators from
// its task table instead).
import type { AnalogIn } from '../hal/analog.ts';
import type { Scheduler, TimerHandle } from '../hal/clock.ts';

export interface SampleEstimator<R> {
  push(counts: number): void;
  reading(): R;
}

export class SampledMonitor<R, E extends SampleEstimator<R>> {
  private timer: TimerHandle | null = null;

  constructor(
    private readonly input: AnalogIn,
    private readonly scheduler: Scheduler,
    readonly sampleRateHz: number,
    readonly estimator: E,
  ) {}

  start(): void {
    if (this.timer) return;
    // Before the input's first conversion there is nothing to push: the estimator stays settling
    // rather than taking a placeholder 0 for an open input.
    this.timer = this.scheduler.every(1000 / this.sampleRateHz, () => {
      if (this.input.hasSample?.() !== false) this.estimator.push(this.input.read());
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  reading(): R {
    return this.estimator.reading();
  }
}
