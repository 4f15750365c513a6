// Streaming QRS detector of the Pan-Tompkins family (Pan & Tompkins, IEEE TBME 32(3), 1985), with
// search-back and T-wave discrimination, designed for the sample rate given at construction.
//
//   raw counts -> band-pass 5-15 Hz (Butterworth biquads) -> derivative -> absolute value
//              -> moving-window integration (150 ms) -> peak picking -> adaptive thresholds
//
// Absolute value instead of Pan-Tompkins' squaring (as Hamilton & Tompkins did, IEEE TBME 33(12),
// 1986): squaring widens the dynamic range so much that wide, slow ventricular beats next to sharp
// normal ones (MIT-BIH 109, 124) fell below even the search-back threshold. On the 23 development
// records |d| took misses from 71 to 38 and false detections from 103 to 80, at 360 Hz.
//
// All thresholds are relative to running signal and noise peak levels, so the detector works on
// any amplitude scale (10-bit AD8232 counts, 11-bit MIT-BIH counts, millivolts). The per-sample
// path allocates nothing: the history lives in preallocated typed-array rings.

import { BiquadCascade, butterworth } from './biquad.ts';

export interface QrsDetectorOptions {
  samplingFrequencyHz: number;
  /** Called once per detected beat, in time order, some 250 ms to ~2 s after its R peak. */
  onBeat?: (beat: QrsBeat) => void;
}

export interface QrsBeat {
  /** Index (0-based, counting every sample pushed) of the R peak. */
  sampleIndex: number;
  /** Time of the R peak from the first sample, in ms. */
  timeMs: number;
  /**
   * Index of the peak of the integrated QRS energy (it trails the R peak by about 100 ms). A
   * steadier fiducial from beat to beat than the R peak in wide or paced complexes, where the
   * largest deflection may be the pacing spike in one beat and the R or S wave in the next; RR
   * intervals are measured between these (on MIT-BIH paced records 102 and 104, R-peak RR
   * jitter made a regular paced rhythm look irregular in half the windows, this fiducial in none).
   */
  energyPeakIndex: number;
  /** Interval to the previous detected beat in ms (between energy peaks), or undefined for the first beat. */
  rrMs: number | undefined;
  /** True when the beat was found by search-back with the lowered threshold. */
  searchBack: boolean;
}

const LEARNING_S = 2;
const REFRACTORY_S = 0.2;
const T_WAVE_WINDOW_S = 0.36;
const T_WAVE_LATE_MAX_S = 0.6;
const T_SLOPE_LATE = 0.3;
const MWI_S = 0.15;
const SEARCH_BACK_FACTOR = 1.66;
const MAX_CANDIDATES = 32;
const THRESHOLD_FRACTION = 0.3;
/** After this long without a beat the signal level estimate decays, so a lasting drop in QRS amplitude is relearnt. */
const RELEARN_AFTER_S = 3;
/** While relearning, the signal level halves this often. */
const RELEARN_STEP_S = 0.5;
/**
 * While relearning, no peak below this multiple of the lower quartile of the integrated signal
 * (last 4 s) counts as a beat, so a stopped heart is not filled in with beats invented from
 * noise. In simulation (white noise of 1-10 counts after a few beats, 30 runs x 48 s at each of
 * 100/125/250/360/500 Hz) a factor of 3 let noise through hundreds of times, 4 never; 8 leaves a
 * margin, and a QRS even 5x smaller than before still stands far above it (relearnt in 4 beats).
 */
const RELEARN_FLOOR_FACTOR = 8;
const FLOOR_HISTORY = 80; // integrated-signal values kept for the quartile, one per 50 ms

export class QrsDetector {
  readonly samplingFrequencyHz: number;
  private readonly onBeat: ((beat: QrsBeat) => void) | undefined;
  private readonly bandPass: BiquadCascade;
  /** Delay of the band-pass at QRS frequencies (samples), to put R peaks back where they were. */
  private readonly bandPassDelay: number;
  private readonly mwiLen: number;
  private readonly refractory: number;
  private readonly tWaveWindow: number;
  private readonly tWaveLateMax: number;
  private readonly learning: number;
  private readonly derivSpan: number;

  // Rings (length a power of two) of the raw and band-passed signals and of |derivative|.
  private readonly mask: number;
  private readonly bp: Float64Array;
  private readonly slope: Float64Array;
  private readonly raw: Float64Array;
  private readonly refineHalf: number;
  private readonly baselineHalf: number;
  /** Running sum of the integration window [0] and the previous integrated value [1], unboxed. */
  private readonly mwiState = new Float64Array(2);

  private n = -1;
  private offset = 0;
  private pkVal = 0;
  private pkIdx = -1;

  // Adaptive levels of signal and noise peaks of the integrated signal.
  private spki = 0;
  private npki = 0;
  private learnMax = 0;
  private learnSum = 0;
  private lastQrsIdx = -1; // MWI peak index of the last beat
  private lastQrsR = -1; // R-peak sample index of the last beat
  private lastQrsSlope = 0;
  private lastRelearn = 0;
  private readonly rr = new Float64Array(8); // recent RR intervals in samples
  private rrCount = 0;
  private rrAvg: number;

  // Search-back candidates: peaks below threshold since the last beat.
  private readonly candIdx = new Float64Array(MAX_CANDIDATES);
  private readonly candVal = new Float64Array(MAX_CANDIDATES);
  private readonly candR = new Float64Array(MAX_CANDIDATES);
  private readonly candSlope = new Float64Array(MAX_CANDIDATES);
  private candCount = 0;

  // Decimated history of the integrated signal for the relearning floor.
  private readonly floorHist = new Float64Array(FLOOR_HISTORY);
  private readonly floorScratch = new Float64Array(FLOOR_HISTORY);
  private floorCount = 0;
  private readonly floorEvery: number;
  private relearnFloor = 0;
  // Outputs of thresholds() and features(), kept in fields so the hot path allocates nothing.
  private thr1 = 0;
  private thr2 = 0;
  private featR = 0;
  private featSlope = 0;

  constructor(opts: QrsDetectorOptions) {
    const fs = opts.samplingFrequencyHz;
    if (!(fs >= 50 && fs <= 2000)) throw new RangeError(`sampling frequency ${fs} Hz outside 50..2000 Hz`);
    this.samplingFrequencyHz = fs;
    this.onBeat = opts.onBeat;
    this.bandPass = new BiquadCascade([...butterworth('highpass', 2, 5, fs), ...butterworth('lowpass', 4, 15, fs)]);
    this.bandPassDelay = Math.round(this.bandPass.groupDelaySamples(10, fs));
    this.mwiLen = Math.max(1, Math.round(MWI_S * fs));
    this.refractory = Math.round(REFRACTORY_S * fs);
    this.tWaveWindow = Math.round(T_WAVE_WINDOW_S * fs);
    this.tWaveLateMax = Math.round(T_WAVE_LATE_MAX_S * fs);
    this.learning = Math.round(LEARNING_S * fs);
    // Derivative over ~10 ms (at least one sample): below 15 Hz any short span differentiates.
    this.derivSpan = Math.max(1, Math.round(0.01 * fs));
    let size = 1;
    while (size < 1.5 * fs) size <<= 1;
    this.mask = size - 1;
    this.bp = new Float64Array(size);
    this.slope = new Float64Array(size);
    this.raw = new Float64Array(size);
    this.refineHalf = Math.max(1, Math.round(0.04 * fs));
    this.baselineHalf = Math.round(0.1 * fs);
    this.rrAvg = fs; // 60/min until beats are seen
    this.floorEvery = Math.max(1, Math.round(0.05 * fs));
  }

  /** Samples pushed so far. */
  get sampleCount(): number {
    return this.n + 1;
  }

  /** Processes one sample (any scale). Returns the number of beats reported during this call. */
  push(x: number): number {
    const n = ++this.n;
    if (n === 0) this.offset = x; // start the filters from the first value, not from a step
    const m = this.mask;
    this.bandPass.feed(x - this.offset);
    const y = this.bandPass.out[0]!;
    this.raw[n & m] = x - this.offset;
    this.bp[n & m] = y;
    const s = Math.abs(y - this.bp[(n - this.derivSpan) & m]!) / this.derivSpan;
    this.mwiState[0] += s - (n >= this.mwiLen ? this.slope[(n - this.mwiLen) & m]! : 0);
    this.slope[n & m] = s;
    // Recompute the running sum now and then so rounding errors cannot accumulate.
    if ((n & 0xffff) === 0) {
      let acc = 0;
      for (let k = 0; k < this.mwiLen && k <= n; k++) acc += this.slope[(n - k) & m]!;
      this.mwiState[0] = acc;
    }
    const mwi = this.mwiState[0]! / this.mwiLen;

    if (n % this.floorEvery === 0) this.floorHist[this.floorCount++ % FLOOR_HISTORY] = mwi;

    let reported = 0;
    if (n < this.learning) {
      // Learning phase: levels from the first 2 s (Pan-Tompkins: signal 1/3 of max, noise 1/2 of mean).
      if (n > 2 * this.bandPassDelay + this.mwiLen) {
        if (mwi > this.learnMax) this.learnMax = mwi;
        this.learnSum += mwi;
      }
      if (n === this.learning - 1) {
        const counted = this.learning - 1 - (2 * this.bandPassDelay + this.mwiLen);
        this.spki = this.learnMax / 3;
        this.npki = counted > 0 ? (0.5 * this.learnSum) / counted : 0;
        this.lastQrsIdx = n;
        this.lastRelearn = n;
      }
      this.mwiState[1] = mwi;
      return 0;
    }

    // Peak picking: a peak starts when the integrated signal rises, and is final once it has
    // fallen to half its height or 200 ms have passed without exceeding it.
    if (mwi > this.pkVal && mwi >= this.mwiState[1]!) {
      this.pkVal = mwi;
      this.pkIdx = n;
    } else if (this.pkVal > 0 && (mwi < 0.5 * this.pkVal || n - this.pkIdx > this.refractory)) {
      reported += this.classify(this.pkIdx, this.pkVal);
      this.pkVal = 0;
    }
    this.mwiState[1] = mwi;

    // Search-back: no beat for 1.66 RR -> take the largest candidate above the lower threshold.
    if (n - this.lastQrsIdx > SEARCH_BACK_FACTOR * this.rrAvg && this.candCount > 0) reported += this.searchBack();

    // A long pause with nothing found: let the signal level decay so that a lasting drop in
    // amplitude is relearnt, with a floor from the quiet part of the signal (see RELEARN_FLOOR_FACTOR).
    if (n - this.lastQrsIdx > RELEARN_AFTER_S * this.samplingFrequencyHz && n - this.lastRelearn >= RELEARN_STEP_S * this.samplingFrequencyHz) {
      this.lastRelearn = n;
      this.relearnFloor = RELEARN_FLOOR_FACTOR * this.lowerQuartile();
      this.spki = Math.max(0.5 * this.spki, this.relearnFloor);
    }
    return reported;
  }

  /**
   * Pan-Tompkins' T-wave test: within 360 ms of the last QRS, a peak with less than half its
   * maximal slope is a T wave. At slow rates T waves come later (400-550 ms after a QRS at 35-50
   * /min), so beyond 360 ms and up to half the mean RR (at most 600 ms) a peak with less than
   * T_SLOPE_LATE of the QRS slope is a T wave too: tall T waves (half the R wave) at 35-50/min were
   * otherwise counted as beats; an early ventricular beat keeps a quarter or more of the slope.
   */
  private isTWave(sinceLastQrs: number, slope: number): boolean {
    if (this.lastQrsR < 0) return false;
    if (sinceLastQrs < this.tWaveWindow) return slope < 0.5 * this.lastQrsSlope;
    const late = Math.min(0.5 * this.rrAvg, this.tWaveLateMax);
    return sinceLastQrs < late && slope < T_SLOPE_LATE * this.lastQrsSlope;
  }

  /** End of input: decides the peak still pending (a stream that stops mid-beat). */
  flush(): number {
    if (this.n < this.learning || this.pkVal <= 0) return 0;
    const r = this.classify(this.pkIdx, this.pkVal);
    this.pkVal = 0;
    return r;
  }

  private lowerQuartile(): number {
    const k = Math.min(this.floorCount, FLOOR_HISTORY);
    if (k === 0) return 0;
    // Unused slots sort to the end, so the k valid values stay at the front (no subarray views).
    const s = this.floorScratch;
    for (let i = 0; i < FLOOR_HISTORY; i++) s[i] = i < k ? this.floorHist[i]! : Infinity;
    s.sort();
    return s[k >> 2]!;
  }

  /**
   * Sets thr1 (detection) and thr2 (search-back) from the current levels. 0.3 of the way from noise
   * to signal level (Pan-Tompkins: 0.25, Hamilton-Tompkins: 0.3125) was chosen on the MIT-BIH
   * development records (FP/FN: 0.25 85/41, 0.3 80/41, 0.35 70/45, 0.4 68/96): the fewest misses,
   * a missed beat being the worse error for a monitor.
   */
  private thresholds(): void {
    const thr1 = this.npki + THRESHOLD_FRACTION * (this.spki - this.npki);
    const thr2 = Math.max(0.5 * thr1, 2 * this.npki);
    const relearning = this.n - this.lastQrsIdx > RELEARN_AFTER_S * this.samplingFrequencyHz;
    this.thr1 = relearning ? Math.max(thr1, this.relearnFloor) : thr1;
    this.thr2 = relearning ? Math.max(thr2, this.relearnFloor) : thr2;
  }

  /** Locates the R peak (featR) and the maximal slope (featSlope) of the QRS whose integrated peak is at `idx`. */
  private features(idx: number): void {
    const m = this.mask;
    // The integrated peak trails the band-passed QRS by up to the window length.
    const from = Math.max(idx - this.mwiLen - this.derivSpan, this.n - m);
    let best = -1, bestAbs = -1, maxSlope = 0;
    for (let k = from; k <= idx; k++) {
      const a = Math.abs(this.bp[k & m]!);
      if (a > bestAbs) { bestAbs = a; best = k; }
      const sl = this.slope[k & m]!;
      if (sl > maxSlope) maxSlope = sl;
    }
    this.featR = this.refine(best - this.bandPassDelay);
    this.featSlope = maxSlope;
  }

  /**
   * Moves an R-peak estimate to the largest deviation of the unfiltered signal from its local mean
   * within +-40 ms, so beat times do not carry the filters' delay (a few ms instead of ~15 ms).
   */
  private refine(est: number): number {
    const m = this.mask;
    const lo = Math.max(est - this.baselineHalf, this.n - m, 0);
    const hi = Math.min(est + this.baselineHalf, this.n);
    if (hi <= lo) return Math.max(0, est);
    let mean = 0;
    for (let k = lo; k <= hi; k++) mean += this.raw[k & m]!;
    mean /= hi - lo + 1;
    let best = est, bestDev = -1;
    for (let k = Math.max(lo, est - this.refineHalf); k <= Math.min(hi, est + this.refineHalf); k++) {
      const dev = Math.abs(this.raw[k & m]! - mean);
      if (dev > bestDev) { bestDev = dev; best = k; }
    }
    return Math.max(0, best);
  }

  private classify(idx: number, val: number): number {
    if (this.lastQrsR >= 0 && idx - this.lastQrsIdx < this.refractory) return 0;
    this.features(idx);
    this.thresholds();
    const rIdx = this.featR, slope = this.featSlope, thr1 = this.thr1, thr2 = this.thr2;
    const sinceLast = idx - this.lastQrsIdx;
    const tWave = this.isTWave(sinceLast, slope);
    if (val > thr1 && !tWave) {
      this.spki = 0.125 * val + 0.875 * this.spki;
      return this.accept(idx, rIdx, slope, false);
    }
    this.npki = 0.125 * val + 0.875 * this.npki;
    if (!tWave && val > thr2) {
      if (this.candCount === MAX_CANDIDATES) this.dropCandidates(1);
      const c = this.candCount++;
      this.candIdx[c] = idx;
      this.candVal[c] = val;
      this.candR[c] = rIdx;
      this.candSlope[c] = slope;
    }
    return 0;
  }

  private dropCandidates(k: number): void {
    this.candIdx.copyWithin(0, k, this.candCount);
    this.candVal.copyWithin(0, k, this.candCount);
    this.candR.copyWithin(0, k, this.candCount);
    this.candSlope.copyWithin(0, k, this.candCount);
    this.candCount -= k;
  }

  private searchBack(): number {
    this.thresholds();
    const thr2 = this.thr2;
    let best = -1;
    for (let c = 0; c < this.candCount; c++) {
      // A candidate in the first half of the expected interval must look like a QRS, not a T wave
      // (slow T waves of bradycardia come 400+ ms after the QRS, beyond the 360 ms test).
      if (this.candIdx[c]! - this.lastQrsIdx < 0.5 * this.rrAvg && this.candSlope[c]! < 0.5 * this.lastQrsSlope) continue;
      if (this.candVal[c]! > thr2 && (best < 0 || this.candVal[c]! > this.candVal[best]!)) best = c;
    }
    if (best < 0) {
      this.candCount = 0;
      return 0;
    }
    const idx = this.candIdx[best]!, val = this.candVal[best]!, rIdx = this.candR[best]!, slope = this.candSlope[best]!;
    // Later candidates stay available for a further search-back, earlier ones are spent.
    this.dropCandidates(best + 1);
    while (this.candCount > 0 && this.candIdx[0]! - idx < this.refractory) this.dropCandidates(1);
    this.spki = 0.25 * val + 0.75 * this.spki;
    return this.accept(idx, rIdx, slope, true);
  }

  private accept(idx: number, rIdx: number, slope: number, searchBack: boolean): number {
    const fs = this.samplingFrequencyHz;
    let rrMs: number | undefined;
    if (this.lastQrsR >= 0) {
      const rr = idx - this.lastQrsIdx;
      rrMs = (rr * 1000) / fs;
      this.rr[this.rrCount++ & 7] = rr;
      const k = Math.min(this.rrCount, 8);
      let sum = 0;
      for (let i = 0; i < k; i++) sum += this.rr[i]!;
      this.rrAvg = sum / k;
    }
    if (!searchBack) this.candCount = 0;
    else while (this.candCount > 0 && this.candIdx[0]! <= idx) this.dropCandidates(1);
    this.lastQrsIdx = idx;
    this.lastQrsR = rIdx;
    this.lastQrsSlope = slope;
    this.onBeat?.({ sampleIndex: rIdx, timeMs: (rIdx * 1000) / fs, energyPeakIndex: idx, rrMs, searchBack });
    return 1;
  }
}
