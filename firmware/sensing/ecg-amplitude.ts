// A QRS-amplitude guard beside the detector. The detector is scale-free: after a restart (power-up,
// electrodes back on) it learns its levels from whatever the signal holds, and on the bare noise
// and mains hum of an asystolic patient it then counts noise peaks as beats (a simulated asystole
// reconnected gave "176-200/min"). The device knows its analog chain, so it can say what a QRS
// must at least look like: monitors do not count deflections of 0.15 mV or less. If, with the
// electrodes on, no one-second block of the last `blocks` reaches that peak to peak, there has been
// no QRS - the heart is not beating - whatever the detector thinks.
// Allocation-free: a block min/max and a count of consecutive quiet blocks.

export interface AmplitudeGuardOptions {
  sampleRateHz: number;
  /** ADC counts per millivolt at the electrodes (AD8232 gain 1100, 10-bit at 5 V: 225). */
  countsPerMv: number;
  /** Smallest QRS peak to peak, mV (default 0.15). */
  minQrsMv?: number;
  /** Quiet one-second blocks in a row that mean no QRS (default 4, as the asystole rule). */
  blocks?: number;
}

export class EcgAmplitudeGuard {
  private readonly blockLen: number;
  private readonly minCounts: number;
  private readonly needed: number;
  private n = 0;
  private hi = -Infinity;
  private lo = Infinity;
  private leadOff = false;
  private quietBlocks = 0;

  constructor(opts: AmplitudeGuardOptions) {
    this.blockLen = Math.max(1, Math.round(opts.sampleRateHz));
    this.minCounts = (opts.minQrsMv ?? 0.15) * opts.countsPerMv;
    this.needed = opts.blocks ?? 4;
  }

  push(counts: number, leadOff: boolean): void {
    if (counts > this.hi) this.hi = counts;
    if (counts < this.lo) this.lo = counts;
    if (leadOff) this.leadOff = true;
    if (++this.n < this.blockLen) return;
    // A block with the leads off proves nothing either way: start counting again.
    this.quietBlocks = !this.leadOff && this.hi - this.lo < this.minCounts ? this.quietBlocks + 1 : 0;
    this.n = 0;
    this.hi = -Infinity;
    this.lo = Infinity;
    this.leadOff = false;
  }

  /** No QRS-sized deflection in the last `blocks` seconds with the electrodes on. */
  get noQrs(): boolean {
    return this.quietBlocks >= this.needed;
  }

  /** Seconds of quiet signal so far (for the asystole report). */
  get quietMs(): number {
    return this.quietBlocks * 1000;
  }
}
