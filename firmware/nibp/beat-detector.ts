// Finds the cuff oscillation of each heart beat on the AC channel: the rise from the trough before
// an upstroke to the peak after it. An adaptive rise threshold (30 % of the largest of the last three
// amplitudes, at least 0.12 mmHg, 6 counts, above the channel's noise of ~1.5 counts rms) and a refractory period of half
// the last beat interval keep the dicrotic wave from counting as a beat. No allocation per sample.
export interface BeatSink {
  /** A beat: trough-to-peak amplitude (mmHg) and the times of its trough and peak (ms). */
  beat(amplitudeMmHg: number, troughMs: number, peakMs: number): void;
}

const MIN_RISE_MMHG = 0.12;
const MAX_PEAK_WAIT_MS = 200;
const MIN_REFRACTORY_MS = 300;
const MAX_REFRACTORY_MS = 800;

export class BeatDetector {
  private rising = false;
  private trough = 0;
  private troughMs = 0;
  private peak = 0;
  private peakMs = 0;
  private lastBeatMs = Number.NEGATIVE_INFINITY;
  private readonly recent = new Float64Array(3);
  private recentIdx = 0;
  private lastRrMs = 0;
  private primed = false;

  constructor(private readonly sink: BeatSink) {}

  reset(): void {
    this.rising = false;
    this.primed = false;
    this.lastBeatMs = Number.NEGATIVE_INFINITY;
    this.recent.fill(0);
    this.lastRrMs = 0;
  }

  sample(xMmHg: number, tMs: number): void {
    if (!this.primed) {
      this.primed = true;
      this.trough = xMmHg;
      this.troughMs = tMs;
      return;
    }
    if (!this.rising) {
      if (xMmHg < this.trough) {
        this.trough = xMmHg;
        this.troughMs = tMs;
      } else if (xMmHg - this.trough > Math.max(MIN_RISE_MMHG, 0.3 * Math.max(this.recent[0]!, this.recent[1]!, this.recent[2]!))) {
        this.rising = true;
        this.peak = xMmHg;
        this.peakMs = tMs;
      }
      return;
    }
    if (xMmHg >= this.peak) {
      this.peak = xMmHg;
      this.peakMs = tMs;
      return;
    }
    const amp = this.peak - this.trough;
    if (this.peak - xMmHg > 0.3 * amp || tMs - this.peakMs > MAX_PEAK_WAIT_MS) {
      const refractory = Math.min(MAX_REFRACTORY_MS, Math.max(MIN_REFRACTORY_MS, 0.5 * this.lastRrMs));
      if (this.peakMs - this.lastBeatMs >= refractory) {
        if (Number.isFinite(this.lastBeatMs)) this.lastRrMs = this.peakMs - this.lastBeatMs;
        this.lastBeatMs = this.peakMs;
        this.recent[this.recentIdx] = amp;
        this.recentIdx = (this.recentIdx + 1) % 3;
        this.sink.beat(amp, this.troughMs, this.peakMs);
      }
      this.rising = false;
      this.trough = xMmHg;
      this.troughMs = tMs;
    }
  }
}
