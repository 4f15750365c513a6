// Finds the cuff oscillation of each heart beat on the AC channel: the rise from the trough before
// an upstroke to the peak after it.
//  - An adaptive rise threshold (30 % of the median of the last three amplitudes, at least
//    0.12 mmHg = 6 counts, above the channel's noise of ~1.5 counts rms) ignores noise.
//  - A refractory period of 0.6 of the shortest of the last three beat intervals (0.25-0.38 s;
//    the shortest, so that a missed beat cannot lengthen it past the next one) keeps the
//    dicrotic wave from counting as a beat. Candidates within it are one beat and the larger
//    wins (noise in late diastole must not mask the real upstroke); the window is anchored at the
//    first candidate, so the growing beats of the envelope's rising flank never merge.
//  - A rise slower than an arterial upstroke (> 200 ms from half to full amplitude, timed on the
//    last 32 samples because the AC coupling puts the trough mid-diastole at slow rates) is
//    baseline drift, e.g. the coupling answering a change of deflation speed.
//  - After 2 s without a beat the threshold decays (it was set by something bigger: a movement).
// No allocation per sample.
export interface BeatSink {
  /**
   * A beat: trough-to-peak amplitude (mmHg), the times of its trough and peak (ms), and the
   * largest other rise within its refractory period (mmHg): small for a clean pulse (dicrotic
   * wave), comparable to the beat when the arm moves.
   */
  beat(amplitudeMmHg: number, troughMs: number, peakMs: number, secondaryMmHg: number): void;
}

const MIN_RISE_MMHG = 0.12;
const MAX_PEAK_WAIT_MS = 200;
const MAX_RISE_MS = 200;
const HISTORY = 32;
const SILENCE_MS = 2000;
const MIN_REFRACTORY_MS = 250;
// The dicrotic wave peaks ~0.3 s after the systolic peak at any rate; 380 ms stays below the
// shortest beat interval expected (150/min), so a run of growing beats never merges.
const MAX_REFRACTORY_MS = 380;

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
  private tSecondary = 0;
  private tWindowStartMs = 0;
  private readonly rr = new Float64Array(3);
  private rrIdx = 0;
  private readonly recent = new Float64Array(3);
  private recentIdx = 0;
  private primed = false;
  private lastDecayMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly sink: BeatSink, private readonly minRiseMmHg = MIN_RISE_MMHG) {}

  reset(): void {
    this.rising = false;
    this.primed = false;
    this.tentative = false;
    this.lastBeatMs = Number.NEGATIVE_INFINITY;
    this.recent.fill(0);
    this.rr.fill(0);
  }

  sample(xMmHg: number, tMs: number): void {
    this.histX[this.histIdx] = xMmHg;
    this.histT[this.histIdx] = tMs;
    this.histIdx = (this.histIdx + 1) % HISTORY;
    if (this.histN < HISTORY) this.histN++;
    if (this.tentative && tMs - this.tWindowStartMs > this.tRefractoryMs) this.emit();
    // Nothing for 2 s: the threshold was set by something bigger than these beats (a movement);
    // let it decay so the real beats are found again.
    if (!this.tentative && tMs - this.lastBeatMs > SILENCE_MS && tMs - this.lastDecayMs > SILENCE_MS / 2) {
      this.lastDecayMs = tMs;
      for (let i = 0; i < 3; i++) this.recent[i] = 0.5 * this.recent[i]!;
    }
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
    if (this.tentative && this.peakMs - this.tWindowStartMs < this.tRefractoryMs) {
      // Same beat: keep the larger rise. The window stays anchored at the first candidate.
      if (amp <= this.tAmp) {
        this.tSecondary = Math.max(this.tSecondary, amp);
        return;
      }
      this.tSecondary = Math.max(this.tSecondary, this.tAmp);
      this.tAmp = amp;
      this.tTroughMs = this.troughMs;
      this.tPeakMs = this.peakMs;
      return;
    }
    if (this.tentative) this.emit();
    const rr = this.rrShortestMs();
    const refractory = Number.isFinite(rr) ? Math.min(MAX_REFRACTORY_MS, Math.max(MIN_REFRACTORY_MS, 0.6 * rr)) : MIN_REFRACTORY_MS;
    if (this.peakMs - this.lastBeatMs < refractory) return;
    this.tentative = true;
    this.tAmp = amp;
    this.tTroughMs = this.troughMs;
    this.tPeakMs = this.peakMs;
    this.tWindowStartMs = this.peakMs;
    this.tRefractoryMs = refractory;
    this.tSecondary = 0;
  }

  private emit(): void {
    this.tentative = false;
    if (Number.isFinite(this.lastBeatMs)) {
      this.rr[this.rrIdx] = this.tPeakMs - this.lastBeatMs;
      this.rrIdx = (this.rrIdx + 1) % 3;
    }
    this.lastBeatMs = this.tPeakMs;
    this.recent[this.recentIdx] = this.tAmp;
    this.recentIdx = (this.recentIdx + 1) % 3;
    this.sink.beat(this.tAmp, this.tTroughMs, this.tPeakMs, this.tSecondary);
  }

  /** Time of the last sample before the peak at or below `level` (-Infinity if not in the history). */
  private riseStartMs(level: number): number {
    for (let k = 1; k <= this.histN; k++) {
      const i = (this.histIdx - k + HISTORY) % HISTORY;
      if (this.histT[i]! <= this.peakMs && this.histX[i]! <= level) return this.histT[i]!;
    }
    return Number.NEGATIVE_INFINITY;
  }

  /** The shortest of the last three intervals: a missed beat must not lengthen the refractory. */
  private rrShortestMs(): number {
    const a = this.rr[0]!;
    const b = this.rr[1]!;
    const c = this.rr[2]!;
    return Math.min(a || Infinity, b || Infinity, c || Infinity);
  }

  private typicalAmplitude(): number {
    const a = this.recent[0]!;
    const b = this.recent[1]!;
    const c = this.recent[2]!;
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
  }
}
