// One patient end to end for 24 simulated hours (default): sensing firmware, uplink over the
// SIM800 model's GPRS to the BSN-Care server in process (PGlite in memory), escalation through
// the server's own SIM800. Prints wall time, the speed-up over real time and what was stored.
// The wall time includes building the world (PGlite's initdb: seconds); `setupS` is that part
// and `xRealTimeRun` the speed-up of the simulated hours alone. The server's fresh PGlite cluster
// is loaded from the dump the tests share (BSN_PGLITE_TEMPLATE, made by one initdb per machine and
// PGlite version); --cold runs initdb in this process instead.
//   npm run bench -- day [--hours 24] [--scenario normal] [--seed 1] [--cold] [--json]
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Bench } from './run.ts';
import { runE2e } from '../cli/e2e-run.ts';

export const bench: Bench = {
  summary: 'one patient end to end (device, uplink, SIM800, server) for 24 simulated hours: x real time',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        hours: { type: 'string', default: '24' },
        scenario: { type: 'string', default: 'normal' },
        seed: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
        cold: { type: 'boolean', default: false },
      },
    });
    if (values.cold) delete process.env.BSN_PGLITE_TEMPLATE;
    else {
      const version = String((JSON.parse(readFileSync(new URL('../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string }).version);
      process.env.BSN_PGLITE_TEMPLATE ??= join(tmpdir(), `bsn-care-pglite-template-${version}.tar`);
    }
    const durationMs = Number(values.hours) * 3_600_000;
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    let setupMs = 0;
    let cpuSetup = cpu0;
    const s = await runE2e({
      scenario: values.scenario, seed: Number(values.seed), durationMs, smtp: false,
      setup: () => {
        setupMs = performance.now() - wall0;
        cpuSetup = process.cpuUsage();
      },
    });
    const cpu = process.cpuUsage(cpu0);
    const runCpu = process.cpuUsage(cpuSetup);
    const result = {
      scenario: s.scenario, simulatedHours: Number(values.hours), wallS: s.wallMs / 1000,
      cpuS: (cpu.user + cpu.system) / 1e6, xRealTime: Math.round(durationMs / s.wallMs),
      setupS: Math.round(setupMs) / 1000, runS: (s.wallMs - setupMs) / 1000, runCpuS: (runCpu.user + runCpu.system) / 1e6,
      xRealTimeRun: Math.round(durationMs / (s.wallMs - setupMs)),
      requests: s.uploads.posts, readingsStored: s.uploads.readingsStored, ackedSeq: s.uploads.ackedSeq,
      duplicates: s.uploads.duplicates, alerts: s.alerts.length, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    };
    if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
    else process.stdout.write(`${result.simulatedHours} h of '${result.scenario}' end to end in ${result.wallS.toFixed(1)} s wall (${result.xRealTime}x real time, ${result.cpuS.toFixed(1)} s CPU; setup ${result.setupS.toFixed(1)} s, the simulated hours ${result.runS.toFixed(1)} s: ${result.xRealTimeRun}x); ${result.requests} requests, ${result.readingsStored} readings stored (acked ${result.ackedSeq}), ${result.duplicates} duplicates, ${result.alerts} alerts, RSS ${result.rssMiB} MiB\n`);
  },
};
