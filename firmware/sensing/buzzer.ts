// The local buzzer (piezo on a digital pin): short chirps, never a continuous tone. The pattern
// says how urgent the alarm is - the reference design asks for a gentle alert for a mild
// abnormality (BP just above 120), so a mild alarm gives one short chirp when it is raised and
// again every few minutes while it lasts; more serious alarms chirp more often and in groups.
// Chirp edges are one-shot timer events, so a quiet buzzer costs nothing.
import type { Scheduler, TimerHandle } from '../../hal/clock.ts';
import type { DigitalOut } from '../../hal/digital.ts';
import type { AlarmLevel } from '../vitals.ts';

export interface ChirpPattern {
  /** Chirps in one group. */
  chirps: number;
  /** Length of one chirp and of the gap between chirps, ms. */
  onMs: number;
  gapMs: number;
  /** The group repeats this often while the alarm lasts, ms. */
  repeatMs: number;
}

export const CHIRP_PATTERNS: Readonly<Record<AlarmLevel, ChirpPattern>> = {
  mild: { chirps: 1, onMs: 60, gapMs: 0, repeatMs: 300_000 },
  moderate: { chirps: 2, onMs: 80, gapMs: 120, repeatMs: 120_000 },
  severe: { chirps: 3, onMs: 100, gapMs: 120, repeatMs: 30_000 },
  critical: { chirps: 3, onMs: 150, gapMs: 150, repeatMs: 10_000 },
};

export class Buzzer {
  private level: AlarmLevel | null = null;
  private nextGroupAt = 0;
  private pending: TimerHandle | null = null;
  /** Chirps sounded so far. */
  chirps = 0;

  constructor(private readonly pin: DigitalOut, private readonly scheduler: Scheduler) {
    pin.write(false);
  }

  /** The highest active alarm level (null: quiet). Call at the evaluation rate. */
  update(level: AlarmLevel | null): void {
    const now = this.scheduler.now();
    if (level !== this.level) {
      const rising = level !== null && (this.level === null || CHIRP_PATTERNS[level].repeatMs < CHIRP_PATTERNS[this.level].repeatMs);
      this.level = level;
      if (level === null) {
        this.pending?.cancel();
        this.pending = null;
        this.pin.write(false);
        return;
      }
      // A new or worse alarm sounds at once; a milder one waits its own repeat time.
      this.nextGroupAt = rising ? now : Math.min(this.nextGroupAt, now + CHIRP_PATTERNS[level].repeatMs);
    }
    if (this.level !== null && now >= this.nextGroupAt && this.pending === null) {
      const p = CHIRP_PATTERNS[this.level];
      this.nextGroupAt = now + p.repeatMs;
      this.chirp(p, p.chirps);
    }
  }

  private chirp(p: ChirpPattern, left: number): void {
    this.pin.write(true);
    this.chirps++;
    this.pending = this.scheduler.after(p.onMs, () => {
      this.pin.write(false);
      this.pending = left > 1 ? this.scheduler.after(p.gapMs, () => this.chirp(p, left - 1)) : null;
    });
  }
}
