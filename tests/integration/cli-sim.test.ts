// `bsn-care sim` as a real child process: the JSON summary sets measured values beside the model's
// truth; bad arguments are usage errors (exit 2) with a message. `bsn-care start` (npm start)
// runs its demo and exits 0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';

const bin = new URL('../../bin/bsn-care.js', import.meta.url).pathname;
const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });

test('sim --json: measured vs true per sample, alarms and faults, final LCD text', () => {
  const r = run(['sim', '--scenario', 'bradycardia', '--duration', '90s', '--seed', '3', '--json', '--every', '15s']);
  assert.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as {
    scenario: string; seed: number; durationMs: number; ecgHz: number;
    samples: Array<{ tMs: number; heartRateBpm: { measured: number | null; truth: number; state: string }; pulseRateBpm: { measured: number | null; truth: number }; tempC: { measured: number | null; truth: number } }>;
    alarms: Array<{ condition: string; change: string }>; faults: unknown[]; lcd: string[];
  };
  assert.is(j.scenario, 'bradycardia');
  assert.is(j.durationMs, 90_000);
  assert.is(j.ecgHz, 250);
  assert.equal(j.samples.map((s) => s.tMs), [15_000, 30_000, 45_000, 60_000, 75_000, 90_000]);
  for (const s of j.samples.slice(1)) {
    assert.is(s.heartRateBpm.truth, 42);
    assert.ok(s.heartRateBpm.measured !== null && Math.abs(s.heartRateBpm.measured - 42) <= 5, JSON.stringify(s));
    assert.ok(s.pulseRateBpm.measured !== null && Math.abs(s.pulseRateBpm.measured - 42) <= 5, JSON.stringify(s));
  }
  const last = j.samples[j.samples.length - 1]!;
  assert.ok(last.tempC.measured !== null && Math.abs(last.tempC.measured - last.tempC.truth) <= 0.6);
  assert.ok(j.alarms.some((a) => a.condition === 'bradycardia' && a.change === 'raised'));
  assert.is(j.lcd.length, 2);
  assert.is(j.lcd[0]!.length, 16);
});

test('sim text output: a line per interval with units and the true value in brackets', () => {
  const r = run(['sim', '--scenario', 'normal', '--duration', '1m', '--ecg-hz', '100', '--lcd']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /00:01:00  HR +7\d \/min \(72\)  pulse +7\d \/min \(72\)  temp +3\d\.\d °C \(37\.0\)/);
  assert.match(r.stdout, /ECG sampled at 100 Hz/);
  assert.match(r.stdout, /┌────────────────┐/);
});

test('sim: bad arguments exit 2 with a clear message', () => {
  for (const [args, msg] of [
    [['sim'], /--scenario NAME is required/],
    [['sim', '--scenario', 'nope'], /unknown scenario "nope"/],
    [['sim', '--scenario', 'normal', '--duration', 'ten'], /not a duration/],
    [['sim', '--scenario', 'normal', '--ecg-hz', '50'], /outside 100\.\.500/],
    [['sim', '--scenario', 'normal', '--speed', '0'], /--speed/],
  ] as const) {
    const r = run([...args]);
    assert.is(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, msg);
  }
});

test('start (npm start): the hypertensive-crisis demo runs and exits 0', () => {
  const r = run(['start']);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /hypertensive crisis/);
  assert.match(r.stdout, /00:08:00  HR/);
  assert.match(r.stdout, /final LCD:/);
});

test.run();
