// The brachial artery under the cuff as a volume that depends on transmural pressure
// (arterial minus cuff pressure). Its compliance is largest near zero transmural pressure, where
// the wall is unloaded and starts to buckle, and falls off exponentially on both sides: slowly
// into the stiffening positive range, faster into collapse (the shape of Drzewiecki et al.'s
// and Ursino & Cristalli's curves). The oscillometric maximum, and the systolic and diastolic
// characteristic ratios, follow from this curve; its widths vary between subjects.
import type { Rng } from '../rng.ts';

export interface ArteryParams {
  /** Compliance at its peak, mL/mmHg (artery segment under an adult cuff). */
  peakComplianceMlPerMmHg: number;
  /** e-folding width of compliance into collapse (negative transmural pressure), mmHg. */
  collapseWidthMmHg: number;
  /** e-folding width of compliance into distension (positive transmural pressure), mmHg. */
  distensionWidthMmHg: number;
  /** Transmural pressure of peak compliance, mmHg (slightly negative: buckling). */
  peakAtMmHg: number;
}

/** A typical adult brachial artery. */
export const TYPICAL_ARTERY: ArteryParams = {
  peakComplianceMlPerMmHg: 0.08,
  collapseWidthMmHg: 14,
  distensionWidthMmHg: 22,
  peakAtMmHg: -1,
};

/**
 * A subject's artery, drawn around the typical one. Stiffer arteries (wider pulse pressure) have
 * a broader compliance curve; the spread beyond that trend is what makes fixed characteristic
 * ratios err from subject to subject, as they do in clinical validations.
 */
export function randomArtery(rng: Rng, pulsePressureMmHg = 40): ArteryParams {
  const collapse = (8 + 0.15 * pulsePressureMmHg) * rng.uniform(0.8, 1.2);
  return {
    peakComplianceMlPerMmHg: 0.08 * Math.exp(rng.normal(0, 0.35)),
    collapseWidthMmHg: collapse,
    distensionWidthMmHg: collapse * Math.min(2.0, Math.max(1.3, rng.normal(1.6, 0.15))),
    peakAtMmHg: rng.normal(-1, 1.5),
  };
}

export class BrachialArtery {
  constructor(readonly p: ArteryParams) {}

  /** Lumen volume (mL, relative to full collapse) at a transmural pressure. */
  volumeMl(transmuralMmHg: number): number {
    const { peakComplianceMlPerMmHg: c0, collapseWidthMmHg: wn, distensionWidthMmHg: wp, peakAtMmHg: x0 } = this.p;
    const x = transmuralMmHg - x0;
    if (x < 0) return c0 * wn * Math.exp(x / wn);
    return c0 * wn + c0 * wp * (1 - Math.exp(-x / wp));
  }

  /** volumeMl and complianceMlPerMmHg together, sharing their exponential (same expressions). */
  volumeAndCompliance(transmuralMmHg: number, out: { volumeMl: number; complianceMlPerMmHg: number }): void {
    const { peakComplianceMlPerMmHg: c0, collapseWidthMmHg: wn, distensionWidthMmHg: wp, peakAtMmHg: x0 } = this.p;
    const x = transmuralMmHg - x0;
    if (x < 0) {
      const e = Math.exp(x / wn);
      out.volumeMl = c0 * wn * e;
      out.complianceMlPerMmHg = c0 * e;
    } else {
      const e = Math.exp(-x / wp);
      out.volumeMl = c0 * wn + c0 * wp * (1 - e);
      out.complianceMlPerMmHg = c0 * e;
    }
  }

  /** dV/dPtm, mL/mmHg. */
  complianceMlPerMmHg(transmuralMmHg: number): number {
    const { peakComplianceMlPerMmHg: c0, collapseWidthMmHg: wn, distensionWidthMmHg: wp, peakAtMmHg: x0 } = this.p;
    const x = transmuralMmHg - x0;
    return x < 0 ? c0 * Math.exp(x / wn) : c0 * Math.exp(-x / wp);
  }
}
