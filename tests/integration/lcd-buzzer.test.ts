// The device's LCD and buzzer, read back from the simulated hardware: the HD44780 model behind the
// PCF8574 on the I2C bus shows the snapshot's vitals; a serious alarm takes the screen; the buzzer
// pin chirps (short, not continuous) at a mild abnormality and stays silent for a healthy wearer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSimRun, type SimRun } from '../../cli/sim-run.ts';
import { SENSOR_PINS } from '../../hal/wiring.ts';
import type { FixedVitals } from '../../sim/patient/scenarios.ts';

interface Watch {
  frames: Array<{ tMs: number; lines: string[] }>;
  edges: Array<{ tMs: number; high: boolean }>;
}

async function watch(scenario: string | FixedVitals, untilMs: number, setup?: (run: SimRun) => void): Promise<{ run: SimRun; w: Watch }> {
  const run = createSimRun({ scenario, seed: 21 });
  setup?.(run);
  const world = run.dw.world;
  const w: Watch = { frames: [], edges: [] };
  world.uno.outputWire(SENSOR_PINS.buzzer).onChange((high) => w.edges.push({ tMs: world.clock.now(), high }));
  run.device.start();
  world.clock.every(500, () => void world.clock.after(0, () => w.frames.push({ tMs: world.clock.now(), lines: run.lcdLines()! })));
  await world.runUntil(untilMs);
  return { run, w };
}

test('the LCD shows the measured vitals (read back from the HD44780 model)', async () => {
  const { run, w } = await watch('normal', 60_000);
  const vitals = w.frames.filter((f) => f.tMs >= 40_000 && f.lines[0]!.startsWith('♥'));
  assert.ok(vitals.length >= 8, JSON.stringify(w.frames.slice(-6)));
  const s = run.device.snapshot();
  const last = vitals[vitals.length - 1]!.lines;
  const m = /^♥ *(\d+) P *(\d+) +(\d+\.\d)°C$/.exec(last[0]!);
  assert.ok(m, last[0]);
  assert.ok(s.ecg.kind === 'value' && Math.abs(Number(m![1]) - s.ecg.heartRateBpm) <= 2, `${last[0]} vs ${JSON.stringify(s.ecg)}`);
  assert.ok(s.pulse.kind === 'value' && Math.abs(Number(m![2]) - s.pulse.pulseRateBpm) <= 2);
  assert.ok(s.temperature.kind === 'value' && Math.abs(Number(m![3]) - s.temperature.tempC) <= 0.2);
  assert.ok(Math.abs(Number(m![1]) - 72) <= 5 && Math.abs(Number(m![3]) - 37) <= 0.6);
  assert.is(last[1]!.trim(), 'BP --/--');
  // The rotation also shows the network screen (offline until the modem exists).
  assert.ok(w.frames.some((f) => f.lines[1]!.startsWith('Server offline')));
  assert.is(run.dw.lcd!.model.violations.length, 0);
});

test('a lead-off shows as a fault screen and "--" for the heart rate, never a number', async () => {
  const { w } = await watch('lead-off', 34_000);
  const during = w.frames.filter((f) => f.tMs >= 21_000 && f.tMs < 34_000);
  assert.ok(during.some((f) => f.lines[1]!.startsWith('ECG lead off')));
  for (const f of during) if (f.lines[0]!.startsWith('♥')) assert.match(f.lines[0]!, /^♥ -- P/);
});

test('asystole: the alarm screen pre-empts the rotation and blinks; the buzzer chirps in groups', async () => {
  const { w } = await watch('asystole', 40_000);
  const after = w.frames.filter((f) => f.tMs >= 17_000);
  assert.ok(after.length > 40);
  for (const f of after) {
    assert.is(f.lines[1]!.trim(), 'Asystole', JSON.stringify(f));
    assert.ok(['⍾ CRITICAL ALARM', ''].includes(f.lines[0]!.trim()), JSON.stringify(f));
  }
  assert.ok(after.some((f) => f.lines[0]!.trim() === '') && after.some((f) => f.lines[0]!.trim() !== ''), 'line 1 blinks');
  const rises = w.edges.filter((e) => e.high);
  assert.ok(rises.length >= 6, `${rises.length} chirps`);
  assert.ok(rises[0]!.tMs >= 10_000);
});

function highTimeMs(edges: Watch['edges'], untilMs: number): number {
  let on = 0, since = -1;
  for (const e of edges) {
    if (e.high && since < 0) since = e.tMs;
    else if (!e.high && since >= 0) (on += e.tMs - since), (since = -1);
  }
  return on + (since >= 0 ? untilMs - since : 0);
}

test('mild abnormality (bradycardia 42/min): a gentle short chirp, not continuous; vitals stay visible', async () => {
  const { run, w } = await watch('bradycardia', 120_000);
  const s = run.device.snapshot();
  assert.equal(s.alarms.map((a) => `${a.condition}:${a.level}`), ['bradycardia:mild']);
  const rises = w.edges.filter((e) => e.high);
  assert.is(rises.length, 1, JSON.stringify(w.edges));
  assert.ok(highTimeMs(w.edges, 120_000) <= 100, `buzzer on ${highTimeMs(w.edges, 120_000)} ms`);
  assert.ok(w.edges[w.edges.length - 1]!.high === false);
  // Mild alarms interleave with the rotation: both the alarm screen and the vitals appear.
  const late = w.frames.filter((f) => f.tMs >= 30_000);
  assert.ok(late.some((f) => f.lines[1]!.trim() === 'Bradycardia' && f.lines[0]!.trim() === '⍾ ALARM'));
  assert.ok(late.some((f) => /^♥ 4\d P/.test(f.lines[0]!)));
});

test('a healthy wearer: no alarm, the buzzer stays silent, the LED stays dark', async () => {
  const { run, w } = await watch('normal', 120_000);
  assert.equal(run.device.snapshot().alarms, []);
  assert.equal(w.edges.filter((e) => e.high), []);
  assert.is(run.dw.world.uno.outputWire(SENSOR_PINS.led).level, false);
});

test('the status LED is lit while a sensor is in fault', async () => {
  const { run } = await watch('lead-off', 30_000);
  assert.is(run.dw.world.uno.outputWire(SENSOR_PINS.led).level, true);
});

test.run();
