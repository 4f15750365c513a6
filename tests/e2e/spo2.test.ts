// SpO2 rows of the default action tables. The device has NO SpO2 sensor: its optical sensor is a
// single green-LED PulseSensor-type PPG on A1 (sim/frontends/pulse-sensor.ts), which gives a pulse
// rate but not a saturation (that needs red and infrared channels), and no firmware measures SpO2.
// So these rows cannot be driven from a patient. What is tested instead: an spo2 reading put into
// the LPU's upload queue at 20 s (as an event, uploaded at once) travels the rest of the real chain
// (flash queue, sealed session, SIM800 model over GPRS, server, escalation over the server's SIM800)
// and the server escalates by the row. Onset is the injection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRow, e2e, injectAt, reportRow, ROW_OPTIONS, type RowLevel } from './helpers.ts';

const rows: Array<[string, number, Exclude<RowLevel, 'fault' | 'critical'>, number]> = [
  ['< 94 % (slightly low saturation)', 93, 'mild', 1],
  ['< 92 % (low saturation)', 90, 'family', 1.5],
  ['< 88 % (hypoxaemia)', 86, 'physician', 2.5],
  ['< 85 % (severe hypoxaemia)', 80, 'emergency', 3.5],
];

for (const [row, pct, level, minutes] of rows) {
  test(`SpO2 ${row}: an injected ${pct} % reading → ${level} (no SpO2 sensor on the device)`, async () => {
    const s = await e2e('normal', minutes, { ...ROW_OPTIONS, setup: injectAt(20_000, { kind: 'spo2', spo2Percent: pct }) });
    const r = checkRow(s, { topic: 'spo2', level, onsetMs: 20_000 });
    assert.is(r.error, null);
    reportRow(`spo2 ${row} ${level} (${pct} %, injected)`, r.line);
    // Uploaded at once: GPRS bearer and handshake, then the server's SMS (or the mild event).
    assert.ok(r.firstAlertMs! > 0 && r.firstAlertMs! < 20_000, `first notice ${r.firstAlertMs} ms after the injection`);
  });
}

test.run();
