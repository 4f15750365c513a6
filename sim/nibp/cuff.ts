// Pneumatics of an adult arm cuff with its pump and valve, integrated in small time steps.
//
// Air content N (mL at atmospheric pressure) is the state. The cuff pressure P solves
//   n(P) = N + V_artery(P_arterial - P)
// where n(P) = a(1 - e^(-P/b)) + cP is the air the wrapped bladder holds at gauge pressure P (a
// slack bladder fills cheaply, then arm tissue and cloth make it near-linear: ~300 mL at
// 200 mmHg), and the artery's pulsating volume squeezes the bladder: this is how the pulse shows
// as oscillations of cuff pressure.
//
// Flows, mL/s at atmospheric pressure:
//  - pump (digital output): Q0 (1 - P/Pstall), a small diaphragm pump's falling flow curve;
//  - valve (PWM output, normally open): a proportional solenoid valve. Unpowered it is wide open
//    (fail-safe dump); the coil force closes the orifice as duty rises; fully closed above the
//    closing duty. Open fraction f = (1 - duty/closingDuty)^2, orifice flow K f P/sqrt(P+2)
//    (turbulent orifice, laminar near zero). The same valve gives the controlled 2-4 mmHg/s
//    bleed (f of a few percent) and the fast dump (f = 1);
//  - leak: an orifice sized so that it alone drops the pressure by `leakMmHgPerSAt100` at 100 mmHg.

export interface CuffParams {
  /** Air taken by the slack bladder before it bears load, mL. */
  slackMl: number;
  /** Pressure scale over which the slack fills, mmHg. */
  slackKneeMmHg: number;
  /** Compliance of the loaded cuff on the arm, mL/mmHg. */
  loadedComplianceMlPerMmHg: number;
}

export interface PumpParams {
  freeFlowMlPerS: number;
  stallMmHg: number;
}

export interface ValveParams {
  /** Orifice coefficient when wide open, mL/s per sqrt(mmHg). */
  orificeMlPerSPerSqrtMmHg: number;
  /** Duty at and above which the valve seats. */
  closingDuty: number;
}

export const ADULT_CUFF: CuffParams = { slackMl: 120, slackKneeMmHg: 15, loadedComplianceMlPerMmHg: 1.0 };
/** ~2.5 L/min free flow. */
export const CUFF_PUMP: PumpParams = { freeFlowMlPerS: 42, stallMmHg: 500 };
export const CUFF_VALVE: ValveParams = { orificeMlPerSPerSqrtMmHg: 10, closingDuty: 0.85 };

export type PumpFault = 'none' | 'stuck-on' | 'dead';
export type ValveFault = 'none' | 'clogged' | 'stuck-closed';

export interface ArterySegment {
  volumeMl(transmuralMmHg: number): number;
  complianceMlPerMmHg(transmuralMmHg: number): number;
  /**
   * Both at once into `out` (one exp instead of two in the cuff's Newton solve); must give exactly
   * what the two methods give.
   */
  volumeAndCompliance?(transmuralMmHg: number, out: { volumeMl: number; complianceMlPerMmHg: number }): void;
}

export class CuffPneumatics {
  /** Air content, mL at atmospheric pressure, beyond what the slack cuff holds at 0 mmHg. */
  airMl: number;
  pressureMmHg = 0;
  pumpOn = false;
  /** Valve drive duty, 0..1 (8-bit quantised by the PWM output). */
  valveDuty = 0;
  pumpFault: PumpFault = 'none';
  valveFault: ValveFault = 'none';
  /** Extra leak, mL/s per (P/sqrt(P+2)). */
  private leakCoeff = 0;
  private squeezeMl = 0;

  constructor(
    readonly cuff: CuffParams,
    readonly pump: PumpParams,
    readonly valve: ValveParams,
    readonly artery: ArterySegment,
    arterialMmHg: number,
  ) {
    this.airMl = -artery.volumeMl(arterialMmHg);
  }

  /** Air the wrapped cuff holds at gauge pressure P, mL. */
  heldMl(p: number): number {
    const c = this.cuff;
    return c.slackMl * (1 - Math.exp(-p / c.slackKneeMmHg)) + c.loadedComplianceMlPerMmHg * p;
  }

  complianceMlPerMmHg(p: number): number {
    const c = this.cuff;
    return (c.slackMl / c.slackKneeMmHg) * Math.exp(-p / c.slackKneeMmHg) + c.loadedComplianceMlPerMmHg;
  }

  /** Sets the leak from the scenario's figure: mmHg/s it alone causes at 100 mmHg. */
  setLeak(mmHgPerSAt100: number): void {
    this.leakCoeff = (Math.max(0, mmHgPerSAt100) * this.complianceMlPerMmHg(100)) / (100 / Math.sqrt(102));
  }

  valveOpenFraction(): number {
    if (this.valveFault === 'stuck-closed') return 0;
    const d = Math.min(1, Math.max(0, this.valveDuty));
    const x = Math.max(0, 1 - d / this.valve.closingDuty);
    // A clogged valve passes 0.5 % of its flow: well under 1 mmHg/s even wide open.
    return (this.valveFault === 'clogged' ? 0.005 : 1) * x * x;
  }

  pumpRunning(): boolean {
    return this.pumpFault === 'stuck-on' || (this.pumpOn && this.pumpFault !== 'dead');
  }

  /**
   * Advances dt seconds with the arterial pressure `arterialMmHg` under the cuff and, optionally,
   * arm tissue displacing `squeezeMl` of the bladder's room (muscle tension, movement).
   */
  step(dtS: number, arterialMmHg: number, squeezeMl = 0): void {
    this.squeezeMl = squeezeMl;
    const p = this.pressureMmHg;
    const orifice = p / Math.sqrt(p + 2);
    let q = -(this.valve.orificeMlPerSPerSqrtMmHg * this.valveOpenFraction() + this.leakCoeff) * orifice;
    if (this.pumpRunning()) q += this.pump.freeFlowMlPerS * Math.max(0, 1 - p / this.pump.stallMmHg);
    this.airMl += q * dtS;
    this.pressureMmHg = this.solvePressure(arterialMmHg);
  }

  private readonly arteryNow = { volumeMl: 0, complianceMlPerMmHg: 0 };

  /** Newton on n(P) - V_artery(Pa - P) - N = 0 from the last pressure; P >= 0. */
  private solvePressure(pa: number): number {
    let p = this.pressureMmHg;
    const c = this.cuff;
    const artery = this.artery;
    const a = this.arteryNow;
    for (let i = 0; i < 6; i++) {
      // heldMl and complianceMlPerMmHg (and the artery's pair) share their exponential: computed
      // once, with the very same expressions, so the result is bit for bit what the methods give.
      const e = Math.exp(-p / c.slackKneeMmHg);
      const held = c.slackMl * (1 - e) + c.loadedComplianceMlPerMmHg * p;
      const compliance = (c.slackMl / c.slackKneeMmHg) * e + c.loadedComplianceMlPerMmHg;
      if (artery.volumeAndCompliance) artery.volumeAndCompliance(pa - p, a);
      else {
        a.volumeMl = artery.volumeMl(pa - p);
        a.complianceMlPerMmHg = artery.complianceMlPerMmHg(pa - p);
      }
      const f = held - a.volumeMl - this.squeezeMl - this.airMl;
      const df = compliance + a.complianceMlPerMmHg;
      const next = Math.max(0, p - f / df);
      if (Math.abs(next - p) < 1e-7) return next;
      p = next;
    }
    return p;
  }
}
