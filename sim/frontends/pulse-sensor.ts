// An analog optical pulse sensor of the PulseSensor.com kind: a green LED and a light sensor on the
// fingertip, an AC-coupling high-pass and an op-amp gain stage biased at Vcc/2. The output rests at
// Vcc/2 (2.5 V from the Uno's 5 V, ~512 counts) and swings with the pulsatile part of the blood
// volume; a light low-pass smooths it. Off the finger there is no pulse: the output sits at Vcc/2
// with noise. Too much gain (or a squeezed finger) drives it into the rails.
import type { Rng } from '../rng.ts';
import { GaussianNoise } from '../noise.ts';

export interface PulseSensorOptions {
  rng: Rng;
  supplyV?: number;
  /** Volts of output per unit of PPG (the patient's PPG pulse is ~0.4 units). */
  gainVPerUnit?: number;
  /** Output noise, mV rms. */
  noiseMv?: number;
  /** Sensor off the finger in these intervals [fromMs, toMs). */
  offFinger?: ReadonlyArray<readonly [number, number]>;
}

/** High-pass (AC coupling) and low-pass time constants, ms. */
const HP_TAU_MS = 1000 / (2 * Math.PI * 0.4);
const LP_TAU_MS = 1000 / (2 * Math.PI * 8);

export class PulseSensor {
  readonly supplyV: number;
  private readonly gain: number;
  private readonly noiseV: number;
  private readonly noise: GaussianNoise;
  private lastDt = Number.NaN;
  private aHp = 0;
  private aLp = 0;
  private readonly offFinger: ReadonlyArray<readonly [number, number]>;
  private lastMs = Number.NaN;
  /** Baseline [0] and smoothed signal [1]: written every sample, stored unboxed in a Float64Array. */
  private readonly st = new Float64Array(2);

  constructor(private readonly ppg: (tMs: number) => number, opts: PulseSensorOptions) {
    this.noise = new GaussianNoise(opts.rng);
    this.supplyV = opts.supplyV ?? 5;
    this.gain = opts.gainVPerUnit ?? 3;
    this.noiseV = (opts.noiseMv ?? 4) / 1000;
    this.offFinger = opts.offFinger ?? [];
  }

  onFinger(tMs: number): boolean {
    const iv = this.offFinger;
    for (let i = 0; i < iv.length; i++) if (tMs >= iv[i]![0] && tMs < iv[i]![1]) return false;
    return true;
  }

  /** Output voltage at tMs (non-decreasing times; one-pole filters exact for any spacing). */
  outputV(tMs: number): number {
    const x = this.onFinger(tMs) ? this.ppg(tMs) : 0;
    const st = this.st;
    if (Number.isNaN(this.lastMs)) {
      st[0] = x;
      st[1] = 0;
    } else {
      const dt = Math.max(0, tMs - this.lastMs);
      if (dt !== this.lastDt) {
        // Sampled at a fixed rate the coefficients never change; compute them once.
        this.lastDt = dt;
        this.aHp = 1 - Math.exp(-dt / HP_TAU_MS);
        this.aLp = 1 - Math.exp(-dt / LP_TAU_MS);
      }
      const baseline = st[0]! + (x - st[0]!) * this.aHp;
      st[0] = baseline;
      st[1] = st[1]! + (x - baseline - st[1]!) * this.aLp;
    }
    this.lastMs = tMs;
    const v = this.supplyV / 2 + this.gain * st[1]! + this.noiseV * this.noise.next();
    return v < 0 ? 0 : v > this.supplyV ? this.supplyV : v;
  }

  /** outputV at times[k] into out[k] for k < n (non-decreasing times): the buffered ADC's path. */
  fillV(times: Float64Array, out: Float64Array, n: number): void {
    for (let k = 0; k < n; k++) out[k] = this.outputV(times[k]!);
  }
}
