// ECG from the ECGSYN dynamical model (McSharry, Clifford, Tarassenko, Smith, IEEE TBME 50(3),
// 2003). The model moves a point (x, y, z): (x, y) on the unit limit cycle at angular velocity
// ω = 2π/RR, z pushed by five Gaussian events (P, Q, R, S, T) at angles θi and pulled back to a
// baseline z0 = A sin(2π f_resp t):
//     dz/dt = -Σ ai Δθi exp(-Δθi² / (2 bi²)) - (z - z0)
// Starting on the unit circle the radial term α = 1 - r is zero, so (x, y) stays on it and its
// angle is exactly θ(t) = ∫ω dt; the beat train supplies that angle (0 at each R peak, ω set per
// beat by the RR process). z is integrated with fixed-step RK4 at an internal rate and linearly
// interpolated to whatever times the sensor asks for. Heart-rate dependence follows the paper:
// widths bi scale by sqrt(h/60), the Q and S angles by sqrt(h/60) and P and T by its square root.
import { WARMUP_MS, type BeatCursor, type BeatTrain } from './rr-process.ts';
import { Phasor } from '../phasor.ts';

const TWO_PI = 2 * Math.PI;

/** P, Q, R, S, T: angle (rad), amplitude, width (rad), from the paper's Table 1. */
const WAVES = {
  theta: [-Math.PI / 3, -Math.PI / 12, 0, Math.PI / 12, Math.PI / 2],
  a: [1.2, -5.0, 30.0, -7.5, 0.75],
  b: [0.25, 0.1, 0.1, 0.1, 0.4],
};
/** Which power of sqrt(h/60) scales each angle (P and T: 1/2, Q and S: 1, R: none). */
const THETA_POWER = [0.5, 1, 0, 1, 0.5];
/** Points of the drive table over one cycle (linear interpolation between them). */
const TABLE_N = 4096;
const TABLE_SCALE = TABLE_N / TWO_PI;
/** Events further than this many widths away contribute < 1e-5 of their peak; skip them. */
const CUTOFF_WIDTHS = 5;
/** Baseline wander amplitude, mV (the paper's A = 0.15 mV). */
const WANDER_MV = 0.15;
/**
 * Height of the R peak at 60/min in the model's own z (whose mean over a beat is 0), mV. The PR
 * segment sits about 0.1 mV below 0, so R stands about 1.3 mV above it.
 */
export const R_AMPLITUDE_MV = 1.2;

export interface EcgsynOptions {
  /** Internal integration rate, Hz. */
  fsHz?: number;
  respiratoryHz: number;
  meanHeartRateBpm: (tMs: number) => number;
  /** True while the atria fibrillate: no P wave, fibrillatory f-waves instead. */
  atrialFibrillation: (tMs: number) => boolean;
  /** Phases of the f-waves and wander, radians (from the run's Rng). */
  phases: readonly [number, number, number];
}

/** Event parameters for a heart rate; the drive is tabulated over θ for speed. */
class EventTable {
  readonly theta = new Float64Array(5);
  readonly a = new Float64Array(5);
  readonly b = new Float64Array(5);
  readonly inv2b2 = new Float64Array(5);
  readonly reach = new Float64Array(5);
  /** -Σ ai Δθi exp(-Δθi²/(2bi²)) over θ in [0, 2π], without and with the P wave. */
  private readonly noP = new Float64Array(TABLE_N + 1);
  private readonly withP = new Float64Array(TABLE_N + 1);
  /** The table in use and its amplitude factor (read by Ecgsyn's drive, which inlines force). */
  current: Float64Array = this.withP;
  scale = 1;
  private tabulatedHr = Number.NaN;

  /**
   * Sets the rate the event angles and widths are scaled for (the table is rebuilt only when it
   * moved by more than 0.25/min), whether there is a P wave, and an amplitude factor.
   */
  set(heartRateBpm: number, withP: boolean, amplitudeScale = 1): void {
    if (!(Math.abs(heartRateBpm - this.tabulatedHr) <= 0.25)) this.tabulate(heartRateBpm);
    this.current = withP ? this.withP : this.noP;
    this.scale = amplitudeScale;
  }

  private tabulate(heartRateBpm: number): void {
    this.tabulatedHr = heartRateBpm;
    const f = Math.sqrt(heartRateBpm / 60);
    for (let i = 0; i < 5; i++) {
      this.theta[i] = WAVES.theta[i]! * f ** THETA_POWER[i]!;
      this.a[i] = WAVES.a[i]!;
      const b = WAVES.b[i]! * f;
      this.b[i] = b;
      this.inv2b2[i] = 1 / (2 * b * b);
      this.reach[i] = CUTOFF_WIDTHS * b;
    }
    for (let j = 0; j <= TABLE_N; j++) {
      const theta = (TWO_PI * j) / TABLE_N;
      const p = this.event(0, theta);
      let qrst = 0;
      for (let i = 1; i < 5; i++) qrst += this.event(i, theta);
      this.noP[j] = qrst;
      this.withP[j] = qrst + p;
    }
  }

  /** -ai Δθi exp(-Δθi²/(2bi²)), Δθ wrapped into (-π, π]. */
  private event(i: number, theta: number): number {
    let d = theta - this.theta[i]!;
    if (d > Math.PI) d -= TWO_PI;
    else if (d <= -Math.PI) d += TWO_PI;
    if (d > this.reach[i]! || d < -this.reach[i]!) return 0;
    return -this.a[i]! * d * Math.exp(-d * d * this.inv2b2[i]!);
  }

  /** The drive at angle theta in [0, 2π]. */
  force(theta: number): number {
    const x = theta * TABLE_SCALE;
    let j = x | 0;
    if (j >= TABLE_N) j = TABLE_N - 1;
    else if (j < 0) j = 0;
    const t = this.current;
    return this.scale * (t[j]! + (t[j + 1]! - t[j]!) * (x - j));
  }
}

/** Height of the R peak above baseline in model units at 60/min, for scaling z to millivolts. */
let cachedPeak = 0;
function modelPeakAt60(): number {
  if (cachedPeak > 0) return cachedPeak;
  const table = new EventTable();
  table.set(60, true);
  const h = 1 / 2000;
  let z = 0;
  let peak = 0;
  // Three beats at 1 Hz without wander; the last beat is free of the start transient.
  for (let n = 0; n < 6000; n++) {
    const t = n * h;
    const g = (tt: number) => table.force((TWO_PI * tt) % TWO_PI);
    const k1 = g(t) - z;
    const k2 = g(t + h / 2) - (z + (h / 2) * k1);
    const k3 = g(t + h / 2) - (z + (h / 2) * k2);
    const k4 = g(t + h) - (z + h * k3);
    z += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    if (n > 4000) peak = Math.max(peak, z);
  }
  cachedPeak = peak;
  return peak;
}

/** Slots of Ecgsyn's state array (DRIVE and OUT: drive()'s and sample()'s results, see drive). */
const Z_NOW = 0, Z_PREV = 1, G_NEXT = 2, W_NOW = 3, W_PREV = 4, DRIVE = 5, OUT = 6;

export class Ecgsyn {
  private readonly hMs: number;
  private readonly hS: number;
  private readonly gain: number;
  private readonly table = new EventTable();
  private readonly cursor: BeatCursor = { k: 0 };
  private tableBeat = -1;
  private af = false;
  private readonly wanderW: number;
  private tMs: number;
  /**
   * The integration state written every step - z, z one step back, the drive at the next grid
   * point, the wander now and one step back - in a Float64Array, stored unboxed (see phasor.ts).
   */
  private readonly st = new Float64Array(7);
  /** The current ordinary beat interval, for the fast phase path. */
  private segT0 = Number.NaN;
  private segT1 = Number.NaN;
  private segRate = 0;
  /** Steady response of dz/dt = -(z - A sin(wt + φ)): amplitude and phase lag. */
  private readonly wanderAmpMv: number;
  /** The wander's steady response on the integration grid, and its last two values. */
  private readonly wander: Phasor;

  constructor(private readonly beats: BeatTrain, private readonly opts: EcgsynOptions) {
    const fs = opts.fsHz ?? 500;
    this.hMs = 1000 / fs;
    this.hS = 1 / fs;
    this.gain = R_AMPLITUDE_MV / modelPeakAt60();
    this.wanderW = TWO_PI * opts.respiratoryHz;
    this.wanderAmpMv = WANDER_MV / Math.sqrt(1 + this.wanderW * this.wanderW);
    // Start with the beat train's warm-up beats, so the output at t = 0 is past the start-up
    // transient (the relaxation term's 1 s time constant).
    this.tMs = -WARMUP_MS;
    this.wander = new Phasor(this.wanderW * this.hS, this.wanderW * this.tMs * 0.001 + opts.phases[0] - Math.atan(this.wanderW));
    this.st[Z_NOW] = this.st[Z_PREV] = 0;
    this.st[W_NOW] = this.st[W_PREV] = this.wanderAmpMv * this.wander.sin;
    this.drive(this.tMs);
    this.st[G_NEXT] = this.st[DRIVE]!;
  }

  /**
   * Event drive F(θ(t)) of dz/dt = F - (z - z0). The wander z0 is handled separately: the equation
   * is linear, so z is the sum of the event response (integrated here) and the exact steady
   * response to the sinusoidal z0 (added in ecgMv). The result goes to st[DRIVE]: a double
   * returned from a call V8 does not inline is boxed, one allocation per call at 500 calls/s.
   */
  private drive(tMs: number): void {
    if (tMs >= this.segT0 && tMs < this.segT1) {
      // The fast path keeps theta to itself: merged with the slow path's (a call's boxed result)
      // it would be boxed too, one allocation per call.
      const theta = (tMs - this.segT0) * this.segRate;
      // EventTable.force, inlined (same expression, same value).
      const tb = this.table;
      const x = theta * TABLE_SCALE;
      let j = x | 0;
      if (j >= TABLE_N) j = TABLE_N - 1;
      else if (j < 0) j = 0;
      const c = tb.current;
      this.st[DRIVE] = tb.scale * (c[j]! + (c[j + 1]! - c[j]!) * (x - j));
      return;
    }
    this.driveSlow(tMs);
  }

  /** drive() at a beat boundary or in a pause: locates the beat, sets up the fast path. */
  private driveSlow(tMs: number): void {
    const theta = this.beats.phaseAt(tMs, this.cursor);
    const i = this.beats.locate(tMs, this.cursor);
    const t0 = this.beats.beatAt(i);
    const t1 = this.beats.beatAt(i + 1);
    const rr = this.beats.nominalAt(i);
    // Fast path only inside an ordinary beat (a pause has a piecewise phase).
    if (tMs >= t0 && t1 - t0 <= rr * 1.0001) {
      this.segT0 = t0;
      this.segT1 = t1;
      this.segRate = TWO_PI / (t1 - t0);
    } else {
      this.segT0 = this.segT1 = Number.NaN;
    }
    if (this.cursor.k !== this.tableBeat) {
      this.tableBeat = this.cursor.k;
      const tBeat = Math.max(0, tMs);
      this.af = this.opts.atrialFibrillation(tBeat);
      const hr = this.opts.meanHeartRateBpm(tBeat);
      // Event amplitudes scale with this beat's ω against the mean ω, so a long or short RR
      // (atrial fibrillation) keeps the QRS height; the paper's model would make it ∝ RR.
      const rrRatio = Number.isFinite(t1 - t0) && t1 - t0 <= rr * 1.0001 ? 60_000 / hr / (t1 - t0) : 1;
      this.table.set(hr, !this.af, rrRatio);
    }
    this.st[DRIVE] = this.table.force(theta);
  }

  private step(): void {
    const t = this.tMs;
    const h = this.hS;
    const st = this.st;
    const z = st[Z_NOW]!;
    const g0 = st[G_NEXT]!;
    this.drive(t + this.hMs / 2);
    const gm = st[DRIVE]!;
    this.drive(t + this.hMs);
    const g1 = st[DRIVE]!;
    const k1 = g0 - z;
    const k2 = gm - (z + (h / 2) * k1);
    const k3 = gm - (z + (h / 2) * k2);
    const k4 = g1 - (z + h * k3);
    st[Z_PREV] = z;
    st[Z_NOW] = z + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
    this.tMs = t + this.hMs;
    st[G_NEXT] = g1;
    this.wander.advance();
    st[W_PREV] = st[W_NOW]!;
    st[W_NOW] = this.wanderAmpMv * this.wander.sin;
  }

  /** ecgMv at times[k] into out[k] for k < n (non-decreasing times): no boxed result per sample. */
  fill(times: Float64Array, out: Float64Array, n: number): void {
    const st = this.st;
    for (let k = 0; k < n; k++) {
      this.sample(times[k]!);
      out[k] = st[OUT]!;
    }
  }

  /** ECG at tMs, mV (non-decreasing times; an earlier time gets the latest interval). */
  ecgMv(tMs: number): number {
    this.sample(tMs);
    return this.st[OUT]!;
  }

  /** The ECG at tMs into st[OUT] (not returned: see drive). */
  private sample(tMs: number): void {
    while (this.tMs < tMs) this.step();
    const frac = 1 - (this.tMs - tMs) / this.hMs;
    const st = this.st;
    const zPrev = st[Z_PREV]!, wPrev = st[W_PREV]!;
    let mv: number;
    if (frac <= 0) mv = this.gain * zPrev + wPrev;
    else mv = this.gain * (zPrev + (st[Z_NOW]! - zPrev) * frac) + wPrev + (st[W_NOW]! - wPrev) * frac;
    if (this.af) {
      // Fibrillatory waves, ~0.05 mV at 5-7 Hz, replace the P wave.
      const s = tMs * 0.001 * TWO_PI;
      mv += 0.035 * Math.sin(5.8 * s + this.opts.phases[1]) + 0.02 * Math.sin(7.1 * s + this.opts.phases[2]);
    }
    st[OUT] = mv;
  }
}
