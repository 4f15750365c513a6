// The oscillometric measurement cycle as a non-blocking state machine run by a fixed-rate sample
// task (50 Hz): zero the sensor with the cuff vented, inflate to the target, hold briefly while the
// AC channel settles, deflate linearly at 3 mmHg/s under closed-loop valve control while
// detecting each beat's oscillation, then dump the cuff and report a reading or a fault.
//
// Safety (IEC 80601-2-30, adult) is checked on every sample before anything else: pressure above
// 300 mmHg, a cycle longer than 120 s, a sensor reading no working MPX5050 can give, a cuff that
// will not hold or reach pressure. Each stops the pump, opens the valve and ends in a fault, never
// in a reading. The per-sample path allocates nothing: beats go into preallocated typed arrays.
import type { AnalogIn } from '../../hal/analog.ts';
import type { DigitalOut } from '../../hal/digital.ts';
import type { PwmOut } from '../../hal/pwm.ts';
import type { Scheduler, TimerHandle } from '../../hal/clock.ts';
import { AC_MID_COUNTS, AC_MMHG_PER_COUNT, DC_MMHG_PER_COUNT, DC_VALID_MAX_COUNTS, DC_VALID_MIN_COUNTS, ZERO_MAX_COUNTS, ZERO_MIN_COUNTS } from './channels.ts';
import { BeatDetector, type BeatSink } from './beat-detector.ts';
import { DeflationRamp, DEFAULT_RAMP, type DeflationRampOptions } from './deflation-ramp.ts';
import { analyseEnvelope, DIASTOLIC_RATIO, SYSTOLIC_RATIO } from './envelope.ts';
import { SAFETY, type NibpFault } from './safety.ts';

export type { NibpFault } from './safety.ts';

export interface NibpHardware {
  /** MPX5050 output, DC (A3). */
  pressure: AnalogIn;
  /**
   * AC-coupled, amplified oscillation channel (x20, 0.3-10 Hz). Optional: without it the
   * oscillations are taken from the DC channel by a digital high-pass, at 0.41 mmHg per count.
   */
  oscillation?: AnalogIn;
  /** Pump motor driver (D5). */
  pump: DigitalOut;
  /** Normally-open proportional valve driver (D6, PWM): 0 = wide open (dump), >= ~0.85 shut. */
  valve: PwmOut;
}

export type NibpResult =
  | { kind: 'reading'; systolicMmHg: number; diastolicMmHg: number; meanArterialMmHg: number; pulseRateBpm?: number; at: number }
  | { kind: 'fault'; fault: NibpFault; at: number };

/** Public state; 'zeroing' is the short vented auto-zero before inflation. */
export type NibpState = 'idle' | 'zeroing' | 'inflating' | 'deflating' | 'dumping';

export interface NibpOptions {
  sampleIntervalMs?: number;
  /** Inflation target of the first cycle, mmHg. */
  firstTargetMmHg?: number;
  /** Later cycles inflate to the last systolic plus this, mmHg. */
  marginAboveSystolicMmHg?: number;
  /**
   * Highest inflation target the controller will choose, mmHg. Kept below the 300 mmHg safety
   * limit; tests raise it to drive the controller into the limit and check the cut-off fires.
   */
  maxTargetMmHg?: number;
  ramp?: DeflationRampOptions;
  /**
   * Research mode: deflate to the floor pressure instead of stopping once the envelope has
   * passed diastolic, so the whole envelope is recorded (used to check the characteristic ratios).
   */
  fullEnvelope?: boolean;
}

const SAMPLE_MS = 20;
const VENT_WAIT_MS = 300;
const MAX_VENT_MS = 10_000;
const ZERO_SAMPLES = 25;
const HOLD_MS = 2_000;
const MA_LEN = 50; // 1 s at 50 Hz
const MAX_BEATS = 256;
const PENDING = 8;
/** Lowest pressure the deflation continues to, mmHg. */
const FLOOR_MMHG = 25;
const REINFLATE_STEP_MMHG = 50;
/** No re-inflation once this much of the 120 s budget is spent. */
const REINFLATE_LATEST_MS = 55_000;
const MIN_TARGET_MMHG = 100;
const MIN_MAX_AMPLITUDE_MMHG = 0.3;
/** Smallest oscillation taken for a beat on the DC channel (1.5 counts: its noise and steps). */
const DC_MIN_RISE_MMHG = 0.6;
/** Beats below the maximum before the envelope counts as past it. */
const BEATS_PAST_MAX = 4;
/** Beats at >= 60 % of the maximum that a pulse envelope has at the least. */
const MIN_BEATS_NEAR_MAX = 5;
const MIN_PULSE_PRESSURE_MMHG = 15;

type Phase = 'idle' | 'venting' | 'inflating' | 'holding' | 'deflating' | 'dumping';

export class NibpController implements BeatSink {
  private phase: Phase = 'idle';
  private task: TimerHandle | null = null;
  private readonly listeners: Array<(r: NibpResult) => void> = [];
  private readonly tick = (): void => this.sample();
  private readonly sampleMs: number;
  private readonly firstTarget: number;
  private readonly margin: number;
  private readonly maxTarget: number;
  private readonly fullEnvelope: boolean;
  private readonly ramp: DeflationRamp;
  private readonly detector: BeatDetector;
  private readonly hpK: number;
  private hpX = 0;
  private hpY = 0;

  private lastSystolic = Number.NaN;
  private cycleStartMs = 0;
  private phaseStartMs = 0;
  private zeroSum = 0;
  private zeroN = 0;
  private zeroCounts = 0;
  private zeroPrevBlock = Number.NaN;
  private targetMmHg = 0;
  private reinflations = 0;
  private holdRefMmHg: number | null = null;
  private deflateStartMmHg = 0;
  private lagMs = 0;
  private clippedSamples = 0;
  private deflateSamples = 0;
  private result: NibpResult | null = null;
  private sensorTrusted = true;

  // 1 s moving average of cuff pressure.
  private readonly ma = new Float64Array(MA_LEN);
  private maSum = 0;
  private maIdx = 0;
  private maN = 0;

  // Beats waiting for the moving average to centre on them.
  private readonly pendAmp = new Float64Array(PENDING);
  private readonly pendMid = new Float64Array(PENDING);
  private readonly pendPeak = new Float64Array(PENDING);
  private pendHead = 0;
  private pendCount = 0;

  // The envelope.
  private readonly beatP = new Float64Array(MAX_BEATS);
  private readonly beatA = new Float64Array(MAX_BEATS);
  private readonly beatT = new Float64Array(MAX_BEATS);
  private readonly work = new Float64Array(3 * MAX_BEATS);
  private nBeats = 0;
  private maxMed = 0;
  private maxMedP = 0;
  private maxMedIdx = 0;
  private headChecked = false;
  private beatsBelow = 0;

  /** Last pressure the controller computed, mmHg (for displays). */
  pressureMmHg = 0;

  constructor(private readonly hw: NibpHardware, private readonly scheduler: Scheduler, opts: NibpOptions = {}) {
    this.sampleMs = opts.sampleIntervalMs ?? SAMPLE_MS;
    this.firstTarget = opts.firstTargetMmHg ?? 180;
    this.margin = opts.marginAboveSystolicMmHg ?? 30;
    this.maxTarget = opts.maxTargetMmHg ?? 280;
    this.fullEnvelope = opts.fullEnvelope ?? false;
    this.ramp = new DeflationRamp(opts.ramp ?? DEFAULT_RAMP);
    this.hpK = Math.exp((-2 * Math.PI * 0.3 * this.sampleMs) / 1000);
    // On the DC channel one count is 0.41 mmHg: the smallest credible rise is a few counts.
    this.detector = new BeatDetector(this, hw.oscillation ? 0.12 : DC_MIN_RISE_MMHG);
    // Safe resting outputs: pump off, valve unpowered (open).
    hw.pump.write(false);
    hw.valve.setDuty(0);
  }

  get state(): NibpState {
    switch (this.phase) {
      case 'idle': return 'idle';
      case 'venting': return 'zeroing';
      case 'inflating': return 'inflating';
      case 'holding':
      case 'deflating': return 'deflating';
      case 'dumping': return 'dumping';
    }
  }

  /** The inflation target of the current (or next) cycle, mmHg. */
  get inflationTargetMmHg(): number {
    return this.phase === 'idle' ? this.nextTarget() : this.targetMmHg;
  }

  /** Subscribes to cycle results; returns an unsubscribe function. */
  onComplete(listener: (r: NibpResult) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Starts a cycle; false if one is already running. */
  start(): boolean {
    if (this.phase !== 'idle') return false;
    const now = this.scheduler.now();
    this.cycleStartMs = now;
    this.result = null;
    this.sensorTrusted = true;
    this.reinflations = 0;
    this.targetMmHg = this.nextTarget();
    this.maSum = 0;
    this.maIdx = 0;
    this.maN = 0;
    this.zeroSum = 0;
    this.zeroN = 0;
    this.zeroPrevBlock = Number.NaN;
    this.enter('venting', now);
    this.hw.pump.write(false);
    this.hw.valve.setDuty(0);
    this.task = this.scheduler.every(this.sampleMs, this.tick);
    return true;
  }

  /** Stops a running cycle (user cancel): the cuff dumps, no result is reported. */
  abort(): void {
    this.hw.pump.write(false);
    this.hw.valve.setDuty(0);
    this.task?.cancel();
    this.task = null;
    this.phase = 'idle';
  }

  private nextTarget(): number {
    const t = Number.isNaN(this.lastSystolic) ? this.firstTarget : this.lastSystolic + this.margin;
    return Math.min(this.maxTarget, Math.max(MIN_TARGET_MMHG, t));
  }

  private enter(phase: Phase, now: number): void {
    this.phase = phase;
    this.phaseStartMs = now;
  }

  /** The sample task: one ADC conversion per channel, safety, then the state's work. */
  sample(): void {
    const now = this.scheduler.now();
    const raw = this.hw.pressure.read();
    const rawAc = this.hw.oscillation ? this.hw.oscillation.read() : AC_MID_COUNTS;
    const sensorOk = raw >= DC_VALID_MIN_COUNTS && raw <= DC_VALID_MAX_COUNTS;
    const p = (raw - this.zeroCounts) * DC_MMHG_PER_COUNT;
    this.pressureMmHg = p;

    if (this.phase === 'dumping') return this.dumpSample(now, p, sensorOk);
    if (this.phase === 'idle') return;
    if (!sensorOk) return this.fail('sensor-fault', now, false);
    if (this.phase === 'venting') {
      // Auto-zero on a vented cuff: after a dump the last few mmHg leave slowly, so wait until two
      // consecutive 0.5 s means agree within half a count (at most 10 s).
      this.zeroSum += raw;
      if (++this.zeroN < ZERO_SAMPLES) return;
      const block = this.zeroSum / this.zeroN;
      // Rising with the pump off and the valve open: the pump runs on.
      if (block > this.zeroPrevBlock + 2) return this.fail('pump-fault', now, true);
      const settled = Math.abs(block - this.zeroPrevBlock) < 0.5 && now - this.phaseStartMs >= VENT_WAIT_MS;
      const waited = now - this.phaseStartMs >= MAX_VENT_MS;
      this.zeroPrevBlock = block;
      this.zeroSum = 0;
      this.zeroN = 0;
      if (!settled && !waited) return;
      this.zeroCounts = block;
      if (block < ZERO_MIN_COUNTS || block > ZERO_MAX_COUNTS) return this.fail('sensor-fault', now, false);
      this.startInflation(now);
      return;
    }
    if (p > SAFETY.maxCuffMmHg) return this.fail('overpressure', now, true);
    if (now - this.cycleStartMs > SAFETY.maxCycleMs) return this.fail('timeout', now, true);
    this.pushAverage(p);

    switch (this.phase) {
      case 'inflating': {
        const pumping = now - this.phaseStartMs;
        if (p >= this.targetMmHg) {
          this.hw.pump.write(false);
          this.holdRefMmHg = null;
          this.enter('holding', now);
        } else if ((pumping > SAFETY.leakCheckAfterMs && p < SAFETY.leakMinMmHg) || pumping > SAFETY.maxInflationMs) {
          this.fail('cuff-leak', now, true);
        }
        return;
      }
      case 'holding': {
        // Well above the target with the pump off: it runs on.
        if (p > this.targetMmHg + SAFETY.maxHoldOvershootMmHg) return this.fail('pump-fault', now, true);
        // The 1 s average settles a second after the pump stops; compare it over the next second.
        const held = now - this.phaseStartMs;
        if (held < HOLD_MS / 2) return;
        if (this.holdRefMmHg === null) {
          this.holdRefMmHg = this.average();
          return;
        }
        const change = this.average() - this.holdRefMmHg;
        if (change > SAFETY.maxHoldRiseMmHg) return this.fail('pump-fault', now, true);
        if (held < HOLD_MS) return;
        if ((-change * 1000) / (HOLD_MS / 2) > SAFETY.maxHoldDropMmHgPerS) return this.fail('cuff-leak', now, true);
        this.startDeflation(now);
        return;
      }
      case 'deflating':
        this.deflateSample(now, p, rawAc);
        return;
    }
  }

  private startInflation(now: number): void {
    this.hw.valve.setDuty(1);
    this.hw.pump.write(true);
    this.enter('inflating', now);
  }

  private startDeflation(now: number): void {
    this.nBeats = 0;
    this.maxMed = 0;
    this.maxMedP = 0;
    this.maxMedIdx = 0;
    this.headChecked = false;
    this.beatsBelow = 0;
    this.pendCount = 0;
    this.lagMs = 0;
    this.clippedSamples = 0;
    this.deflateSamples = 0;
    this.detector.reset();
    this.deflateStartMmHg = this.average();
    this.hpX = this.pressureMmHg;
    this.hpY = 0;
    this.ramp.begin(this.deflateStartMmHg, now);
    this.enter('deflating', now);
  }

  private deflateSample(now: number, p: number, rawAc: number): void {
    const avg = this.average();
    this.hw.valve.setDuty(this.ramp.update(avg, now));
    // Falling well behind the ramp although the controller closes the valve: air escapes elsewhere.
    if (this.ramp.lastErrorMmHg < -SAFETY.leakRampLagMmHg) {
      this.lagMs += this.sampleMs;
      if (this.lagMs >= SAFETY.leakRampLagMs) return this.fail('cuff-leak', now, true);
    } else this.lagMs = 0;

    this.deflateSamples++;
    let x: number;
    if (this.hw.oscillation) {
      if (rawAc <= 1 || rawAc >= 1022) this.clippedSamples++;
      x = (rawAc - AC_MID_COUNTS) * AC_MMHG_PER_COUNT;
    } else {
      // First-order digital high-pass at 0.3 Hz, the same corner as the analog AC coupling.
      this.hpY = this.hpK * (this.hpY + p - this.hpX);
      this.hpX = p;
      x = this.hpY;
    }
    this.detector.sample(x, now);
    // Commit beats once the 1 s average is centred on them (it lags by half its length).
    while (this.pendCount > 0 && now >= this.pendMid[this.pendHead]! + (MA_LEN * this.sampleMs) / 2) {
      const i = this.pendHead;
      this.pendHead = (this.pendHead + 1) % PENDING;
      this.pendCount--;
      if (this.commitBeat(this.pendAmp[i]!, avg, this.pendPeak[i]!, now)) return;
    }
    if (this.phase !== 'deflating') return;
    if (p < FLOOR_MMHG) this.finish(now);
  }

  /** BeatSink: the detector found a beat. */
  beat(amplitudeMmHg: number, troughMs: number, peakMs: number): void {
    if (this.pendCount === PENDING) return;
    const i = (this.pendHead + this.pendCount) % PENDING;
    this.pendAmp[i] = amplitudeMmHg;
    this.pendMid[i] = (troughMs + peakMs) / 2;
    this.pendPeak[i] = peakMs;
    this.pendCount++;
  }

  /** Adds a beat to the envelope; true if the cycle moved on (finished or re-inflating). */
  private commitBeat(amp: number, pressureMmHg: number, peakMs: number, now: number): boolean {
    if (this.nBeats === MAX_BEATS) return false;
    const n = this.nBeats++;
    this.beatP[n] = pressureMmHg;
    this.beatA[n] = amp;
    this.beatT[n] = peakMs;
    if (n < 2) return false;
    const a = this.beatA;
    const med = Math.max(Math.min(a[n]!, a[n - 1]!), Math.min(Math.max(a[n]!, a[n - 1]!), a[n - 2]!));
    if (med > this.maxMed) {
      this.maxMed = med;
      this.maxMedP = this.beatP[n - 1]!;
      this.maxMedIdx = n - 1;
    }
    const pastMax = this.maxMed >= MIN_MAX_AMPLITUDE_MMHG && n - this.maxMedIdx >= BEATS_PAST_MAX && med < 0.8 * this.maxMed && pressureMmHg < this.maxMedP - 8;
    if (pastMax && !this.headChecked) {
      this.headChecked = true;
      // Were the first beats of the deflation already big? Then systolic lies above where we
      // started: inflate higher and deflate again.
      const head = Math.max(Math.min(a[0]!, a[1]!), Math.min(Math.max(a[0]!, a[1]!), a[2]!));
      if (head >= 0.9 * SYSTOLIC_RATIO * this.maxMed && this.reinflations < 1 && now - this.cycleStartMs < REINFLATE_LATEST_MS) {
        const target = Math.min(this.maxTarget, this.deflateStartMmHg + REINFLATE_STEP_MMHG);
        if (target > this.deflateStartMmHg + 5) {
          this.reinflations++;
          this.targetMmHg = target;
          this.startInflation(now);
          return true;
        }
      }
    }
    // Stop once the envelope has clearly risen from its start and stayed down, past diastolic,
    // for three beats; a small bump above systolic does not qualify.
    const head = Math.max(Math.min(a[0]!, a[1]!), Math.min(Math.max(a[0]!, a[1]!), a[2]!));
    if (pastMax && this.maxMed >= 4 * head && med < (DIASTOLIC_RATIO - 0.15) * this.maxMed && pressureMmHg < this.maxMedP - 5 && this.broadPeak()) {
      if (++this.beatsBelow >= 3 && !this.fullEnvelope) {
        this.finish(now);
        return true;
      }
    } else this.beatsBelow = 0;
    return false;
  }

  /**
   * A pulse envelope's top spans several beats; a burst of arm movement makes a narrow bump of a
   * few. Looks for a run of beats whose median-of-3 amplitude reaches 60 % of the maximum.
   */
  private broadPeak(): boolean {
    const a = this.beatA;
    let best = 0;
    let run = 0;
    for (let i = 1; i < this.nBeats - 1; i++) {
      const med = Math.max(Math.min(a[i - 1]!, a[i]!), Math.min(Math.max(a[i - 1]!, a[i]!), a[i + 1]!));
      run = med >= 0.6 * this.maxMed ? run + 1 : 0;
      if (run > best) best = run;
    }
    return best >= MIN_BEATS_NEAR_MAX;
  }

  private finish(now: number): void {
    const n = this.nBeats;
    const clipped = this.deflateSamples > 0 && this.clippedSamples > 0.1 * this.deflateSamples;
    const est = analyseEnvelope(this.beatP, this.beatA, n, this.work, { minAmplitudeMmHg: MIN_MAX_AMPLITUDE_MMHG });
    if (!est.ok || clipped) {
      const fault: NibpFault = clipped || (!est.ok && est.reason === 'motion') ? 'motion' : 'no-oscillations';
      return this.fail(fault, now, true);
    }
    // Plausibility: a pulse pressure under 15 mmHg, or a beat rhythm no heart makes in the
    // envelope's body, is what arm movement makes of an envelope.
    if (est.systolicMmHg - est.diastolicMmHg < MIN_PULSE_PRESSURE_MMHG || this.rhythmImplausible(est.systolicMmHg, est.diastolicMmHg)) {
      return this.fail('motion', now, true);
    }
    const r: NibpResult = {
      kind: 'reading',
      systolicMmHg: Math.round(est.systolicMmHg),
      diastolicMmHg: Math.round(est.diastolicMmHg),
      meanArterialMmHg: Math.round(est.meanArterialMmHg),
      at: now,
    };
    const pr = this.pulseRate(est.maxAmplitudeMmHg);
    if (pr !== undefined) r.pulseRateBpm = Math.round(pr);
    this.lastSystolic = r.systolicMmHg;
    this.result = r;
    this.dump(now);
  }

  /**
   * Whether the beats between systolic and diastolic look like a heart's: more than a quarter of
   * the intervals shorter than 0.7 of their median (beats the heart did not make), or two gaps
   * longer than 2.2 medians (beats masked by something bigger) mean movement. Atrial
   * fibrillation's irregular intervals stay within these bounds.
   */
  private rhythmImplausible(sbp: number, dbp: number): boolean {
    const iv = this.work;
    let k = 0;
    for (let i = 1; i < this.nBeats; i++) {
      if (this.beatP[i - 1]! > sbp || this.beatP[i]! < dbp) continue;
      iv[k++] = this.beatT[i]! - this.beatT[i - 1]!;
    }
    if (k < 4) return false;
    const s = iv.subarray(0, k).sort();
    const med = s[k >> 1]!;
    let short = 0;
    let long = 0;
    for (let i = 0; i < k; i++) {
      if (s[i]! < 0.7 * med) short++;
      if (s[i]! > 2.2 * med) long++;
    }
    return short > 0.25 * k || long >= 2;
  }

  /** Median beat interval among the clearly detected beats, as a rate. */
  private pulseRate(maxAmp: number): number | undefined {
    const iv = this.work;
    let k = 0;
    for (let i = 1; i < this.nBeats; i++) {
      if (this.beatA[i]! < 0.4 * maxAmp || this.beatA[i - 1]! < 0.4 * maxAmp) continue;
      iv[k++] = this.beatT[i]! - this.beatT[i - 1]!;
    }
    if (k < 3) return undefined;
    const s = iv.subarray(0, k).sort();
    const med = k % 2 ? s[(k - 1) / 2]! : (s[k / 2 - 1]! + s[k / 2]!) / 2;
    const bpm = 60_000 / med;
    return bpm >= 25 && bpm <= 250 ? bpm : undefined;
  }

  private fail(fault: NibpFault, now: number, sensorTrusted: boolean): void {
    this.result = { kind: 'fault', fault, at: now };
    this.sensorTrusted = sensorTrusted;
    this.dump(now);
  }

  private dump(now: number): void {
    this.hw.pump.write(false);
    this.hw.valve.setDuty(0);
    this.enter('dumping', now);
  }

  private dumpSample(now: number, p: number, sensorOk: boolean): void {
    this.hw.pump.write(false);
    this.hw.valve.setDuty(0);
    const elapsed = now - this.phaseStartMs;
    const vented = this.sensorTrusted && sensorOk && p < SAFETY.ventedMmHg && elapsed >= 200;
    if (!vented && elapsed < SAFETY.maxDumpMs) return;
    this.task?.cancel();
    this.task = null;
    this.phase = 'idle';
    const r = this.result;
    this.result = null;
    if (r) for (const l of this.listeners) l(r);
  }

  private pushAverage(p: number): void {
    if (this.maN === MA_LEN) this.maSum -= this.ma[this.maIdx]!;
    else this.maN++;
    this.ma[this.maIdx] = p;
    this.maSum += p;
    this.maIdx = (this.maIdx + 1) % MA_LEN;
  }

  private average(): number {
    return this.maN > 0 ? this.maSum / this.maN : 0;
  }
}
