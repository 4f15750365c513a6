// Grove GSR (v1.2 style) front end: finger electrodes, an op-amp bridge whose output is
// V = Vo (R - Rref) / (R + Rref), Rref = 20 kΩ, Vo = the open-circuit level the trimmer is set to
// (Vcc / 2 at 5 V; per unit, a trimming error), consistent with Seeed's published resistance
// formula. The output stage smooths at ~5 Hz and cannot leave the rails. Faults: electrodes off
// (R infinite, the output sits at Vo) and shorted electrodes (0 V).
import type { Rng } from '../rng.ts';

export type GroveGsrFault = 'none' | 'electrodes-off' | 'shorted';

export interface GroveGsrOptions {
  rng: Rng;
  supplyV?: number;
  refOhms?: number;
  /** Trimming error of the open-circuit level, V (0 = perfectly trimmed to Vcc / 2). */
  trimErrorV?: number;
  noiseMv?: number;
}

export class GroveGsr {
  private readonly rng: Rng;
  readonly supplyV: number;
  readonly refOhms: number;
  readonly openCircuitV: number;
  private readonly noiseV: number;
  private out = Number.NaN;
  private lastT = Number.NaN;
  fault: GroveGsrFault = 'none';

  constructor(private readonly conductanceUs: (tMs: number) => number, opts: GroveGsrOptions) {
    this.rng = opts.rng;
    this.supplyV = opts.supplyV ?? 5;
    this.refOhms = opts.refOhms ?? 20_000;
    this.openCircuitV = this.supplyV / 2 + (opts.trimErrorV ?? 0);
    this.noiseV = (opts.noiseMv ?? 1) / 1000;
  }

  /** The bridge's ideal output for a conductance, V. */
  bridgeV(conductanceUs: number): number {
    if (this.fault === 'electrodes-off' || conductanceUs <= 0) return this.openCircuitV;
    if (this.fault === 'shorted') return 0;
    const r = 1e6 / conductanceUs;
    return (this.openCircuitV * (r - this.refOhms)) / (r + this.refOhms);
  }

  outputV(tMs: number): number {
    const target = this.bridgeV(this.conductanceUs(tMs));
    if (Number.isNaN(this.out) || !(tMs > this.lastT)) this.out = Number.isNaN(this.out) ? target : this.out;
    else this.out += (target - this.out) * (1 - Math.exp((-(tMs - this.lastT) * 2 * Math.PI * 5) / 1000));
    this.lastT = Number.isNaN(this.lastT) ? tMs : Math.max(this.lastT, tMs);
    const v = this.out + this.noiseV * this.rng.normal();
    return v < 0 ? 0 : v > this.supplyV ? this.supplyV : v;
  }
}
