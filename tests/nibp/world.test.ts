// The NIBP hardware model and firmware wired into the sim's World: the patient model's arterial
// pressure, the virtual Uno's pins and ADC (with its input noise), the scenario's cuff leak.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { World } from '../../sim/world.ts';
import { CuffRig, NIBP_PINS } from '../../sim/nibp/cuff-rig.ts';
import { NibpController, type NibpResult } from '../../firmware/nibp/controller.ts';

async function measure(scenario: ConstructorParameters<typeof World>[0]['scenario'], seed: number) {
  const world = new World({ scenario, seed });
  const rig = CuffRig.onUno(world.uno, { patient: world.patient, rng: world.rng.fork('cuff'), cuffLeakMmHgPerS: world.patient.device.cuffLeakMmHgPerS });
  const b = world.uno;
  const ctl = new NibpController(
    { pressure: b.analogIn(NIBP_PINS.pressure), oscillation: b.analogIn(NIBP_PINS.oscillation), pump: b.digitalOut(NIBP_PINS.pump), valve: b.pwmOut(NIBP_PINS.valve) },
    b.scheduler,
  );
  const results: NibpResult[] = [];
  ctl.onComplete((r) => results.push(r));
  world.clock.after(1500, () => void ctl.start());
  while (results.length === 0 && world.clock.now() < 150_000) await world.clock.runFor(1000);
  return { world, rig, result: results[0], conversions: b.conversions('A3') };
}

test('normal scenario: a reading close to the patient model truth, through the Uno ADC', async () => {
  const { world, result, conversions, rig } = await measure('normal', 3);
  assert.ok(result?.kind === 'reading', JSON.stringify(result));
  if (result?.kind !== 'reading') return;
  const t = world.truth();
  assert.ok(Math.abs(result.systolicMmHg - t.systolicMmHg) <= 6, `SBP ${result.systolicMmHg} vs ${t.systolicMmHg}`);
  assert.ok(Math.abs(result.diastolicMmHg - t.diastolicMmHg) <= 6, `DBP ${result.diastolicMmHg} vs ${t.diastolicMmHg}`);
  assert.ok(result.pulseRateBpm !== undefined && Math.abs(result.pulseRateBpm - t.heartRateBpm) <= 5);
  // 50 Hz sampling of A3 for the ~50 s cycle.
  assert.ok(conversions > 2000 && conversions < 4000, `${conversions} conversions`);
  assert.ok(rig.maxPressureMmHg < 186);
});

test('fixed hypertensive subject from the patient model', async () => {
  const { result } = await measure({ heartRateBpm: 95, systolicMmHg: 170, diastolicMmHg: 105 }, 4);
  assert.ok(result?.kind === 'reading', JSON.stringify(result));
  if (result?.kind === 'reading') {
    assert.ok(Math.abs(result.systolicMmHg - 170) <= 8, `SBP ${result.systolicMmHg}`);
    assert.ok(Math.abs(result.diastolicMmHg - 105) <= 8, `DBP ${result.diastolicMmHg}`);
  }
});

test("the 'cuff-leak' scenario gives a cuff-leak fault, never a reading", async () => {
  const { result } = await measure('cuff-leak', 5);
  assert.ok(result?.kind === 'fault' && result.fault === 'cuff-leak', JSON.stringify(result));
});

test("asystole: no pulse under the cuff, no reading", async () => {
  const { result } = await measure('asystole', 6);
  assert.ok(result?.kind === 'fault' && result.fault === 'no-oscillations', JSON.stringify(result));
});

test.run();
