// hal/wiring.ts is the one pin map: no pin does two jobs, and the simulator, the LCD and the device
// application all take their pins from it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CUFF_OSCILLATION_PIN, I2C_PINS, LCD_PARALLEL_PINS, SENSOR_PINS, wiringTable } from '../../hal/wiring.ts';
import { NIBP_PINS } from '../../sim/nibp/cuff-rig.ts';
import { createDeviceWorld } from '../../sim/device-world.ts';
import { DeviceConfigError, SensingDevice } from '../../firmware/sensing/device.ts';
import { ANALOG_PINS, DIGITAL_PINS, PWM_PINS } from '../../hal/board.ts';
import { PIN_MAP } from '../../sim/world.ts';
import { DEFAULT_PARALLEL_PINS } from '../../firmware/lcd/board.ts';
import { createSimRun } from '../../cli/sim-run.ts';

test('no pin is assigned twice; every pin exists on the Uno; the valve has a PWM timer', () => {
  const rows = wiringTable();
  const pins = rows.map(([p]) => p);
  assert.is(new Set(pins).size, pins.length, JSON.stringify(rows));
  for (const p of pins) assert.ok((ANALOG_PINS as readonly string[]).includes(p) || (DIGITAL_PINS as readonly string[]).includes(p), p);
  assert.ok((PWM_PINS as readonly string[]).includes(SENSOR_PINS.valve));
  // The parallel LCD uses exactly the digital pins nothing else uses.
  const used = new Set<string>([...Object.values(SENSOR_PINS), ...Object.values(I2C_PINS)]);
  const free = DIGITAL_PINS.filter((p) => !used.has(p)).sort();
  assert.equal(Object.values(LCD_PARALLEL_PINS).sort(), free);
});

test('the simulator and the LCD driver read the same map', () => {
  assert.is(PIN_MAP, SENSOR_PINS);
  assert.equal({ ...DEFAULT_PARALLEL_PINS }, { ...LCD_PARALLEL_PINS });
});

test('default fit (parallel LCD, cuff with oscillation channel): every pin claimed as the wiring says', () => {
  const run = createSimRun({ scenario: 'normal', seed: 1 });
  const uno = run.dw.world.uno;
  // Already claimed by the device: asking for another mode must fail.
  assert.throws(() => uno.digitalOut(SENSOR_PINS.leadOffPlus), /already in use/);
  assert.throws(() => uno.digitalIn(SENSOR_PINS.buzzer), /already in use/);
  assert.throws(() => uno.digitalIn(SENSOR_PINS.led), /already in use/);
  assert.throws(() => uno.digitalIn(SENSOR_PINS.valve), /already in use/);
  assert.throws(() => uno.digitalIn(LCD_PARALLEL_PINS.rs), /already in use/);
  assert.throws(() => uno.i2c(), /already in use/); // A4 is the cuff's oscillation channel
  assert.is(run.device.nibp !== undefined, true);
});

test('backpack variant: the LCD takes A4/A5 and the cuff runs on A3 alone; mixing them is refused', () => {
  const run = createSimRun({ scenario: 'normal', seed: 1, lcd: 'backpack', cuff: 'dc-only' });
  assert.throws(() => run.dw.world.uno.analogIn(CUFF_OSCILLATION_PIN), /already in use/);
  assert.throws(() => createSimRun({ scenario: 'normal', seed: 1, lcd: 'backpack', cuff: 'oscillation' }), /A4/);
  const w = createDeviceWorld({ scenario: 'normal', seed: 1, lcd: 'parallel' });
  assert.throws(() => new SensingDevice(w.world.uno, { lcd: { kind: 'backpack' }, cuff: { oscillationChannel: true } }), (e: unknown) => e instanceof DeviceConfigError && /A4/.test(e.message));
});

test('the NIBP model and controller use the wiring\'s pins', () => {
  assert.equal(NIBP_PINS, { pressure: SENSOR_PINS.cuffPressure, oscillation: CUFF_OSCILLATION_PIN, pump: SENSOR_PINS.pump, valve: SENSOR_PINS.valve });
});

test.run();
