// The blood-pressure cuff through Firmata on the emulated Uno: the firmware's NIBP controller,
// running on the host against the johnny-five board target, switches the pump (D5) and the
// normally-open valve (D6, PWM) of the real StandardFirmata; the simulator's cuff pneumatics and
// MPX5050 follow those emulated pins and feed A3, which comes back as Firmata analog reports.
// Checked: pump on and valve shut while inflating, pressure rising to the target over Firmata,
// and abort leaving the pump off and the valve wide open (the cuff deflates).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmulatedUno } from '../../sim/avr/harness.ts';
import { JohnnyFiveBoard } from '../../hal/targets/johnny-five-board.ts';
import { firmataHexOrSkip } from './firmata-fixture.ts';
import { CuffRig } from '../../sim/nibp/cuff-rig.ts';
import { ArterialSource } from '../../sim/nibp/arterial-source.ts';
import { SimDigitalOut } from '../../sim/pins.ts';
import { SimPwmOut } from '../../sim/pwm.ts';
import { Rng } from '../../sim/rng.ts';
import { NibpController } from '../../firmware/nibp/controller.ts';

const hex = await firmataHexOrSkip('cuff over Firmata');

if (hex) {
  test('NIBP controller over Firmata: pump and valve pins drive the cuff model, A3 pressure comes back', async () => {
    const rig = startEmulatedUno(hex);
    const pumpWire = new SimDigitalOut('D5');
    const valveWire = new SimPwmOut('D6');
    const rng = new Rng(11);
    const patient = new ArterialSource({ systolicMmHg: 120, diastolicMmHg: 80, heartRateBpm: 70 }, rng.fork('artery'));
    const cuff = new CuffRig({ clock: rig.clock, patient, rng, sensor: 'ideal', pumpWire, valveWire });
    rig.uno.attachAnalog('A3', () => cuff.pressureVolts());
    // The cuff follows the emulated pins, polled after every emulator slice (<= 1 ms).
    rig.clock.onSlice(() => {
      const on = rig.uno.outputLevel('D5') === true;
      if (on !== pumpWire.level) pumpWire.write(on);
      const duty = rig.uno.pwmDuty('D6');
      if (duty !== valveWire.duty) valveWire.setDuty(duty);
    });
    const board = await JohnnyFiveBoard.connect({ transport: rig.stream, scheduler: rig.clock, readyTimeoutMs: 5000, versionQueryAfterMs: 60_000 });
    try {
      const nibp = new NibpController({ pressure: board.analogIn('A3'), pump: board.digitalOut('D5'), valve: board.pwmOut('D6') }, board.scheduler, { firstTargetMmHg: 100 });
      const results: string[] = [];
      nibp.onComplete((r) => results.push(r.kind));
      await rig.clock.sleep(100);
      assert.ok(nibp.start());
      let sawInflating = false;
      let maxMmHg = 0;
      const t0 = rig.clock.now();
      while (rig.clock.now() - t0 < 30_000) {
        await rig.clock.sleep(100);
        if (nibp.state === 'inflating') {
          // The pin follows the command one Firmata message later (~1 ms); sampled 100 ms apart,
          // only the first sample of the phase may still see the old level.
          if (sawInflating) {
            assert.is(rig.uno.outputLevel('D5'), true, 'pump pin high while inflating');
            assert.ok(rig.uno.pwmDuty('D6') >= 0.85, `valve shut while inflating (duty ${rig.uno.pwmDuty('D6')})`);
          }
          sawInflating = true;
        }
        maxMmHg = Math.max(maxMmHg, cuff.cuff.pressureMmHg);
        if (nibp.state === 'deflating') break;
        // What the host reads on A3 over Firmata is the MPX5050 output for the cuff's pressure:
        // Vout = 5 V * (0.018 * P[kPa] + 0.04), 10 bits, one 10 ms report old at most.
        const counts = board.analogIn('A3').read();
        const volts = (counts * 5) / 1024;
        const readMmHg = ((volts / 5 - 0.04) / 0.018) * 7.50062;
        assert.ok(Math.abs(readMmHg - cuff.cuff.pressureMmHg) < 4, `A3 ${counts} counts = ${readMmHg.toFixed(1)} mmHg, cuff ${cuff.cuff.pressureMmHg.toFixed(1)}`);
      }
      assert.ok(sawInflating, 'the controller inflated');
      assert.is(nibp.state, 'deflating', `state after inflation: ${nibp.state}, max ${maxMmHg.toFixed(0)} mmHg`);
      // Reached about the inflation target (100 mmHg, the lowest it takes: keeps the test quick).
      assert.ok(maxMmHg > 95 && maxMmHg < 140, `peak cuff pressure ${maxMmHg.toFixed(1)} mmHg`);
      nibp.abort();
      await rig.clock.sleep(200);
      assert.is(rig.uno.outputLevel('D5'), false, 'pump off after abort');
      assert.is(rig.uno.pwmDuty('D6'), 0, 'valve wide open after abort');
      await rig.clock.sleep(2500);
      assert.ok(cuff.cuff.pressureMmHg < 15, `cuff deflated to ${cuff.cuff.pressureMmHg.toFixed(1)} mmHg`);
      assert.equal(results, [], 'an aborted cycle reports nothing');
    } finally {
      rig.stop();
      board.close();
    }
  });
}

test.run();
