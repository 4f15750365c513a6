// The stress add-on in the running device: the StressMonitor (MPU-6050 + ADS1115 on the I2C bus,
// firmware/stress) turned into what the device shows and reports. Informational only: it never
// feeds the alarms, the buzzer or the LED. Without the add-on the device has no StressReporter and
// the snapshot's stress is absent (never 'low').
//
// Reporting: the level is reported when it changes and otherwise every `reportEveryMs` (5 min),
// so the uplink sends one stress reading per report instead of one per 5 s summary. A change of
// level must hold for `confirmMs` (30 s) before it is reported, so a level flickering at a
// boundary does not fill the queue. The LCD shows the live level.
import type { Scheduler } from '../../hal/clock.ts';
import type { I2cBus } from '../../hal/i2c.ts';
import type { DisplayModel } from '../display/model.ts';
import { stressLcdLine } from '../stress/lcd-line.ts';
import { StressMonitor, type StressMonitorOptions, type StressReading } from '../stress/monitor.ts';
import type { StressVital } from '../vitals.ts';

export interface StressAddOnConfig {
  options?: StressMonitorOptions;
  /** Report the level at least this often, ms (default 5 min). */
  reportEveryMs?: number;
  /** A new level must hold this long before it is reported, ms (default 30 s). */
  confirmMs?: number;
}

export class StressReporter {
  readonly monitor: StressMonitor;
  private readonly reportEveryMs: number;
  private readonly confirmMs: number;
  private reported: Extract<StressVital, { kind: 'value' }> | null = null;
  private candidate: { level: string; sinceMs: number } | null = null;
  private startedAtMs = 0;

  constructor(bus: I2cBus, scheduler: Scheduler, config: StressAddOnConfig = {}) {
    this.monitor = new StressMonitor(bus, scheduler, config.options ?? {});
    this.reportEveryMs = config.reportEveryMs ?? 5 * 60_000;
    this.confirmMs = config.confirmMs ?? 30_000;
  }

  start(nowMs: number): void {
    this.startedAtMs = nowMs;
    this.monitor.start();
  }

  stop(): void {
    this.monitor.stop();
  }

  /** The live reading (for tests and tracing). */
  reading(): StressReading {
    return this.monitor.reading();
  }

  /** The snapshot's stress: the last reported level, a fault, or acquiring. Call at 1 Hz. */
  vital(nowMs: number): StressVital {
    const r = this.monitor.reading();
    if (r.kind === 'fault') {
      this.candidate = null;
      if (r.fault === 'settling') return this.reported ?? { kind: 'acquiring', sinceMs: this.startedAtMs };
      return { kind: 'fault', fault: r.fault, sinceMs: r.at };
    }
    const { level, score } = r.assessment;
    const last = this.reported;
    if (!last) {
      this.reported = { kind: 'value', atMs: nowMs, level, score: Math.round(score) };
    } else if (level !== last.level) {
      if (!this.candidate || this.candidate.level !== level) this.candidate = { level, sinceMs: nowMs };
      if (nowMs - this.candidate.sinceMs >= this.confirmMs) {
        this.reported = { kind: 'value', atMs: nowMs, level, score: Math.round(score) };
        this.candidate = null;
      }
    } else {
      this.candidate = null;
      if (nowMs - last.atMs >= this.reportEveryMs) this.reported = { kind: 'value', atMs: nowMs, level, score: Math.round(score) };
    }
    return { ...this.reported! };
  }

  /** The LCD's stress screen (live level). */
  display(): NonNullable<DisplayModel['stress']> {
    const r = this.monitor.reading();
    const detail = r.kind === 'ok' ? `Steps ${String(Math.round(r.measuredStepsPerMin)).padStart(3)}/min` : r.fault === 'settling' ? 'measuring...' : 'check sensor';
    return { text: stressLcdLine(r).trimEnd(), detail };
  }
}
