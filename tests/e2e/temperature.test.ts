// Temperature rows of the default action tables end to end (chain: see blood-pressure.test.ts).
// The patient's core temperature is held at the row's value from the start (parameterised scenario
// temperature=C; the LM35 is taped on a patient who already has it). The LM35 model has its own
// calibration offset (seed 7: about -0.3 °C), so values sit well inside each band. The device
// raises a fever alarm from 38.0 °C, which uploads at once; hypothermia has no device alarm, so
// it goes with the 60 s upload. Retry interval 10 s (ROW_OPTIONS); family and physician never
// answer, the emergency unit does. Onset is the start of the run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { temperatureScenario } from '../../sim/patient/scenarios.ts';
import { checkRow, e2e, reportRow, ROW_OPTIONS, type RowLevel } from './helpers.ts';

const rows: Array<[string, number, Exclude<RowLevel, 'fault' | 'critical'>, number, number]> = [
  // row, °C, level, minutes, bound on the first notice (or the mild event) after onset, s
  ['> 37.5 °C (raised temperature)', 37.8, 'mild', 1.5, 75],
  ['> 38.0 °C (fever)', 38.5, 'family', 1.5, 45],
  ['> 39.5 °C (high fever)', 40, 'physician', 2.5, 45],
  ['> 41.0 °C (hyperpyrexia)', 41.5, 'emergency', 3.5, 45],
  ['< 35.0 °C (hypothermia)', 34, 'physician', 3, 80],
  ['< 32.0 °C (severe hypothermia)', 31, 'emergency', 4, 80],
];

for (const [row, tempC, level, minutes, boundS] of rows) {
  test(`temperature ${row}: patient at ${tempC} °C → ${level}`, async () => {
    const s = await e2e(temperatureScenario(tempC), minutes, ROW_OPTIONS);
    if (level !== 'mild') assert.is(s.crossings[level], 0, `truth at the ${level} level from the start: ${JSON.stringify(s.crossings)}`);
    const r = checkRow(s, { topic: 'temperature', level, onsetMs: 0 });
    assert.is(r.error, null);
    reportRow(`temperature ${row} ${level} (${tempC} °C)`, r.line);
    assert.ok(r.firstAlertMs! > 0 && r.firstAlertMs! < boundS * 1000, `first notice ${r.firstAlertMs} ms after onset (bound ${boundS} s)`);
  });
}

test.run();
