// Screens, rotation and alarm pre-emption as pure functions, then the display controller on the
// full stack (driver -> PCF8574 -> HD44780 model) on the virtual clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alarmScreen, faultScreen, networkScreen, vitalsScreen, FAULT_TEXT, conditionText } from '../../firmware/display/screens.ts';
import { ScreenRotation, type Frame } from '../../firmware/display/rotation.ts';
import { DisplayController } from '../../firmware/display/controller.ts';
import { cellCount, formatAge, fitNumber } from '../../firmware/display/format.ts';
import type { DisplayFault, DisplayModel } from '../../firmware/display/model.ts';
import { Rng } from '../../sim/rng.ts';
import { backpackRig, parallelRig } from './rig.ts';

const NET: DisplayModel['network'] = { registered: true, signalBars: 3, gprs: true, server: 'ok', queued: 0 };
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

function model(over: Partial<DisplayModel> = {}): DisplayModel {
  return { heartRateBpm: 72, pulseRateBpm: 71, tempC: 36.8, bp: { systolicMmHg: 128, diastolicMmHg: 84, ageMs: 3 * MIN }, faults: [], network: NET, ...over };
}

function fits(lines: readonly string[]): void {
  assert.is(lines.length, 2);
  for (const l of lines) assert.is(cellCount(l), 16, `"${l}" is ${cellCount(l)} cells`);
}

test('vitals: normal values', () => {
  assert.equal(vitalsScreen(model()), ['♥ 72 P 71 36.8°C', 'BP 128/84     3m']);
});

test('vitals: extreme values still fit 16 columns', () => {
  const lines = vitalsScreen(model({ heartRateBpm: 250, pulseRateBpm: 250, tempC: 42.5, bp: { systolicMmHg: 300, diastolicMmHg: 200, ageMs: 3 * DAY } }));
  assert.equal(lines, ['♥250 P250 42.5°C', 'BP 300/200    3d']);
  assert.is(vitalsScreen(model({ bp: { systolicMmHg: 300, diastolicMmHg: 200, ageMs: 400 * DAY } }))[1], 'BP 300/200  >99d');
  assert.is(vitalsScreen(model({ heartRateBpm: 1200, tempC: -12.5 }))[0], '♥ HI P 71   LO°C');
  assert.is(vitalsScreen(model({ tempC: 9.96 }))[0], '♥ 72 P 71 10.0°C');
});

test('vitals: missing values are "--", never 0; a real 0 stays 0', () => {
  const none: DisplayModel = { faults: [], network: NET };
  assert.equal(vitalsScreen(none), ['♥ -- P --   --°C', 'BP --/--        ']);
  assert.is(vitalsScreen(model({ heartRateBpm: Number.NaN, tempC: Number.POSITIVE_INFINITY }))[0], '♥ -- P 71   --°C');
  assert.is(vitalsScreen(model({ heartRateBpm: 0 }))[0], '♥  0 P 71 36.8°C');
  assert.is(vitalsScreen(model({ bp: { systolicMmHg: Number.NaN, diastolicMmHg: 80, ageMs: 0 } }))[1], 'BP --/--        ');
});

test('vitals: a lead-off fault hides the ECG heart rate even if a value is supplied', () => {
  assert.is(vitalsScreen(model({ faults: ['lead-off'] }))[0], '♥ -- P 71 36.8°C');
  assert.is(vitalsScreen(model({ faults: ['ppg-no-signal', 'temp-sensor'] }))[0], '♥ 72 P --   --°C');
  // A cuff fault does not hide the last completed reading, which keeps its age.
  assert.is(vitalsScreen(model({ faults: ['cuff-leak'] }))[1], 'BP 128/84     3m');
});

test('age formatting', () => {
  assert.equal([0, 59_999, MIN, 59 * MIN, 60 * MIN, 47 * 60 * MIN, 2 * DAY, 99 * DAY, 100 * DAY].map(formatAge), ['0s', '59s', '1m', '59m', '1h', '47h', '2d', '99d', '>99d']);
  assert.is(formatAge(-5), '?');
  assert.is(fitNumber(undefined, 3), ' --');
});

test('network screen: bars, GPRS, server state, queue', () => {
  assert.equal(networkScreen(model()), ['Ψ⣠⡆ GPRS      Q0', 'Server ok       ']);
  assert.equal(networkScreen(model({ network: { registered: true, signalBars: 4, gprs: false, server: 'authenticating', queued: 12 } })), ['Ψ⣠⣾ GSM      Q12', 'Server auth...  ']);
  assert.equal(networkScreen(model({ network: { registered: false, signalBars: 0, gprs: false, server: 'offline', queued: 123456 } })), ['Ψ   No net  Q>9k', 'Server offline  ']);
  assert.is(networkScreen(model({ network: { ...NET, signalBars: 1, queued: 9999 } }))[0], 'Ψ⡀  GPRS   Q9999');
});

test('fault screens name the fault; the cuff glyph marks cuff faults', () => {
  assert.equal(faultScreen('cuff-leak', 0, 2), ['FAULT 1/2      ◘', 'Cuff leak       ']);
  assert.equal(faultScreen('lead-off', 1, 2), ['FAULT 2/2      ♥', 'ECG lead off    ']);
  for (const f of Object.keys(FAULT_TEXT) as DisplayFault[]) fits(faultScreen(f, 0, 1));
});

test('alarm screen: severity on line 1 (blank in the off phase), the condition on line 2', () => {
  assert.equal(alarmScreen({ condition: 'tachycardia', severity: 'critical' }, true), ['⍾ CRITICAL ALARM', 'Tachycardia     ']);
  assert.equal(alarmScreen({ condition: 'tachycardia', severity: 'critical' }, false), ['                ', 'Tachycardia     ']);
  assert.equal(alarmScreen({ condition: 'fever', severity: 'mild' }, true), ['⍾ ALARM         ', 'Fever           ']);
  assert.is(conditionText('very-long_condition name that overflows'), 'Very long condition name that overflows');
  assert.is(alarmScreen({ condition: 'very-long_condition name that overflows', severity: 'mild' }, true)[1], 'Very long condit');
  assert.is(conditionText('Ωmega\n'), '?mega');
});

test('every screen is 2 lines of exactly 16 cells for random and extreme models', () => {
  const rng = new Rng(20261122).fork('screens');
  const faults = Object.keys(FAULT_TEXT) as DisplayFault[];
  const pick = (vals: readonly (number | undefined)[]) => vals[rng.int(0, vals.length - 1)];
  const extremes = [undefined, Number.NaN, -1, 0, 0.04, 9.95, 42.5, 99.95, 250, 300, 999.5, 1e6, -1e6];
  for (let i = 0; i < 3000; i++) {
    const m: DisplayModel = {
      heartRateBpm: rng.chance(0.5) ? pick(extremes) : rng.uniform(0, 300),
      pulseRateBpm: rng.chance(0.5) ? pick(extremes) : rng.uniform(0, 300),
      tempC: rng.chance(0.5) ? pick(extremes) : rng.uniform(-20, 120),
      bp: rng.chance(0.2) ? undefined : { systolicMmHg: pick(extremes) ?? 0, diastolicMmHg: rng.uniform(0, 400), ageMs: rng.chance(0.5) ? pick(extremes) ?? 0 : rng.uniform(0, 1e12) },
      faults: faults.filter(() => rng.chance(0.3)),
      network: { registered: rng.chance(0.8), signalBars: pick([-1, 0, 1, 2, 3, 4, 5, 2.5, Number.NaN])!, gprs: rng.chance(0.5), server: (['ok', 'offline', 'authenticating'] as const)[rng.int(0, 2)]!, queued: pick([0, 1, 9999, 10000, -3, Number.NaN, 1e9])! },
    };
    fits(vitalsScreen(m));
    fits(networkScreen(m));
    m.faults.forEach((f, k) => fits(faultScreen(f, k, m.faults.length)));
    fits(alarmScreen({ condition: 'x'.repeat(rng.int(0, 40)), severity: rng.chance(0.5) ? 'mild' : 'critical' }, rng.chance(0.5)));
  }
});

function ids(r: ScreenRotation, m: DisplayModel, times: number[]): string[] {
  return times.map((t) => r.frame(t, m).id);
}

test('rotation: vitals and network every 3 s; fault screens join when faults exist', () => {
  const r = new ScreenRotation({ rotateMs: 3000 });
  assert.equal(ids(r, model(), [0, 2999, 3000, 5999, 6000, 9000]), ['vitals', 'vitals', 'network', 'network', 'vitals', 'network']);
  const faulty = model({ faults: ['lead-off', 'cuff-leak'] });
  const r2 = new ScreenRotation({ rotateMs: 3000 });
  assert.equal(ids(r2, faulty, [0, 3000, 6000, 9000, 12000, 15000, 18000]), ['vitals', 'network', 'fault:lead-off', 'fault:cuff-leak', 'vitals', 'network', 'fault:lead-off']);
  // Faults clear while the second fault screen is up: the rotation wraps instead of pointing past the end.
  assert.equal(ids(r2, faulty, [21000]), ['fault:cuff-leak']);
  assert.equal(ids(r2, model(), [21500, 24000, 27000]), ['network', 'vitals', 'network']);
});

test('alarm pre-empts the rotation, blinks, and the rotation restarts at the vitals when it clears', () => {
  const r = new ScreenRotation({ rotateMs: 3000, blinkMs: 500 });
  const alarm = model({ alarm: { condition: 'bradycardia', severity: 'critical' }, faults: ['cuff-leak'] });
  r.frame(0, model());
  const frames: Frame[] = [4000, 4499, 4500, 4999, 5000, 9500, 20000].map((t) => r.frame(t, alarm));
  assert.ok(frames.every((f) => f.id === 'alarm'), 'only the alarm for as long as it lasts');
  assert.equal(frames.map((f) => f.lines[0].startsWith('⍾')), [true, true, false, false, true, false, true]);
  assert.ok(frames.every((f) => f.lines[1].startsWith('Bradycardia')), 'the condition is always readable');
  // A new condition restarts the blink phase (shown at once).
  assert.ok(r.frame(20700, model({ alarm: { condition: 'fever', severity: 'mild' } })).lines[0].startsWith('⍾'));
  assert.equal(ids(r, model(), [21000, 23999, 24000]), ['vitals', 'vitals', 'network']);
});

test('controller on the full stack: the glass follows the model on the virtual clock', async () => {
  const rig = backpackRig();
  let m = model({ faults: ['cuff-leak'] });
  const ctl = new DisplayController(rig.lcd, rig.clock, () => m, { tickMs: 250, rotateMs: 3000, blinkMs: 500 });
  ctl.start();
  await rig.clock.runUntil(250);
  assert.equal(rig.text(), ['♥ 72 P 71 36.8°C', 'BP 128/84     3m']);
  await rig.clock.runUntil(3000);
  assert.equal(rig.text(), ['Ψ⣠⡆ GPRS      Q0', 'Server ok       ']);
  await rig.clock.runUntil(6000);
  assert.equal(rig.text(), ['FAULT 1/1      ◘', 'Cuff leak       ']);
  await rig.clock.runUntil(9000);
  assert.is(rig.text()[0], '♥ 72 P 71 36.8°C');
  m = model({ alarm: { condition: 'hyperthermia', severity: 'critical' } });
  const seen: string[] = [];
  for (let t = 9250; t <= 11000; t += 250) {
    await rig.clock.runUntil(t);
    seen.push(rig.text()[0]!);
  }
  const blank = ' '.repeat(16);
  assert.equal(seen, ['⍾ CRITICAL ALARM', '⍾ CRITICAL ALARM', blank, blank, '⍾ CRITICAL ALARM', '⍾ CRITICAL ALARM', blank, blank]);
  assert.is(rig.text()[1], 'Hyperthermia    ');
  // Steady state is cheap: a blink toggle rewrites part of line 1, an unchanged frame sends nothing.
  const before = ctl.stats.bytesSent;
  await rig.clock.runUntil(11250); // blank -> "⍾ CRITICAL ALARM": 14 characters + 3 address sets
  assert.is(ctl.stats.bytesSent - before, 17);
  await rig.clock.runUntil(11500); // still on
  assert.is(ctl.stats.bytesSent - before, 17);
  assert.equal(rig.model.violations, []);
  assert.is(ctl.stats.errors, 0);
  ctl.stop();
});

test('controller back-pressure: on slow parallel Firmata pins the link backlog stays bounded', async () => {
  const rig = parallelRig();
  let n = 0;
  // Every tick a completely different screen: far more than ~5 ms per character allows.
  const ctl = new DisplayController(rig.lcd, rig.clock, () => model({ alarm: { condition: String(n++ % 2 ? 'a' : 'b').repeat(16), severity: 'critical' } }), { tickMs: 50, blinkMs: 50 });
  ctl.start();
  let worst = 0;
  for (let t = 100; t <= 5000; t += 50) {
    await rig.clock.runUntil(t);
    worst = Math.max(worst, rig.lcd.backlogMs());
  }
  assert.ok(ctl.stats.skipped > 0);
  assert.ok(worst < 50 + 400, `backlog peaked at ${worst.toFixed(0)} ms`);
  assert.equal(rig.model.violations, []);
  ctl.stop();
});

test('controller survives the LCD being unplugged and re-initialises it when it is back', async () => {
  const rig = backpackRig();
  const ctl = new DisplayController(rig.lcd, rig.clock, () => model(), { tickMs: 250, retryMs: 1000 });
  ctl.start();
  await rig.clock.runUntil(1000);
  assert.is(rig.text()[0], '♥ 72 P 71 36.8°C');
  rig.bus.detach(0x27);
  await rig.clock.runUntil(4000); // rotation moves to the network screen: the write fails
  assert.ok(ctl.stats.errors >= 1);
  assert.match(ctl.stats.lastError ?? '', /0x27/);
  assert.is(rig.lcd.initialised, false);
  rig.bus.attach(0x27, rig.expander);
  await rig.clock.runUntil(5500); // next retry at 5000 finds it; the network screen is due until 6000
  assert.ok(ctl.stats.inits >= 2);
  assert.is(rig.lcd.initialised, true);
  assert.equal(rig.text(), ['Ψ⣠⡆ GPRS      Q0', 'Server ok       ']);
  await rig.clock.runUntil(6250);
  assert.is(rig.text()[0], '♥ 72 P 71 36.8°C');
  ctl.stop();
});

test.run();
