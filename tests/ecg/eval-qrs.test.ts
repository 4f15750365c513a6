// `bsn-care eval-qrs` end to end without the data set: a synthetic 6-minute WFDB record (format 212
// signal written with correct checksums, MIT annotations at the true R peaks) is read, detected
// and scored; a corrupt record makes the command fail with the reader's typed error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command, evaluateRecord } from '../../cli/commands/eval-qrs.ts';
import { encodeAnnotations } from '../../sim/wfdb/annotations.ts';
import { encodeFormat212, wfdbChecksum } from '../../sim/wfdb/format212.ts';
import { formatHeader } from '../../sim/wfdb/header.ts';
import { regularRr, syntheticEcg } from './synthetic-ecg.ts';

const dir = mkdtempSync(join(tmpdir(), 'eval-qrs-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const fs = 360;

function writeRecord(name: string, corrupt = false): number[] {
  const ecg = syntheticEcg({ samplingFrequencyHz: fs, rrMs: regularRr(480, 750, 40), durationMs: 360_000, baselineCounts: 0, rAmplitude: 200 });
  const mlii = Int16Array.from(ecg.samples, (v) => Math.round(v));
  const v5 = Int16Array.from(mlii, (v) => -v >> 1);
  // Signal order as in MIT-BIH 114: V5 first, MLII second; the command must pick MLII by name.
  const sigs = [v5, mlii];
  const header = formatHeader({
    recordName: name, signalCount: 2, samplingFrequencyHz: fs, sampleCount: mlii.length,
    signals: sigs.map((s, i) => ({
      fileName: `${name}.dat`, format: 212, samplesPerFrame: 1, skewFrames: 0, byteOffset: 0, adcGainPerUnit: 200, baselineCounts: 0,
      units: 'mV', adcResolutionBits: 11, adcZeroCounts: 0, initialValueCounts: s[0]!, checksum: wfdbChecksum(s), blockSizeBytes: 0, description: i === 0 ? 'V5' : 'MLII',
    })),
  });
  const dat = encodeFormat212(sigs);
  if (corrupt) dat[dat.length >> 1]! ^= 0xff;
  writeFileSync(join(dir, `${name}.hea`), header);
  writeFileSync(join(dir, `${name}.dat`), dat);
  const beats = ecg.rPeaksMs.map((t) => Math.round((t * fs) / 1000)).filter((s) => s < mlii.length);
  writeFileSync(join(dir, `${name}.atr`), encodeAnnotations(beats.map((sample) => ({ sample, code: 1 }))));
  return beats;
}

async function runCommand(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const o = process.stdout.write.bind(process.stdout), e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    return { code: await command.run(args), out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

test('a synthetic record is scored: every beat after 5 min found, none invented, MLII chosen by name', () => {
  const beats = writeRecord('s1');
  const r = evaluateRecord(dir, 's1');
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  if (!r.ok) return;
  const scored = beats.filter((s) => s >= 300 * fs).length;
  assert.is(r.value.lead, 'MLII');
  assert.is(r.value.truePositives, scored);
  assert.is(r.value.falsePositives, 0);
  assert.is(r.value.falseNegatives, 0);
  // Resampled to 100 Hz the same beats are found.
  const r100 = evaluateRecord(dir, 's1', 100);
  assert.ok(r100.ok && r100.value.truePositives === scored && r100.value.falsePositives === 0);
});

test('the command prints JSON with per-record and gross scores, and fails on a corrupt record', async () => {
  writeRecord('s2');
  writeRecord('bad', true);
  const ok = await runCommand([dir, '--records', 's2', '--json']);
  assert.is(ok.code, 0);
  const j = JSON.parse(ok.out) as { records: Array<{ record: string; sensitivity: number }>; gross: { sensitivity: number; positivePredictivity: number } };
  assert.is(j.records[0]!.record, 's2');
  assert.is(j.gross.sensitivity, 1);
  assert.is(j.gross.positivePredictivity, 1);
  const bad = await runCommand([dir, '--records', 's2,bad']);
  assert.is(bad.code, 1);
  assert.match(bad.err, /record bad: checksum-mismatch/);
  assert.match(bad.out, /^s2 /m);
});

test.run();
