// `bsn-care eval-qrs DIR`: runs the firmware QRS detector over WFDB records (MIT-BIH) and scores
// it beat by beat against the reference annotations, per record and gross.
import { parseArgs } from 'node:util';
import { existsSync, readdirSync } from 'node:fs';
import { UsageError, type Command } from '../command.ts';
import { QrsDetector } from '../../firmware/ecg/pan-tompkins.ts';
import { isBeat } from '../../sim/wfdb/annotations.ts';
import { findSignal, readAnnotations, readRecord } from '../../sim/wfdb/record.ts';
import { grossScore, scoreBeats, type BeatScore } from '../../sim/wfdb/scorer.ts';
import type { WfdbError } from '../../sim/wfdb/errors.ts';

export interface RecordEvaluation extends BeatScore {
  record: string;
  /** Rate the detector ran at (the record's own, or the resampled one). */
  samplingFrequencyHz: number;
  /** Description of the signal used (MLII when present). */
  lead: string;
  /** Wall-clock time spent in the detector, ms. */
  detectorMs: number;
}

/** Linear interpolation of `x` (at `fromHz`) onto a grid at `toHz`. */
export function resample(x: ArrayLike<number>, fromHz: number, toHz: number): Float64Array {
  if (fromHz === toHz) return Float64Array.from(x as ArrayLike<number>);
  const n = Math.floor(((x.length - 1) * toHz) / fromHz) + 1;
  const out = new Float64Array(n);
  const ratio = fromHz / toHz;
  for (let i = 0; i < n; i++) {
    const t = i * ratio;
    const k = Math.floor(t);
    const f = t - k;
    const a = x[k]!;
    out[i] = k + 1 < x.length ? a + f * (x[k + 1]! - a) : a;
  }
  return out;
}

/** Runs the detector over a signal and returns R-peak sample indices. */
export function detectBeats(signal: ArrayLike<number>, fsHz: number): number[] {
  const beats: number[] = [];
  const det = new QrsDetector({ samplingFrequencyHz: fsHz, onBeat: (b) => beats.push(b.sampleIndex) });
  for (let i = 0; i < signal.length; i++) det.push(signal[i]!);
  det.flush();
  return beats;
}

export function evaluateRecord(dir: string, name: string, fsHz?: number): { ok: true; value: RecordEvaluation } | { ok: false; error: WfdbError } {
  const rec = readRecord(dir, name);
  if (!rec.ok) return rec;
  const ann = readAnnotations(dir, name);
  if (!ann.ok) return ann;
  const h = rec.value.header;
  const sig = findSignal(h, 'MLII') ?? 0;
  const fs0 = h.samplingFrequencyHz;
  const fs = fsHz ?? fs0;
  const x = resample(rec.value.signals[sig]!, fs0, fs);
  const t0 = performance.now();
  const beats = detectBeats(x, fs);
  const detectorMs = performance.now() - t0;
  const ref = ann.value.filter(isBeat).map((a) => (a.sample * fs) / fs0);
  const score = scoreBeats(ref, beats, { samplingFrequencyHz: fs });
  return { ok: true, value: { record: name, samplingFrequencyHz: fs, lead: h.signals[sig]!.description, detectorMs, ...score } };
}

/** Records in `dir` that have a header, a data file and reference annotations. */
export function listRecords(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hea'))
    .map((f) => f.slice(0, -4))
    .filter((r) => existsSync(`${dir}/${r}.atr`))
    .sort();
}

const pct = (v: number) => (Number.isNaN(v) ? '   -   ' : `${(100 * v).toFixed(2).padStart(6)}%`);

export function formatTable(rows: RecordEvaluation[], gross: BeatScore): string {
  const line = (name: string, s: BeatScore, extra = '') =>
    `${name.padEnd(7)} ${String(s.truePositives).padStart(6)} ${String(s.falsePositives).padStart(5)} ${String(s.falseNegatives).padStart(5)}  ${pct(s.sensitivity)} ${pct(s.positivePredictivity)}${extra}`;
  return [
    `record      TP    FP    FN       Se      +P   lead`,
    ...rows.map((r) => line(r.record, r, `   ${r.lead}`)),
    line('gross', gross),
  ].join('\n');
}

export const command: Command = {
  name: 'eval-qrs',
  summary: 'score the firmware QRS detector on WFDB records (MIT-BIH), per record and gross',
  usage: [
    'Usage: bsn-care eval-qrs DIR [--records 100,101,...] [--fs N] [--json]',
    '',
    'Reads WFDB records (.hea, format 212 .dat, .atr) from DIR, runs the streaming QRS detector on',
    'the MLII lead (chosen by the header description), and scores detections beat by beat',
    '(match window 150 ms, scoring from 5 min, AAMI beat codes). --fs resamples to N Hz first',
    '(linear interpolation). Prints TP, FP, FN, Se and +P per record and gross, or JSON.',
  ].join('\n'),
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { records: { type: 'string' }, fs: { type: 'string' }, json: { type: 'boolean', default: false } },
    });
    const dir = positionals[0];
    if (!dir || positionals.length > 1) throw new UsageError('eval-qrs needs exactly one directory argument');
    if (!existsSync(dir)) throw new UsageError(`no such directory: ${dir}`);
    let fs: number | undefined;
    if (values.fs !== undefined) {
      fs = Number(values.fs);
      if (!Number.isFinite(fs) || fs < 100 || fs > 1000) throw new UsageError(`--fs must be a number of Hz in 100..1000, got "${values.fs}"`);
    }
    const records = values.records ? values.records.split(',').map((r) => r.trim()).filter(Boolean) : listRecords(dir);
    if (records.length === 0) throw new UsageError(`no WFDB records with annotations in ${dir}`);
    const rows: RecordEvaluation[] = [];
    let failed = 0;
    for (const r of records) {
      const e = evaluateRecord(dir, r, fs);
      if (!e.ok) {
        process.stderr.write(`record ${r}: ${e.error.message}\n`);
        failed++;
        continue;
      }
      rows.push(e.value);
    }
    const gross = grossScore(rows);
    if (values.json) {
      process.stdout.write(JSON.stringify({ records: rows, gross }, null, 2) + '\n');
    } else {
      process.stdout.write(formatTable(rows, gross) + '\n');
      const ms = rows.reduce((a, r) => a + r.detectorMs, 0);
      process.stdout.write(`detector time ${ms.toFixed(0)} ms for ${rows.length} records\n`);
    }
    return failed > 0 ? 1 : 0;
  },
};
