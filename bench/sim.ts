// Speed of the whole simulated device: one patient for 24 h (default) through the sensors into the
// sensing firmware on the virtual Uno - ECG 250 Hz, pulse 100 Hz, temperature 1 Hz, the 1 Hz
// evaluation, the LCD refreshed every 250 ms over the simulated I2C bus into the HD44780 model
// (the device always runs its display, so the benchmark does too), and the cuff every 15 minutes
// when the NIBP model is fitted. Prints wall and CPU time and the speed-up over real time.
//   npm run bench -- sim [--hours 24] [--scenario normal] [--ecg-hz 250] [--wiring parallel-lcd|backpack-lcd]
//                        [--cuff oscillation|dc-only|none] [--no-lcd] [--json]
import { parseArgs } from 'node:util';
import type { Bench } from './run.ts';
import { createSimRun } from '../cli/sim-run.ts';

export const bench: Bench = {
  summary: 'simulated device (patient, sensors, firmware, LCD) for 24 h: x real time',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        hours: { type: 'string', default: '24' },
        scenario: { type: 'string', default: 'normal' },
        'ecg-hz': { type: 'string', default: '250' },
        'no-lcd': { type: 'boolean', default: false },
        wiring: { type: 'string', default: 'parallel-lcd' },
        cuff: { type: 'string' },
        seed: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
      },
    });
    const hours = Number(values.hours);
    const simMs = hours * 3_600_000;
    const lcd = values['no-lcd'] ? 'none' : values.wiring === 'backpack-lcd' ? 'backpack' : 'parallel';
    const cuff = (values.cuff ?? (lcd === 'backpack' ? 'dc-only' : 'oscillation')) as 'oscillation' | 'dc-only' | 'none';
    const run = createSimRun({ scenario: values.scenario, seed: Number(values.seed), lcd, cuff, device: { ecgHz: Number(values['ecg-hz']) } });
    let bp = 0, alarms = 0, faults = 0;
    run.device.onEvent((e) => {
      if (e.kind === 'blood-pressure') bp++;
      else if (e.kind === 'alarm') alarms++;
      else if (e.kind === 'fault') faults++;
    });
    run.device.start();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run.dw.world.runUntil(simMs);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const s = run.device.snapshot();
    const result = {
      simulatedHours: hours,
      scenario: values.scenario,
      ecgHz: run.device.ecgHz,
      lcd,
      cuff,
      wallMs: Math.round(wallMs),
      cpuMs: Math.round(cpuMs),
      timesRealTime: Math.round(simMs / wallMs),
      timesRealTimeCpu: Math.round(simMs / cpuMs),
      clockEvents: run.dw.world.clock.eventsRun,
      lcdFrames: run.device.display?.stats.frames ?? 0,
      lcdBytes: run.device.display?.stats.bytesSent ?? 0,
      bpReadings: bp,
      alarmEvents: alarms,
      faultEvents: faults,
      finalHeartRateBpm: s.ecg.kind === 'value' ? Math.round(s.ecg.heartRateBpm) : s.ecg.kind,
      lateTaskRuns: run.device.taskStats().reduce((n, t) => n + t.lateRuns, 0),
    };
    if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
    else for (const [k, v] of Object.entries(result)) process.stdout.write(`${k.padEnd(18)} ${v}\n`);
  },
};
