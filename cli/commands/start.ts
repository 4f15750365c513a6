import type { Command } from '../command.ts';
import { fmtTime } from '../sim-run.ts';
import { runE2e, type AlertRecord } from '../e2e-run.ts';

// `npm start`: the whole system in one process with nothing to configure. A patient whose blood
// pressure climbs to a hypertensive crisis, the sensing firmware with its LCD, the uplink through
// the SIM800 model to the BSN-Care server (in process, PGlite in memory), and the server's
// escalation calling the family, the physician and the emergency unit through its own modem.
export const DEMO = { scenario: 'hypertensive-crisis', seed: 1, durationMs: 20 * 60_000, nibpIntervalMs: 2 * 60_000 };

export function formatAlert(a: AlertRecord): string {
  const lat = a.latencyMs === null ? '' : `, ${(a.latencyMs / 1000).toFixed(1)} s after the ${a.level} threshold was crossed`;
  const ans = a.answeredAtMs !== undefined ? ', answered' : a.channel === 'call' ? ', not answered' : '';
  return `${fmtTime(a.atMs)}  ${a.channel.padEnd(5)} ${a.role.padEnd(9)} ${a.to}${ans}${lat}`;
}

export const command: Command = {
  name: 'start',
  summary: 'the main job: the whole system on a simulated patient in a hypertensive crisis (server in process)',
  usage: `Usage: bsn-care start

Runs 20 simulated minutes of the hypertensive-crisis scenario (seed 1, cuff every 2 minutes) end to
end: sensing firmware and LCD on the virtual Uno, uplink over the SIM800 model's GPRS to the
BSN-Care server in this process (PGlite in memory), and the server's escalation: the family and
the physician do not answer, the emergency unit does. Prints the timeline and the alerts.
The same run with other scenarios: bsn-care sim --scenario NAME --server`,
  async run() {
    const out = (s: string) => void process.stdout.write(s + '\n');
    out('bsn-care: a simulated patient in a hypertensive crisis, end to end');
    out('patient -> sensors -> firmware (LCD) -> SIM800 -> GPRS -> BSN-Care server -> family / physician / emergency');
    out(`(${DEMO.durationMs / 60_000} simulated minutes at full speed, seed ${DEMO.seed}; the family and the physician do not pick up, the emergency unit does)\n`);
    const summary = await runE2e({
      scenario: DEMO.scenario,
      seed: DEMO.seed,
      durationMs: DEMO.durationMs,
      device: { nibpIntervalMs: DEMO.nibpIntervalMs },
      onTimeline: (e, w) => {
        out(`${fmtTime(e.tMs)}  ${e.source.padEnd(7)} ${e.text}`);
        // The alarm screen a second later (the display refreshes every 250 ms).
        if (e.source === 'device' && e.text.startsWith('alarm') && !e.text.startsWith('alarm cleared')) w.clock.after(1100, () => out(w.run.lcdBox() ?? ''));
      },
    });
    out('\nalerts sent by the server (time, channel, recipient, latency from the true threshold crossing):');
    for (const a of summary.alerts) out('  ' + formatAlert(a));
    const u = summary.uploads;
    out(`\nuplink: ${u.ok} of ${u.posts} HTTP requests succeeded; the server stored ${u.readingsStored} readings and events (all through seq ${u.ackedSeq}), ${u.duplicates} duplicates`);
    out(`escalations: ${summary.escalations.map((e) => `${e.kind} ${e.level} ${e.status}`).join('; ') || 'none'}`);
    out(`\nfinal LCD:\n${summary.lcd ? ['┌' + '─'.repeat(16) + '┐', ...summary.lcd.map((l) => `│${l}│`), '└' + '─'.repeat(16) + '┘'].join('\n') : '(none)'}`);
    out(`${(summary.wallMs / 1000).toFixed(1)} s wall time`);
    out('\nMore: npx bsn-care sim --help, npx bsn-care --help');
    return 0;
  },
};
