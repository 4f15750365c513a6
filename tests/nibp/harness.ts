// Shared set-up for the NIBP tests: one subject, the simulated cuff hardware and the firmware
// controller on one virtual clock.
import { VirtualClock } from '../../sim/clock.ts';
import { Rng } from '../../sim/rng.ts';
import { ArterialSource, type ArterialSubject } from '../../sim/nibp/arterial-source.ts';
import { CuffRig, type CuffRigOptions } from '../../sim/nibp/cuff-rig.ts';
import { NibpController, type NibpOptions, type NibpResult, type NibpState } from '../../firmware/nibp/controller.ts';

export const NORMAL: ArterialSubject = { systolicMmHg: 120, diastolicMmHg: 80, heartRateBpm: 72 };

export interface Trace {
  tMs: number;
  pressureMmHg: number;
  state: NibpState;
  pumpOn: boolean;
  valveDuty: number;
}

export interface Bench {
  clock: VirtualClock;
  patient: ArterialSource;
  rig: CuffRig;
  ctl: NibpController;
  results: NibpResult[];
  trace: Trace[];
  /** Starts a cycle and runs until it completes (or `limitMs` of virtual time passes). */
  cycle(limitMs?: number): Promise<NibpResult | undefined>;
}

export function makeBench(
  subject: ArterialSubject = NORMAL,
  seed = 7,
  rigOptions: Partial<CuffRigOptions> = {},
  ctlOptions: NibpOptions = {},
  traceEveryMs = 20,
): Bench {
  const clock = new VirtualClock();
  const rng = new Rng(seed);
  const patient = new ArterialSource(subject, rng.fork('arterial'));
  const rig = new CuffRig({ clock, patient, rng: rng.fork('rig'), ...rigOptions });
  const ctl = new NibpController({ pressure: rig.pressureIn, oscillation: rig.oscillationIn, pump: rig.pump, valve: rig.valve }, clock, ctlOptions);
  const results: NibpResult[] = [];
  const trace: Trace[] = [];
  ctl.onComplete((r) => results.push(r));
  clock.every(traceEveryMs, () =>
    trace.push({ tMs: clock.now(), pressureMmHg: rig.pressureMmHg(), state: ctl.state, pumpOn: rig.cuff.pumpRunning(), valveDuty: rig.valve.duty }),
  );
  return {
    clock,
    patient,
    rig,
    ctl,
    results,
    trace,
    async cycle(limitMs = 200_000) {
      const before = results.length;
      if (!ctl.start()) throw new Error('controller busy');
      const end = clock.now() + limitMs;
      while (results.length === before && clock.now() < end) await clock.runFor(1000);
      return results[before];
    },
  };
}

/** Least-squares slope of pressure against time over trace points, mmHg/s. */
export function slopeMmHgPerS(points: readonly Trace[]): number {
  const n = points.length;
  const mt = points.reduce((a, p) => a + p.tMs, 0) / n;
  const mp = points.reduce((a, p) => a + p.pressureMmHg, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.tMs - mt) * (p.pressureMmHg - mp);
    den += (p.tMs - mt) ** 2;
  }
  return (num / den) * 1000;
}
