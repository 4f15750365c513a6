// Heart-rate rows of the default action tables end to end (chain: see blood-pressure.test.ts). The
// patient is normal for 20 s, then the rate moves to the row's value over 5 s (parameterised
// scenario heart-rate=BPM); the device's ECG analysis measures it, the uplink sends it (at once
// when the device raises a brady/tachycardia alarm, else with the 60 s upload), and the server
// escalates by the table. Family and physician never answer; the emergency unit does. The retry
// interval is 10 s (ROW_OPTIONS) so the walk family → physician → emergency fits a short run.
// Onset is the moment the patient's true rate crosses the row's threshold.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { heartRateScenario } from '../../sim/patient/scenarios.ts';
import { checkRow, e2e, reportRow, ROW_OPTIONS, type RowLevel } from './helpers.ts';

const rows: Array<[string, number, Exclude<RowLevel, 'mild' | 'fault' | 'critical'>, number]> = [
  ['< 50/min (bradycardia)', 45, 'family', 1.5],
  ['< 40/min (marked bradycardia)', 35, 'physician', 2.5],
  ['< 30/min (severe bradycardia)', 25, 'emergency', 3.5],
  ['> 110/min (tachycardia at rest)', 120, 'family', 1.5],
  ['> 130/min (marked tachycardia)', 140, 'physician', 2.5],
  ['> 170/min (severe tachycardia)', 180, 'emergency', 3.5],
];

for (const [row, bpm, level, minutes] of rows) {
  test(`heart rate ${row}: patient at ${bpm}/min → ${level}`, async () => {
    const s = await e2e(heartRateScenario(bpm), minutes, ROW_OPTIONS);
    const onsetMs = s.crossings[level];
    assert.ok(onsetMs !== undefined && onsetMs >= 20_000 && onsetMs <= 25_000, `truth crosses ${level} at ${onsetMs}`);
    const r = checkRow(s, { topic: 'heart-rate', level, onsetMs });
    assert.is(r.error, null);
    reportRow(`heart-rate ${row} ${level} (${bpm}/min)`, r.line);
    // The device measures the rate within a few beats of the change and the reading is uploaded
    // with its alarm at once (or with the 60 s upload), so the first notice comes within 75 s.
    assert.ok(r.firstAlertMs! > 0 && r.firstAlertMs! < 75_000, `first notice ${r.firstAlertMs} ms after onset`);
  });
}

test.run();
