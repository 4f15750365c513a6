// Simulation speed: how much faster than real time the patient model alone, and the whole wired
// world (patient -> front ends -> virtual Uno ADC on the virtual clock), run. Wall and CPU time
// are both printed: on a shared machine the CPU time is the steadier figure.
//   npm run bench -- sim-world [--hours 1] [--rate 250] [--scenario normal] [--json]
import { parseArgs } from 'node:util';
import type { Bench } from './run.ts';
import { createPatient } from '../sim/patient/patient.ts';
import { World, PIN_MAP } from '../sim/world.ts';

export const bench: Bench = {
  summary: 'speed of the patient model and of the wired world (x real time)',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { hours: { type: 'string', default: '1' }, rate: { type: 'string', default: '250' }, scenario: { type: 'string', default: 'normal' }, json: { type: 'boolean', default: false } },
    });
    const hours = Number(values.hours);
    const rate = Number(values.rate);
    const simMs = hours * 3_600_000;
    const dt = 1000 / rate;

    // 1. The patient's ECG alone at the sensor's rate.
    const p = createPatient(values.scenario, 1);
    const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
    let t0 = performance.now();
    let c0 = process.cpuUsage();
    let sink = 0;
    for (let t = 0; t < simMs; t += dt) sink += p.ecgMv(t);
    const ecgWallMs = performance.now() - t0;
    const ecgCpuMs = cpuMs(process.cpuUsage(c0));

    // 2. The world: ECG through the AD8232 into A0 at `rate`, pulse at 100 Hz, temperature at 10 Hz,
    //    all as scheduled tasks on the virtual clock reading the Uno's ADC.
    const w = new World({ scenario: values.scenario, seed: 1 });
    const a0 = w.uno.analogIn(PIN_MAP.ecg), a1 = w.uno.analogIn(PIN_MAP.pulse), a2 = w.uno.analogIn(PIN_MAP.temperature);
    w.clock.every(dt, () => void (sink += a0.read()));
    w.clock.every(10, () => void (sink += a1.read()));
    w.clock.every(100, () => void (sink += a2.read()));
    t0 = performance.now();
    c0 = process.cpuUsage();
    await w.runUntil(simMs);
    const worldWallMs = performance.now() - t0;
    const worldCpuMs = cpuMs(process.cpuUsage(c0));

    const result = {
      simulatedHours: hours,
      ecgRateHz: rate,
      ecgOnlyWallMs: Math.round(ecgWallMs),
      ecgOnlyTimesRealTime: Math.round(simMs / ecgWallMs),
      ecgOnlyCpuMs: Math.round(ecgCpuMs),
      worldWallMs: Math.round(worldWallMs),
      worldTimesRealTime: Math.round(simMs / worldWallMs),
      worldCpuMs: Math.round(worldCpuMs),
      clockEvents: w.clock.eventsRun,
      beats: p.beatTimesMs().length,
      checksum: Math.round(sink) % 1000,
    };
    if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
    else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(22)} ${v}\n`);
  },
};
