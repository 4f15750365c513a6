// The ECG channel as the firmware sees it: raw samples and the AD8232 lead-off lines in, one
// status out. Composes the QRS detector, the rhythm analysis and the signal-quality supervisor, and
// enforces the medical rule: a sensor fault is reported as a fault - never as a heart rate, never
// as asystole. After a fault clears the detector relearns (2 s) before rates are reported again.

import { QrsDetector, type QrsBeat } from './pan-tompkins.ts';
import { ASYSTOLE_MS, RhythmAnalyzer, type IrregularityMetrics, type RhythmFlags } from './rhythm.ts';
import { SignalQuality, type EcgFault } from './signal-quality.ts';

export type { EcgFault } from './signal-quality.ts';
export type { RhythmFlags, IrregularityMetrics } from './rhythm.ts';

export type EcgStatus =
  /** Beats are being detected; rate from the median of the last 8 RR intervals. */
  | { kind: 'ok'; heartRateBpm: number; rrMs: number; medianRrMs: number; flags: RhythmFlags; irregularity: IrregularityMetrics | undefined }
  /** Good signal but no beat for more than 4 s: an emergency, not a fault. */
  | { kind: 'asystole'; msSinceLastBeat: number; flags: RhythmFlags }
  /** Good signal, not enough beats yet for a rate (start-up, or relearning after a fault). */
  | { kind: 'acquiring'; msSinceStart: number }
  /** The sensor cannot be trusted: leads off, ADC saturated, flat line or noise. */
  | { kind: 'fault'; fault: EcgFault; msSinceFault: number };

export interface EcgMonitorOptions {
  samplingFrequencyHz: number;
  /** ADC rails (inclusive) for the saturation check, e.g. 0 and 1023 for the Uno. */
  railLowCounts?: number;
  railHighCounts?: number;
  /** See SignalQualityOptions.flatPeakToPeak. */
  flatPeakToPeak?: number;
  /** Each accepted beat (sample index counts all samples pushed to the monitor). */
  onBeat?: (beat: QrsBeat) => void;
}

/** A rate above this is not a heart (the detector is fooled by noise). */
const IMPLAUSIBLE_BPM = 240;
const LEARNING_MS = 2000;

export class EcgMonitor {
  readonly samplingFrequencyHz: number;
  private readonly quality: SignalQuality;
  private readonly rhythm = new RhythmAnalyzer();
  private readonly onBeat: ((beat: QrsBeat) => void) | undefined;
  private detector: QrsDetector;
  /** Monitor sample index at which the current detector started. */
  private detectorStart = 0;
  private n = 0;
  private faulted = false;
  private faultStartMs = 0;
  private startMs = 0;
  private implausibleSinceMs: number | undefined = undefined;

  constructor(opts: EcgMonitorOptions) {
    this.samplingFrequencyHz = opts.samplingFrequencyHz;
    this.onBeat = opts.onBeat;
    this.quality = new SignalQuality(opts);
    this.detector = this.newDetector();
    this.rhythm.reset(LEARNING_MS);
  }

  private newDetector(): QrsDetector {
    const fs = this.samplingFrequencyHz;
    const start = this.n;
    return new QrsDetector({
      samplingFrequencyHz: fs,
      onBeat: (b) => {
        if (this.faulted) return;
        const sampleIndex = b.sampleIndex + start;
        const beat: QrsBeat = { ...b, sampleIndex, timeMs: (sampleIndex * 1000) / fs, energyPeakIndex: b.energyPeakIndex + start };
        // Rhythm from the steadier fiducial (see QrsBeat.energyPeakIndex).
        this.rhythm.addBeat((beat.energyPeakIndex * 1000) / fs);
        this.quality.noteBeat();
        this.onBeat?.(beat);
      },
    });
  }

  /** Time of the latest sample, ms from the first. */
  get nowMs(): number {
    return (Math.max(0, this.n - 1) * 1000) / this.samplingFrequencyHz;
  }

  /** One sample (raw ADC counts or any scale) and the lead-off state (LO+ or LO-) at that sample. */
  push(sample: number, leadOff = false): void {
    this.quality.push(sample, leadOff);
    const fault = this.quality.fault() !== undefined;
    if (fault && !this.faulted) {
      this.faulted = true;
      this.faultStartMs = (this.n * 1000) / this.samplingFrequencyHz;
    } else if (!fault && this.faulted) {
      // Fault over: intervals spanning it are meaningless and the detector's levels are polluted.
      this.faulted = false;
      this.detectorStart = this.n;
      this.detector = this.newDetector();
      this.startMs = (this.n * 1000) / this.samplingFrequencyHz;
      this.rhythm.reset(this.startMs + LEARNING_MS);
    }
    if (!this.faulted) this.detector.push(sample);
    this.n++;
  }

  status(): EcgStatus {
    const now = this.nowMs;
    const fault = this.quality.fault();
    if (fault !== undefined) return { kind: 'fault', fault, msSinceFault: now - this.faultStartMs };
    const r = this.rhythm.report(now);
    if (r.heartRateBpm !== undefined && r.heartRateBpm > IMPLAUSIBLE_BPM) {
      // Noticed when asked (the rate is only computed here), so timed from the first such answer.
      this.implausibleSinceMs ??= now;
      return { kind: 'fault', fault: 'noisy', msSinceFault: now - this.implausibleSinceMs };
    }
    this.implausibleSinceMs = undefined;
    if (r.msSinceLastBeat > ASYSTOLE_MS) return { kind: 'asystole', msSinceLastBeat: r.msSinceLastBeat, flags: r.flags };
    if (r.heartRateBpm === undefined || r.medianRrMs === undefined || r.lastRrMs === undefined) return { kind: 'acquiring', msSinceStart: now - this.startMs };
    return { kind: 'ok', heartRateBpm: r.heartRateBpm, rrMs: r.lastRrMs, medianRrMs: r.medianRrMs, flags: r.flags, irregularity: r.irregularity };
  }
}
