// Firmata analog inputs have no value until the board's first report arrives: the board target
// says so (AnalogIn.hasSample) instead of handing out a placeholder 0, and the firmware waits for
// the first real sample. Before this, a late first report showed as `temperature probe-open` (an
// LM35 at 0 V) for the first seconds. Here the real StandardFirmata 2.4 on the emulated Uno, with
// the patient's sensors on A0-A2, has its link to the host stalled for the first 3 s after the
// device starts (as a loaded host or a buffering USB bridge can): no fault and no value then, the
// temperature once samples have come in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmulatedUno } from '../../sim/avr/harness.ts';
import { JohnnyFiveBoard } from '../../hal/targets/johnny-five-board.ts';
import { World, PIN_MAP } from '../../sim/world.ts';
import { SensingDevice } from '../../firmware/sensing/device.ts';
import { TemperatureEstimator } from '../../firmware/temperature.ts';
import { firmataHexOrSkip } from './firmata-fixture.ts';

const hex = await firmataHexOrSkip('first analog sample on the emulated Uno');

if (hex) {
  test('before the first Firmata report: no sample (not 0 V), no fault, no value; then the temperature', async () => {
    const rig = startEmulatedUno(hex);
    const world = new World({ scenario: 'normal', seed: 3 });
    rig.uno.attachAnalog('A0', (t) => world.ecgFrontEnd.outputV(t));
    rig.uno.attachAnalog('A1', (t) => world.pulseSensor.outputV(t));
    rig.uno.attachAnalog('A2', (t) => world.lm35.outputV(t));
    const board = await JohnnyFiveBoard.connect({ transport: rig.stream, scheduler: rig.clock, readyTimeoutMs: 5000, versionQueryAfterMs: 60_000 });
    try {
      // The board's reports are held on the link from here: the device's inputs get no sample.
      rig.stream.pause();
      const device = new SensingDevice(board, {});
      const temp = board.analogIn(PIN_MAP.temperature);
      assert.is(temp.hasSample?.(), false, 'no report yet: the input says so');
      // What the firmware used to take: the placeholder reads as an open LM35 input.
      const naive = new TemperatureEstimator({ sampleRateHz: 1 });
      naive.push(temp.read());
      assert.equal(naive.reading(), { kind: 'fault', fault: 'open-input' }, 'the placeholder 0 alone would be a probe-open fault');

      const faults: string[] = [];
      device.onEvent((e) => {
        if (e.kind === 'fault') faults.push(`${(e.atMs / 1000).toFixed(1)} s ${e.channel} ${e.fault}`);
      });
      const t0 = rig.clock.now();
      device.start();
      await rig.clock.sleep(3000);
      const stalled = device.snapshot();
      assert.is(temp.hasSample?.(), false);
      assert.equal(faults, [], 'no fault while no sample has come');
      assert.is(stalled.temperature.kind, 'acquiring');
      assert.is(stalled.ecg.kind, 'acquiring');
      assert.is(stalled.pulse.kind, 'acquiring');

      rig.stream.resume();
      let snap = device.snapshot();
      while (snap.temperature.kind !== 'value' && rig.clock.now() - t0 < 40_000) {
        await rig.clock.sleep(500);
        snap = device.snapshot();
      }
      device.stop();
      assert.is(temp.hasSample?.(), true);
      assert.equal(faults, [], 'no fault at any time');
      assert.is(snap.temperature.kind, 'value', JSON.stringify(snap.temperature));
      const tempC = snap.temperature.kind === 'value' ? snap.temperature.tempC : NaN;
      const trueC = world.patient.coreTempC(rig.clock.now());
      assert.ok(Math.abs(tempC - trueC) < 0.5, `${tempC} °C shown, patient at ${trueC.toFixed(2)} °C`);
      console.log(`  first sample: link held 3 s after start, no fault; ${tempC.toFixed(1)} °C at ${((rig.clock.now() - t0) / 1000).toFixed(1)} s (patient ${trueC.toFixed(1)} °C)`);
    } finally {
      board.close();
      rig.stop();
    }
  });
}

test.run();
