// AD8232 single-lead heart-rate monitor front end, as in the datasheet's cardiac-monitor
// configuration: instrumentation amplifier (gain 100) followed by the op-amp gain stage for a total
// of about 1100 V/V, a two-pole 0.5 Hz high-pass and a two-pole 40 Hz low-pass, output centred at
// REFOUT = Vs/2 and clamped to the rails. Supply: 3.3 V (the part's range is 2.0-3.5 V, so it runs
// from the Uno's 3.3 V pin); the output therefore spans 0-3.3 V of the Uno's 5 V ADC and rests
// at 1.65 V (about 338 counts). LO+ and LO- are the DC lead-off comparators: with the electrodes
// off they go high (3.3 V, read as high by the Uno) and the amplifier saturates to the positive
// rail; on reconnection the fast-restore switch discharges the high-pass so the output recovers
// within a few hundred ms instead of seconds. Added at the electrodes: mains hum, motion-artefact
// bursts and a little input noise.
import type { Rng } from '../rng.ts';
import { Biquad } from './biquad.ts';
import { GaussianNoise } from '../noise.ts';
import { Phasor } from '../phasor.ts';

export interface Ad8232Options {
  rng: Rng;
  supplyV?: number;
  gain?: number;
  /**
   * Internal simulation rate of the analog chain, Hz (default 250: after the 40 Hz low-pass
   * nothing above 125 Hz is left to alias; readings between grid points are interpolated).
   */
  fsHz?: number;
  mainsHz?: 50 | 60;
  /** Mains interference at the electrodes, mV peak. */
  mainsMv?: number;
  motionBurstsPerHour?: number;
  /** Electrodes detached in these intervals [fromMs, toMs). */
  leadOff?: ReadonlyArray<readonly [number, number]>;
  /** Input-referred noise, mV rms (electrode and amplifier). */
  noiseMv?: number;
  /**
   * The electrode ECG over many instants (out[k] = ecgMv(times[k]), non-decreasing times), for
   * the block path: one call per block instead of one boxed result per internal step.
   */
  ecgFill?: (times: Float64Array, out: Float64Array, n: number) => void;
  /** Told about each motion burst when the model reaches it (for the event log). */
  onMotionBurst?: (startMs: number, durationMs: number, amplitudeMv: number) => void;
}

export class Ad8232 {
  readonly supplyV: number;
  readonly refV: number;
  private readonly gain: number;
  private readonly hMs: number;
  private readonly hp: Biquad;
  private readonly lp: Biquad;
  private readonly rng: Rng;
  private readonly noise: GaussianNoise;
  private readonly mains: Phasor;
  private readonly mainsMv: number;
  private readonly noiseMv: number;
  private readonly burstMeanGapMs: number;
  private readonly leadOff: ReadonlyArray<readonly [number, number]>;
  private tMs = 0;
  /** Output now and one internal step back, V: written every step, stored unboxed (see phasor.ts). */
  private readonly outV = new Float64Array(2);
  private wasOff = false;
  // The next motion burst: start, end, amplitude (mV), two frequencies and phases.
  private burstStart: number;
  private burstEnd = 0;
  private burstMv = 0;
  private burstW1 = 0;
  private burstW2 = 0;
  private burstP = 0;
  private burstOrigin = 0;

  private readonly onMotionBurst: Ad8232Options['onMotionBurst'];
  private readonly ecgFill: Ad8232Options['ecgFill'];
  /** Block path scratch: the internal grid instants a block needs and the ECG at them. */
  private grid = new Float64Array(0);
  private gridEcg = new Float64Array(0);

  constructor(private readonly ecgMv: (tMs: number) => number, opts: Ad8232Options) {
    this.onMotionBurst = opts.onMotionBurst;
    this.ecgFill = opts.ecgFill;
    this.supplyV = opts.supplyV ?? 3.3;
    this.refV = this.supplyV / 2;
    this.gain = opts.gain ?? 1100;
    const fs = opts.fsHz ?? 250;
    this.hMs = 1000 / fs;
    this.hp = Biquad.highPass(0.5, fs);
    this.lp = Biquad.lowPass(40, fs);
    this.rng = opts.rng;
    this.noise = new GaussianNoise(opts.rng.fork('noise'));
    // Mains on the internal grid: the k-th step is at t = k * h.
    this.mains = new Phasor((2 * Math.PI * (opts.mainsHz ?? 50) * this.hMs) / 1000, 0);
    this.mainsMv = opts.mainsMv ?? 0.02;
    this.noiseMv = opts.noiseMv ?? 0.01;
    const rate = opts.motionBurstsPerHour ?? 0;
    this.burstMeanGapMs = rate > 0 ? 3_600_000 / rate : Number.POSITIVE_INFINITY;
    this.burstStart = rate > 0 ? this.rng.exponential(this.burstMeanGapMs) : Number.POSITIVE_INFINITY;
    this.leadOff = opts.leadOff ?? [];
    this.outV[0] = this.outV[1] = this.refV;
    // Settle the high-pass on the electrode signal at t = 0 (the device was on before the run).
    const x0 = this.ecgMv(0);
    this.hp.reset(x0, 0);
  }

  /** True while the electrodes are detached. */
  leadsOff(tMs: number): boolean {
    // Indexed loop: this runs per internal sample and must not allocate an iterator.
    const iv = this.leadOff;
    for (let i = 0; i < iv.length; i++) if (tMs >= iv[i]![0] && tMs < iv[i]![1]) return true;
    return false;
  }

  /** leadsOff over many instants: sets `bit` in out[k] where the electrodes are off at times[k]. */
  leadsOffFill(times: Float64Array, out: Uint8Array, n: number, bit: number): void {
    const iv = this.leadOff;
    if (iv.length === 0) return;
    for (let k = 0; k < n; k++) if (this.leadsOff(times[k]!)) out[k]! |= bit;
  }

  /** LO+ comparator output (high = +IN electrode off). */
  loPlus(tMs: number): boolean {
    return this.leadsOff(tMs);
  }

  /** LO- comparator output (high = -IN electrode off). */
  loMinus(tMs: number): boolean {
    return this.leadsOff(tMs);
  }

  private motionMv(t: number): number {
    if (t < this.burstStart && t >= this.burstEnd) return 0;
    if (t >= this.burstEnd) {
      if (t < this.burstStart) return 0;
      // A burst begins: 1-3 s of 1-4 Hz movement, 0.5-2 mV, then wait for the next one.
      const dur = this.rng.uniform(1000, 3000);
      this.burstEnd = this.burstStart + dur;
      this.burstMv = this.rng.uniform(0.5, 2);
      this.burstW1 = (2 * Math.PI * this.rng.uniform(1, 4)) / 1000;
      this.burstW2 = (2 * Math.PI * this.rng.uniform(1, 4)) / 1000;
      this.burstP = this.rng.uniform(0, 2 * Math.PI);
      const start = this.burstStart;
      this.burstStart = this.burstEnd + this.rng.exponential(this.burstMeanGapMs);
      this.burstOrigin = start;
      this.onMotionBurst?.(start, dur, this.burstMv);
      if (t >= this.burstEnd) return 0;
    }
    const u = (t - this.burstOrigin) / (this.burstEnd - this.burstOrigin);
    const env = Math.sin(Math.PI * u) ** 2;
    return this.burstMv * env * 0.5 * (Math.sin(this.burstW1 * t + this.burstP) + Math.sin(this.burstW2 * t));
  }


  /**
   * One internal step; the electrode ECG at the new instant is ecg[j] when given (the block path,
   * where it was computed for exactly this instant), else asked of the source.
   */
  private step(ecg: Float64Array | null = null, j = 0): void {
    const t = this.tMs + this.hMs;
    this.tMs = t;
    const o = this.outV;
    o[1] = o[0]!;
    if (this.leadsOff(t)) {
      this.mains.advance();
      this.wasOff = true;
      o[0] = this.supplyV;
      return;
    }
    this.mains.advance();
    const x = (ecg ? ecg[j]! : this.ecgMv(t)) + this.mainsMv * this.mains.sin + this.motionMv(t) + this.noiseMv * this.noise.next();
    if (this.wasOff) {
      // Fast restore: the high-pass restarts from the present input.
      this.wasOff = false;
      this.hp.reset(x, 0);
      this.lp.reset(0, 0);
    }
    const y = this.lp.step(this.hp.step(x));
    const v = this.refV + (this.gain * y) / 1000;
    o[0] = v < 0 ? 0 : v > this.supplyV ? this.supplyV : v;
  }

  /** Output voltage at tMs (non-decreasing times), linearly interpolated from the internal rate. */
  outputV(tMs: number): number {
    while (this.tMs < tMs) this.step();
    const frac = 1 - (this.tMs - tMs) / this.hMs;
    const prev = this.outV[1]!;
    return frac <= 0 ? prev : prev + (this.outV[0]! - prev) * frac;
  }

  /** outputV at times[k] into out[k] for k < n (non-decreasing times): the buffered ADC's path. */
  fillV(times: Float64Array, out: Float64Array, n: number): void {
    if (n <= 0) return;
    const h = this.hMs, o = this.outV;
    let ecg: Float64Array | null = null;
    if (this.ecgFill) {
      // The internal instants this block steps through, accumulated exactly as step() does; the
      // electrode ECG at all of them in one call. (Instants with the leads off are computed too
      // and unused: the ECG model is a function of time, so this changes no value.)
      const last = times[n - 1]!;
      let m = 0;
      for (let g = this.tMs; g < last; g += h) m++;
      if (this.grid.length < m) {
        this.grid = new Float64Array(m);
        this.gridEcg = new Float64Array(m);
      }
      const grid = this.grid;
      let g = this.tMs;
      for (let i = 0; i < m; i++) grid[i] = g += h;
      this.ecgFill(grid, this.gridEcg, m);
      ecg = this.gridEcg;
    }
    let j = 0;
    for (let k = 0; k < n; k++) {
      const tMs = times[k]!;
      while (this.tMs < tMs) this.step(ecg, j++);
      const frac = 1 - (this.tMs - tMs) / h;
      const prev = o[1]!;
      out[k] = frac <= 0 ? prev : prev + (o[0]! - prev) * frac;
    }
  }
}
