// Finds the cuff oscillation of each heart beat on the AC channel: the rise from the trough before
// an upstroke to the peak after it. An adaptive rise threshold (30 % of the median of the last
// three amplitudes, at least 0.12 mmHg, 6 counts, above the channel's noise of ~1.5 counts rms) and a refractory period of half
// the last beat interval keep the dicrotic wave from counting as a beat. A rise slower than an
// arterial upstroke (> 200 ms from half to full amplitude) is baseline drift, e.g. the AC
// coupling answering a change of deflation speed, and is not a beat. The rise is timed on the last
// 32 samples, not from the trough: the AC coupling puts the trough mid-diastole at slow rates. No allocation per sample.
export interface BeatSink {
  /** A beat: trough-to-peak amplitude (mmHg) and the times of its trough and peak (ms). */
  beat(amplitudeMmHg: number, troughMs: number, peakMs: number): void;
}

const MIN_RISE_MMHG = 0.12;
const MAX_PEAK_WAIT_MS = 200;
const MAX_RISE_MS = 200;
const HISTORY = 32;
const MIN_REFRACTORY_MS = 300;
const MAX_REFRACTORY_MS = 800;

export class BeatDetector {
  private rising = false;
  private trough = 0;
  private troughMs = 0;
  private peak = 0;
  private peakMs = 0;
  private readonly histX = new Float64Array(HISTORY);
  private readonly histT = new Float64Array(HISTORY);
  private histIdx = 0;
  private histN = 0;
  private lastBeatMs = Number.NEGATIVE_INFINITY;
  // The beat waiting out its refractory period.
  private tentative = false;
  private tAmp = 0;
  private tTroughMs = 0;
  private tPeakMs = 0;
  private tRefractoryMs = 0;
  private readonly recent = new Float64Array(3);
  private recentIdx = 0;
  private lastRrMs = 0;
  private primed = false;

  constructor(private readonly sink: BeatSink, private readonly minRiseMmHg = MIN_RISE_MMHG) {}

  reset(): void {
    this.rising = false;
    this.primed = false;
    this.tentative = false;
    this.lastBeatMs = Number.NEGATIVE_INFINITY;
    this.recent.fill(0);
    this.lastRrMs = 0;
  }

  sample(xMmHg: number, tMs: number): void {
    this.histX[this.histIdx] = xMmHg;
    this.histT[this.histIdx] = tMs;
    this.histIdx = (this.histIdx + 1) % HISTORY;
    if (this.histN < HISTORY) this.histN++;
    if (this.tentative && tMs - this.tPeakMs > this.tRefractoryMs) this.emit();
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
      } else if (xMmHg - this.trough > Math.max(this.minRiseMmHg, 0.3 * this.typicalAmplitude())) {
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
      if (this.peakMs - this.riseStartMs(this.trough + 0.5 * amp) <= MAX_RISE_MS) this.candidate(amp);
      this.rising = false;
      this.trough = xMmHg;
      this.troughMs = tMs;
    }
  }

  private candidate(amp: number): void {
    if (this.tentative && this.peakMs - this.tPeakMs < this.tRefractoryMs) {
      if (amp <= this.tAmp) return;
    } else if (this.tentative) this.emit();
    const refractory = Math.min(MAX_REFRACTORY_MS, Math.max(MIN_REFRACTORY_MS, 0.5 * this.lastRrMs));
    if (!this.tentative && this.peakMs - this.lastBeatMs < refractory) return;
    this.tentative = true;
    this.tAmp = amp;
    this.tTroughMs = this.troughMs;
    this.tPeakMs = this.peakMs;
    this.tRefractoryMs = refractory;
  }

  private emit(): void {
    this.tentative = false;
    if (Number.isFinite(this.lastBeatMs)) this.lastRrMs = this.tPeakMs - this.lastBeatMs;
    this.lastBeatMs = this.tPeakMs;
    this.recent[this.recentIdx] = this.tAmp;
    this.recentIdx = (this.recentIdx + 1) % 3;
    this.sink.beat(this.tAmp, this.tTroughMs, this.tPeakMs);
  }

  /** Time of the last sample before the peak at or below `level` (-Infinity if not in the history). */
  private riseStartMs(level: number): number {
    for (let k = 1; k <= this.histN; k++) {
      const i = (this.histIdx - k + HISTORY) % HISTORY;
      if (this.histT[i]! <= this.peakMs && this.histX[i]! <= level) return this.histT[i]!;
    }
    return Number.NEGATIVE_INFINITY;
  }

  private typicalAmplitude(): number {
    const a = this.recent[0]!;
    const b = this.recent[1]!;
    const c = this.recent[2]!;
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
}
