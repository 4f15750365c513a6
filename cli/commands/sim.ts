// `bsn-care sim`: one patient scenario through the simulated sensors into the sensing firmware on
// the virtual Uno, printing what the device measured beside the model's truth.
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.ts';
import { DeviceConfigError, MAX_ECG_HZ, MIN_ECG_HZ } from '../../firmware/sensing/device.ts';
import { getScenario, PARAMETERISED_FORMS, scenarioNames, ScenarioError } from '../../sim/patient/scenarios.ts';
import { fmtTime, formatRow, parseDuration, runSim, type SimSummary } from '../sim-run.ts';
import { runE2e } from '../e2e-run.ts';
import { formatAlert } from './start.ts';

const USAGE = `Usage: bsn-care sim --scenario NAME [--duration 10m] [--seed N] [--json] [--speed max|N]
                    [--ecg-hz N] [--nibp-every 15m] [--every 30s] [--lcd]
                    [--wiring parallel-lcd|backpack-lcd] [--cuff oscillation|dc-only|none]
                    [--server [--retry 60s] [--gprs-rtt 500ms]]

Runs the sensing firmware (ECG, pulse, temperature, blood pressure, alarms, LCD) on the virtual
Arduino Uno against a simulated patient and prints the measured vitals every 30 s of simulated
time, the true values in brackets.

  --scenario NAME   ${scenarioNames().join(', ')}, ${PARAMETERISED_FORMS.join(', ')}
  --duration D      simulated time: 90s, 10m, 2h, 24h (default 10m)
  --seed N          random seed (default 1); the same seed gives the same run
  --json            print one JSON summary: measured vs true values per sample, blood-pressure
                    readings vs truth at the measurement time, faults, alarms, final LCD text
  --speed max|N     'max' (default) or N x real time
  --ecg-hz N        ECG sampling rate, ${MIN_ECG_HZ}..${MAX_ECG_HZ} Hz (default 250)
  --nibp-every D    time between cuff measurements (default 15m)
  --every D         time between printed rows (default 30s)
  --lcd             draw the LCD after every row
  --wiring W        parallel-lcd (default): LCD on D2-D12, the cuff's oscillation amplifier on A4;
                    backpack-lcd: LCD on the I2C backpack (A4/A5), cuff pressure from A3 only
  --cuff C          the cuff fitted: oscillation (default with parallel-lcd), dc-only (default
                    with backpack-lcd) or none
  --server          end to end: the uplink over the SIM800 model's GPRS to the BSN-Care server in
                    this process (PGlite in memory) and its escalation through the server's own
                    SIM800 (family and physician do not answer, the emergency unit does) and SMTP.
                    Prints the timeline; with --json a summary listing every alert with its latency
                    from the true threshold crossing (simulated ms)
  --retry D         (with --server) escalation retry interval (default 60s)
  --gprs-rtt D      (with --server) median GPRS round trip (default 500ms)
`;

function duration(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new UsageError(`--${name}: '${text}' is not a duration (e.g. 90s, 10m, 2h)`);
  return ms;
}

export const command: Command = {
  name: 'sim',
  summary: 'run a patient scenario through the sensing firmware on the virtual Uno',
  usage: USAGE,
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          scenario: { type: 'string' },
          duration: { type: 'string', default: '10m' },
          seed: { type: 'string', default: '1' },
          json: { type: 'boolean', default: false },
          speed: { type: 'string', default: 'max' },
          'ecg-hz': { type: 'string', default: '250' },
          'nibp-every': { type: 'string', default: '15m' },
          every: { type: 'string', default: '30s' },
          lcd: { type: 'boolean', default: false },
          wiring: { type: 'string', default: 'parallel-lcd' },
          cuff: { type: 'string' },
          server: { type: 'boolean', default: false },
          retry: { type: 'string', default: '60s' },
          'gprs-rtt': { type: 'string', default: '500ms' },
        },
      }));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (!values.scenario) throw new UsageError('--scenario NAME is required (bsn-care sim --help lists them)');
    try {
      getScenario(values.scenario);
    } catch (e) {
      if (e instanceof ScenarioError) throw new UsageError(e.message);
      throw e;
    }
    const durationMs = duration('duration', values.duration);
    const seed = Number(values.seed);
    if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed: '${values.seed}' is not an integer`);
    const speed = values.speed === 'max' ? 'max' : Number(values.speed);
    if (speed !== 'max' && !(speed > 0)) throw new UsageError(`--speed: '${values.speed}' is neither 'max' nor a positive number`);
    const ecgHz = Number(values['ecg-hz']);
    if (!(ecgHz >= MIN_ECG_HZ && ecgHz <= MAX_ECG_HZ)) throw new UsageError(`--ecg-hz: ${values['ecg-hz']} outside ${MIN_ECG_HZ}..${MAX_ECG_HZ}`);
    const nibpIntervalMs = duration('nibp-every', values['nibp-every']);
    if (nibpIntervalMs < 60_000) throw new UsageError('--nibp-every: at least 60s between cuff inflations');
    const sampleEveryMs = duration('every', values.every);
    if (values.wiring !== 'parallel-lcd' && values.wiring !== 'backpack-lcd') throw new UsageError(`--wiring: '${values.wiring}' is neither parallel-lcd nor backpack-lcd`);
    const lcd = values.wiring === 'parallel-lcd' ? 'parallel' : 'backpack';
    const cuff = values.cuff ?? (lcd === 'parallel' ? 'oscillation' : 'dc-only');
    if (cuff !== 'oscillation' && cuff !== 'dc-only' && cuff !== 'none') throw new UsageError(`--cuff: '${cuff}' is not oscillation, dc-only or none`);
    if (cuff === 'oscillation' && lcd === 'backpack') throw new UsageError('--cuff oscillation needs A4, which the LCD backpack uses (I2C SDA): use --wiring parallel-lcd');
    const json = values.json;
    const out = (s: string) => void process.stdout.write(s + '\n');
    if (values.server) {
      const retryIntervalMs = duration('retry', values.retry);
      const rttMedianMs = duration('gprs-rtt', values['gprs-rtt']);
      if (!json) out(`scenario ${values.scenario}, seed ${seed}, ${fmtTime(durationMs)} simulated, end to end with the BSN-Care server in process`);
      let summary;
      try {
        summary = await runE2e({
          scenario: values.scenario, seed, durationMs, speed, lcd, cuff, device: { ecgHz, nibpIntervalMs },
          retryIntervalMs, network: { rttMedianMs },
          ...(json ? {} : {
            onTimeline: (e: { tMs: number; source: string; text: string }) => {
              if (e.source === 'uplink' && e.text.startsWith('POST /v1/data') && e.text.includes('-> 200')) return;
              out(`${fmtTime(e.tMs)}  ${e.source.padEnd(7)} ${e.text}`);
            },
          }),
        });
      } catch (e) {
        if (e instanceof DeviceConfigError) throw new UsageError(e.message);
        throw e;
      }
      if (json) out(JSON.stringify(summary));
      else {
        out('alerts (latency from the true threshold crossing):');
        for (const a of summary.alerts) out('  ' + formatAlert(a));
        const u = summary.uploads;
        out(`uplink: ${u.ok} of ${u.posts} requests ok; ${u.readingsStored} readings and events stored (through seq ${u.ackedSeq}), ${u.duplicates} duplicates`);
        if (summary.lcd) out(summary.lcd.map((l) => `LCD |${l}|`).join('\n'));
      }
      return 0;
    }

    if (!json) out(`scenario ${values.scenario}, seed ${seed}, ${fmtTime(durationMs)} simulated; measured (true)`);
    let summary: SimSummary;
    try {
      summary = await runSim({
        scenario: values.scenario,
        seed,
        durationMs,
        speed,
        sampleEveryMs,
        lcd,
        cuff,
        device: { ecgHz, nibpIntervalMs },
        onSample: json ? undefined : (row, run) => {
          out(formatRow(row));
          if (values.lcd) out(run.lcdBox() ?? '');
        },
        onEvent: json ? undefined : (e) => {
          const t = fmtTime(e.atMs);
          if (e.kind === 'alarm') out(`${t}  ** alarm ${e.change}: ${e.alarm.condition} (${e.alarm.level}) ${e.alarm.detail}`);
          else if (e.kind === 'fault') out(`${t}  ** fault: ${e.channel} ${e.fault}`);
          else if (e.kind === 'fault-cleared') out(`${t}  ** fault cleared: ${e.channel} ${e.fault}`);
          else if (e.kind === 'notice') out(`${t}  note: ${e.text}`);
          else if (e.kind === 'blood-pressure') out(`${t}  ** cuff: ${e.result.kind === 'reading' ? `${e.result.systolicMmHg.toFixed(0)}/${e.result.diastolicMmHg.toFixed(0)} mmHg` : `fault ${e.result.fault}`}`);
        },
      });
    } catch (e) {
      if (e instanceof DeviceConfigError) throw new UsageError(e.message);
      throw e;
    }
    if (json) {
      const { eventLog: _log, ...rest } = summary;
      out(JSON.stringify(rest));
    } else {
      out(`ECG sampled at ${summary.ecgHz} Hz; ${summary.alarms.filter((a) => a.change === 'raised').length} alarms raised, ${summary.faults.filter((f) => !f.cleared).length} faults, ${summary.buzzerChirps} buzzer chirps`);
      if (summary.lcd) out(summary.lcd.map((l) => `LCD |${l}|`).join('\n'));
    }
    return 0;
  },
};
