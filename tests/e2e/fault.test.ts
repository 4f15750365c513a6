// Fault rows of the default action tables end to end (chain: see blood-pressure.test.ts). A fault
// is technical: SMS and email to the technical contact, an SMS to the family labelled as a fault,
// never a call and never the emergency unit (checkRow asserts all of it for every row).
//  - lead-off: driven (AD8232 electrodes off 20-35 s, scenario lead-off).
//  - cuff-leak: driven (the cuff leaks 6 mmHg/s; first inflation 5 s after power-on).
//  - adc-saturated: driven (the LM35's output shorted to the supply at 20 s: the temperature
//    channel reads the rail; the device reports 'saturated', sent as adc-saturated).
//  - no-signal, out-of-range: NOT driven. The device reports no fault under these codes: an open
//    LM35 wire is 'probe-open', a pulse sensor off the finger 'no-pulse' (or 'flat'), an LM35 value
//    outside its plausible range 'implausible' - payload codes of their own, which now have rows of
//    their own (tests/server/device-faults.test.ts). These two rows are tested with a
//    fault reading put into the LPU's upload queue (an event, uploaded at once).
// Faults are not uploaded at once (only alarms are): they go with the 60 s upload.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkRow, e2e, injectAt, reportRow, ROW_OPTIONS } from './helpers.ts';
import type { E2eWorld } from '../../cli/e2e-run.ts';

function faultRow(s: Awaited<ReturnType<typeof e2e>>, topic: string, onsetMs: number, name: string, boundMs: number): void {
  const r = checkRow(s, { topic, level: 'fault', onsetMs });
  assert.is(r.error, null);
  reportRow(name, r.line);
  // Never an emergency: nobody in the emergency role hears of it, no escalation above 'fault'.
  assert.not.ok(s.alerts.some((a) => a.role === 'emergency' || a.channel === 'call'));
  assert.ok(s.escalations.every((e) => e.level === 'fault'), JSON.stringify(s.escalations));
  assert.ok(r.roleMs! > 0 && r.roleMs! < boundMs, `technical SMS ${r.roleMs} ms after onset`);
}

test('ECG lead-off (driven): technical SMS and email, family SMS, no calls', async () => {
  const s = await e2e('lead-off', 1.5, ROW_OPTIONS);
  faultRow(s, 'fault:ecg:lead-off', 20_000, 'fault lead-off (driven)', 75_000);
});

test('cuff-leak (driven): technical SMS and email, family SMS, no calls', async () => {
  const s = await e2e('cuff-leak', 2, { ...ROW_OPTIONS, device: { nibpIntervalMs: 120_000, nibpFirstAfterMs: 5000 } });
  const found = s.timeline.find((t) => t.source === 'device' && t.text === 'fault blood-pressure cuff-leak');
  assert.ok(found, 'the device found the leak');
  faultRow(s, 'fault:cuff:cuff-leak', 5000, 'fault cuff-leak (driven)', 120_000);
});

test('adc-saturated (driven: LM35 output shorted to the supply at 20 s): technical SMS and email, family SMS, no calls', async () => {
  const short = (w: E2eWorld) => void w.clock.after(20_000, () => void (w.run.dw.world.lm35.fault = 'short-to-supply'));
  const s = await e2e('normal', 1.5, { ...ROW_OPTIONS, setup: short });
  assert.ok(s.timeline.some((t) => t.text === 'fault temperature saturated'));
  faultRow(s, 'fault:temperature:adc-saturated', 20_000, 'fault adc-saturated (driven, LM35 short)', 75_000);
});

for (const [code, sensor] of [['no-signal', 'ppg'], ['out-of-range', 'temperature']] as const) {
  test(`${code} (injected: the device has no fault of that code): technical SMS and email, family SMS, no calls`, async () => {
    const s = await e2e('normal', 1, { ...ROW_OPTIONS, setup: injectAt(20_000, { kind: 'fault', sensor, fault: code }) });
    faultRow(s, `fault:${sensor}:${code}`, 20_000, `fault ${code} (injected)`, 20_000);
  });
}

test.run();
