// Step counting from a body-worn (waist or chest) 3-axis accelerometer. The magnitude |a| does not
// depend on how the unit is oriented; its slow mean is gravity (1 g) and is removed by a 2 s
// baseline; a one-pole low-pass at 3 Hz keeps the gait fundamental (1.3-3 Hz, 80-180 steps/min).
// Each heel strike is one positive excursion: a step counts when the signal, after dipping below
// -armG, rises above +stepG, at least minIntervalMs after the previous step (240 steps/min at
// most). Sensor noise (~2 mg) and fidgeting stay under the hysteresis band. Steps per minute are
// the steps in the last minute, from a ring of step times (no allocation per sample).

export interface StepCounterOptions {
  /** Rise above the baseline that counts a step, g. */
  stepG?: number;
  /** Dip below the baseline that arms the detector, g. */
  armG?: number;
  minIntervalMs?: number;
  /** A gap in the samples longer than this restarts the window (the counts are unknown). */
  maxGapMs?: number;
}

export type CadenceResult = { kind: 'ok'; stepsPerMin: number } | { kind: 'fault'; fault: 'settling' };

const RING = 512;
const WINDOW_MS = 60_000;
/** Steps per minute are reported once this much of the window has been observed (scaled up). */
const MIN_COVERAGE_MS = 30_000;

export class StepCounter {
  private readonly stepG: number;
  private readonly armG: number;
  private readonly minIntervalMs: number;
  private readonly maxGapMs: number;
  private readonly times = new Float64Array(RING);
  private head = 0;
  private count = 0;
  private baseline = Number.NaN;
  private filtered = 0;
  private armed = false;
  private lastT = Number.NaN;
  private lastStepT = Number.NEGATIVE_INFINITY;
  private windowStart = Number.NaN;
  /** Steps since construction. */
  totalSteps = 0;

  constructor(opts: StepCounterOptions = {}) {
    this.stepG = opts.stepG ?? 0.1;
    this.armG = opts.armG ?? 0.05;
    this.minIntervalMs = opts.minIntervalMs ?? 250;
    this.maxGapMs = opts.maxGapMs ?? 2000;
  }

  push(tMs: number, xG: number, yG: number, zG: number): void {
    const m = Math.sqrt(xG * xG + yG * yG + zG * zG);
    if (!Number.isFinite(m)) return;
    const dt = tMs - this.lastT;
    if (Number.isNaN(this.lastT) || dt > this.maxGapMs || dt <= 0) {
      if (!(dt <= 0)) {
        // First sample, or after a gap: restart the baseline and the minute window.
        this.baseline = m;
        this.filtered = 0;
        this.armed = false;
        this.count = 0;
        this.windowStart = tMs;
        this.lastT = tMs;
      }
      return;
    }
    this.lastT = tMs;
    this.baseline += (m - this.baseline) * (1 - Math.exp(-dt / 2000));
    const lp = 1 - Math.exp((-2 * Math.PI * 3 * dt) / 1000);
    this.filtered += (m - this.baseline - this.filtered) * lp;
    if (this.filtered < -this.armG) this.armed = true;
    else if (this.armed && this.filtered > this.stepG && tMs - this.lastStepT >= this.minIntervalMs) {
      this.armed = false;
      this.lastStepT = tMs;
      this.totalSteps++;
      this.times[this.head] = tMs;
      this.head = (this.head + 1) % RING;
      if (this.count < RING) this.count++;
    }
  }

  /**
   * Steps in the minute before nowMs (scaled when less than a minute has been observed), or in a
   * shorter window (`windowMs`, e.g. 15 s for the onset of running), scaled to a minute.
   */
  stepsPerMin(nowMs: number, windowMs = WINDOW_MS): CadenceResult {
    if (Number.isNaN(this.windowStart) || nowMs - this.lastT > this.maxGapMs) return { kind: 'fault', fault: 'settling' };
    const covered = Math.min(windowMs, nowMs - this.windowStart);
    if (covered < Math.min(MIN_COVERAGE_MS, windowMs)) return { kind: 'fault', fault: 'settling' };
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      const t = this.times[(this.head - 1 - i + RING) % RING]!;
      if (nowMs - t > windowMs) break;
      n++;
    }
    return { kind: 'ok', stepsPerMin: (n * WINDOW_MS) / covered };
  }
}
