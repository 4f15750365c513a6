// The device adapts to its board: a Firmata 2.4 board samples at most every 10 ms, so an ECG asked
// for at 250 Hz runs at 100 Hz and the device says so; bad configurations are typed errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Board } from '../../hal/board.ts';
import { createDeviceWorld } from '../../sim/device-world.ts';
import { BLOCK_MS, chooseEcgRate, DeviceConfigError, SensingDevice, type DeviceEvent } from '../../firmware/sensing/device.ts';

/** The virtual Uno as a board that, like Firmata 2.4, cannot sample faster than every 10 ms. */
function firmataLike(board: Board): Board {
  return Object.create(board, { capabilities: { value: { ...board.capabilities, minSampleIntervalMs: 10 } } }) as Board;
}

test('a 10 ms board: ECG at 100 Hz instead of 250, said in notices and as an event; HR still right', async () => {
  const dw = createDeviceWorld({ scenario: 'tachycardia', seed: 2, lcd: 'none' });
  const device = new SensingDevice(firmataLike(dw.world.uno), { lcd: 'none' });
  const events: DeviceEvent[] = [];
  device.onEvent((e) => events.push(e));
  assert.is(device.ecgHz, 100);
  assert.match(device.notices.join('\n'), /ECG at 100 Hz: .* every 10 ms \(250 Hz asked\)/);
  device.start();
  await dw.world.runUntil(60_000);
  assert.ok(events.some((e) => e.kind === 'notice' && /ECG at 100 Hz/.test(e.text) && e.atMs === 0));
  // The ECG is sampled into the board's buffer every 10 ms and processed in 100 ms blocks.
  const ecg = device.taskStats().find((t) => t.name === 'ecg')!;
  assert.is(ecg.periodMs, BLOCK_MS);
  assert.ok(Math.abs(ecg.runs - 600) <= 1);
  assert.is(device.sampleOverruns, 0);
  const s = device.snapshot();
  assert.ok(s.ecg.kind === 'value' && Math.abs(s.ecg.heartRateBpm - 135) <= 13.5, JSON.stringify(s.ecg));
  // 60 s of ECG at 100 Hz: that many conversions on A0, not 250 Hz worth.
  assert.ok(Math.abs(dw.world.uno.conversions('A0') - 6000) <= 2);
});

test('rates: any of 100-500 Hz on a fast board; outside is a DeviceConfigError; a board slower than 100 Hz refused', () => {
  assert.equal(chooseEcgRate(300, 1), { hz: 300, adapted: false });
  assert.equal(chooseEcgRate(500, 2), { hz: 500, adapted: false });
  assert.equal(chooseEcgRate(500, 4), { hz: 250, adapted: true });
  assert.throws(() => chooseEcgRate(99, 1), (e: unknown) => e instanceof DeviceConfigError);
  assert.throws(() => chooseEcgRate(600, 1), (e: unknown) => e instanceof DeviceConfigError);
  assert.throws(() => chooseEcgRate(250, 20), (e: unknown) => e instanceof DeviceConfigError && /too slow/.test(e.message));
  const dw = createDeviceWorld({ scenario: 'normal', seed: 1, lcd: 'none' });
  assert.throws(() => new SensingDevice(dw.world.uno, { lcd: 'none', nibpIntervalMs: 10_000 }), (e: unknown) => e instanceof DeviceConfigError);
});

test('the sampling and block tasks keep their rate: no late runs, no lost samples over 10 simulated minutes with LCD and cuff', async () => {
  const dw = createDeviceWorld({ scenario: 'normal', seed: 3, lcd: 'parallel', cuff: 'oscillation' });
  const device = new SensingDevice(dw.world.uno, { cuff: { oscillationChannel: true } });
  device.start();
  await dw.world.runUntil(600_000);
  const stats = device.taskStats();
  assert.equal(stats.map((t) => [t.name, t.runs, t.lateRuns]), [['ecg', 6000, 0], ['ppg', 6000, 0], ['temperature', 600, 0], ['evaluate', 600, 0]]);
  // Every sample instant converted once: 250 Hz ECG and 100 Hz pulse for 600 s, none lost.
  assert.is(dw.world.uno.conversions('A0'), 150_000);
  assert.is(dw.world.uno.conversions('A1'), 60_000);
  assert.is(device.sampleOverruns, 0);
  assert.ok(device.display!.stats.frames > 2000);
});

test.run();
