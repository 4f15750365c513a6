import type { Command } from '../command.ts';
import { fmtTime, formatRow, runSim } from '../sim-run.ts';

// `npm start` runs this. Until the end-to-end simulation with the server exists (issue 5) it runs
// a short demo of the device itself: the hypertensive-crisis scenario for a few simulated minutes
// at full speed, with the LCD and the measured-vs-true timeline.
const DEMO = { scenario: 'hypertensive-crisis', seed: 1, durationMs: 8 * 60_000, nibpIntervalMs: 2 * 60_000 };

export const command: Command = {
  name: 'start',
  summary: 'the main job: a demo of the sensing device on a simulated patient (hypertensive crisis)',
  usage: 'Usage: bsn-care start\n\nRuns the hypertensive-crisis scenario for 8 simulated minutes through the sensing firmware on\nthe virtual Uno (cuff every 2 minutes), showing the LCD and the vitals timeline.',
  async run() {
    const out = (s: string) => void process.stdout.write(s + '\n');
    out('bsn-care demo: the sensing device on a simulated patient in a hypertensive crisis');
    out(`(${DEMO.durationMs / 60_000} simulated minutes at full speed; measured values, the model's truth in brackets)\n`);
    const wallStart = performance.now();
    const summary = await runSim({
      scenario: DEMO.scenario,
      seed: DEMO.seed,
      durationMs: DEMO.durationMs,
      sampleEveryMs: 30_000,
      device: { nibpIntervalMs: DEMO.nibpIntervalMs },
      onSample: (row, run) => {
        out(formatRow(row));
        // The LCD every two minutes, so the timeline stays readable.
        if (row.tMs % 120_000 === 0) out(run.lcdBox() ?? '');
      },
      onEvent: (e, run) => {
        const t = fmtTime(e.atMs);
        if (e.kind === 'alarm') {
          out(`${t}  ** alarm ${e.change}: ${e.alarm.condition} (${e.alarm.level}) ${e.alarm.detail}`);
          // The alarm screen a second later (the display refreshes every 250 ms).
          if (e.change !== 'cleared') run.dw.world.clock.after(1100, () => out(run.lcdBox() ?? ''));
        }
        else if (e.kind === 'fault') out(`${t}  ** fault: ${e.channel} ${e.fault}`);
        else if (e.kind === 'blood-pressure') out(`${t}  ** cuff: ${e.result.kind === 'reading' ? `${e.result.systolicMmHg.toFixed(0)}/${e.result.diastolicMmHg.toFixed(0)} mmHg` : `fault ${e.result.fault}`}`);
      },
    });
    const wallMs = performance.now() - wallStart;
    out(`\nfinal LCD:\n${summary.lcd ? ['┌' + '─'.repeat(16) + '┐', ...summary.lcd.map((l) => `│${l}│`), '└' + '─'.repeat(16) + '┘'].join('\n') : '(none)'}`);
    out(`${summary.alarms.filter((a) => a.change !== 'cleared').length} alarm changes, ${summary.bloodPressure.length} cuff readings, ${summary.buzzerChirps} buzzer chirps; ${(wallMs / 1000).toFixed(1)} s wall time`);
    out('\nMore: npx bsn-care sim --help, npx bsn-care --help');
    return 0;
  },
};
