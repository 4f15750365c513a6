// Same scenario and seed, same run: the event log byte for byte and every ADC and pin reading.
// A different seed gives a different run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { World, PIN_MAP } from '../../sim/world.ts';
import { PulseRateMonitor } from '../../firmware/pulse-rate.ts';
import { TemperatureMonitor } from '../../firmware/temperature.ts';
import { getScenario } from '../../sim/patient/scenarios.ts';

async function run(seed: number, scenario: Parameters<typeof getScenario>[0] | ReturnType<typeof getScenario> = 'lead-off') {
  const w = new World({ scenario, seed });
  const ecg = w.uno.analogIn(PIN_MAP.ecg);
  const loP = w.uno.digitalIn(PIN_MAP.leadOffPlus);
  const loM = w.uno.digitalIn(PIN_MAP.leadOffMinus);
  const ecgCounts = new Uint16Array(70_000 / 4);
  let i = 0;
  let wasOff = false;
  w.clock.every(4, () => {
    ecgCounts[i++] = ecg.read();
    const off = loP.read() || loM.read();
    if (off !== wasOff) w.log.log('firmware', off ? 'ECG leads off' : 'ECG leads on');
    wasOff = off;
  });
  const pulse = new PulseRateMonitor(w.uno.analogIn(PIN_MAP.pulse), w.uno.scheduler, 100);
  const temp = new TemperatureMonitor(w.uno.analogIn(PIN_MAP.temperature), w.uno.scheduler, 10);
  pulse.start();
  temp.start();
  w.clock.every(5000, () => {
    const p = pulse.reading();
    const t = temp.reading();
    w.log.log('firmware', `pulse ${p.kind === 'ok' ? p.pulseRateBpm.toFixed(2) + '/min' : 'fault ' + p.fault} temp ${t.kind === 'ok' ? t.tempC.toFixed(3) + ' C' : 'fault ' + t.fault}`);
  });
  await w.runUntil(70_000);
  const digest = createHash('sha256').update(ecgCounts).update(JSON.stringify(w.patient.beatTimesMs())).digest('hex');
  return { log: w.log.text(), digest, ecgCounts, beats: [...w.patient.beatTimesMs()] };
}

test('same seed: identical event log and ADC streams', async () => {
  const a = await run(1234);
  const b = await run(1234);
  assert.is(a.log, b.log);
  assert.is(a.digest, b.digest);
  // The log saw the scenario's lead-off and the firmware noticing it.
  assert.match(a.log, /electrodes off/);
  assert.match(a.log, /firmware +ECG leads off/);
  assert.match(a.log, /pulse \d+\.\d+\/min/);
  // A scenario given as an object is the same run as its name.
  const c = await run(1234, getScenario('lead-off'));
  assert.is(c.digest, a.digest);
});

test('different seed: different beats, samples and log', async () => {
  const a = await run(1234);
  const b = await run(1235);
  assert.is.not(a.digest, b.digest);
  assert.not.equal(a.beats.slice(0, 5), b.beats.slice(0, 5));
  const strip = (log: string) => log.split('\n').filter((l) => !l.includes('seed')).join('\n');
  assert.is.not(strip(a.log), strip(b.log));
  let differing = 0;
  for (let i = 0; i < a.ecgCounts.length; i++) if (a.ecgCounts[i] !== b.ecgCounts[i]) differing++;
  assert.ok(differing > a.ecgCounts.length / 2);
});

test.run();
