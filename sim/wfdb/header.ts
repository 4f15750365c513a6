// WFDB header (.hea) parser: the record line and one line per signal. Pure text in, typed result
// out; comment lines ("# ...") are kept because MIT-BIH puts age, sex and medication there.
import { fail, ok, type WfdbResult } from './errors.ts';

export interface WfdbSignalSpec {
  /** Data file name, relative to the header's directory. */
  fileName: string;
  /** Storage format (212, 16, ...). */
  format: number;
  /** Samples of this signal per frame (the "x" modifier, default 1). */
  samplesPerFrame: number;
  /** Skew in frames (the ":" modifier, default 0). */
  skewFrames: number;
  /** Byte offset of the first sample in the data file (the "+" modifier, default 0). */
  byteOffset: number;
  /** ADC counts per physical unit (default 200). */
  adcGainPerUnit: number;
  /** Counts that correspond to 0 physical units (default: ADC zero). */
  baselineCounts: number;
  /** Physical unit (default mV). */
  units: string;
  /** ADC resolution in bits (default 12 for 212, 16 for 16). */
  adcResolutionBits: number;
  /** ADC value at the centre of its range. */
  adcZeroCounts: number;
  /** First sample value, when the header gives it. */
  initialValueCounts: number | undefined;
  /** Signed 16-bit sum of all samples, when the header gives it. */
  checksum: number | undefined;
  blockSizeBytes: number;
  /** E.g. "MLII", "V5". */
  description: string;
}

export interface WfdbHeader {
  recordName: string;
  signalCount: number;
  /** Frames per second per signal. */
  samplingFrequencyHz: number;
  /** Frames in the record, when the header gives it. */
  sampleCount: number | undefined;
  signals: WfdbSignalSpec[];
  comments: string[];
}

const INT = /^[+-]?\d+$/;
const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseIntField(s: string, what: string, line: number): WfdbResult<number> {
  if (!INT.test(s)) return fail('header-syntax', `line ${line}: ${what} "${s}" is not an integer`);
  return ok(Number(s));
}

export function parseHeader(text: string): WfdbResult<WfdbHeader> {
  const lines = text.split(/\r?\n/);
  const comments: string[] = [];
  const content: Array<{ n: number; text: string }> = [];
  lines.forEach((l, i) => {
    const t = l.trim();
    if (t === '') return;
    if (t.startsWith('#')) comments.push(t.replace(/^#\s?/, ''));
    else content.push({ n: i + 1, text: t });
  });
  const first = content[0];
  if (!first) return fail('header-syntax', 'no record line');
  const rec = first.text.split(/\s+/);
  const [nameField, nsigField, fsField, nsampField] = rec;
  if (!nameField || nsigField === undefined) return fail('header-syntax', `line ${first.n}: record line needs a name and a signal count`);
  if (nameField.includes('/')) return fail('unsupported', 'multi-segment records are not supported');
  const nsig = parseIntField(nsigField, 'signal count', first.n);
  if (!nsig.ok) return nsig;
  if (nsig.value < 0) return fail('header-syntax', `line ${first.n}: negative signal count`);
  let fs = 250; // WFDB default
  if (fsField !== undefined) {
    const m = /^([^/(]+)(\/[^(]+)?(\(.*\))?$/.exec(fsField);
    if (!m || !NUM.test(m[1]!) || Number(m[1]) <= 0) return fail('header-syntax', `line ${first.n}: sampling frequency "${fsField}" is not a positive number`);
    fs = Number(m[1]);
  }
  let nsamp: number | undefined;
  if (nsampField !== undefined) {
    const r = parseIntField(nsampField, 'sample count', first.n);
    if (!r.ok) return r;
    if (r.value < 0) return fail('header-syntax', `line ${first.n}: negative sample count`);
    nsamp = r.value;
  }
  if (content.length - 1 < nsig.value) return fail('header-syntax', `header declares ${nsig.value} signals but has ${content.length - 1} signal lines`);

  const signals: WfdbSignalSpec[] = [];
  for (let i = 0; i < nsig.value; i++) {
    const { n, text: line } = content[i + 1]!;
    const f = line.split(/\s+/);
    if (f.length < 2) return fail('header-syntax', `line ${n}: signal line needs a file name and a format`);
    const fm = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/.exec(f[1]!);
    if (!fm) return fail('header-syntax', `line ${n}: format "${f[1]}" is malformed`);
    const format = Number(fm[1]);
    let gain = 200;
    let baseline: number | undefined;
    let units = 'mV';
    if (f[2] !== undefined) {
      const gm = /^([^(/]+)(?:\(([^)]*)\))?(?:\/(.+))?$/.exec(f[2]);
      if (!gm || !NUM.test(gm[1]!)) return fail('header-syntax', `line ${n}: ADC gain "${f[2]}" is malformed`);
      gain = Number(gm[1]) === 0 ? 200 : Number(gm[1]); // WFDB: a gain of 0 means "uncalibrated, 200"
      if (gm[2] !== undefined) {
        if (!INT.test(gm[2])) return fail('header-syntax', `line ${n}: baseline "${gm[2]}" is not an integer`);
        baseline = Number(gm[2]);
      }
      if (gm[3] !== undefined) units = gm[3];
    }
    const ints: number[] = [];
    const names = ['ADC resolution', 'ADC zero', 'initial value', 'checksum', 'block size'];
    for (let k = 0; k < 5 && f[3 + k] !== undefined; k++) {
      const r = parseIntField(f[3 + k]!, names[k]!, n);
      if (!r.ok) return r;
      ints.push(r.value);
    }
    const adcZero = ints[1] ?? 0;
    signals.push({
      fileName: f[0]!,
      format,
      samplesPerFrame: fm[2] ? Number(fm[2]) : 1,
      skewFrames: fm[3] ? Number(fm[3]) : 0,
      byteOffset: fm[4] ? Number(fm[4]) : 0,
      adcGainPerUnit: gain,
      baselineCounts: baseline ?? adcZero,
      units,
      adcResolutionBits: ints[0] !== undefined && ints[0] !== 0 ? ints[0] : format === 212 ? 12 : 16,
      adcZeroCounts: adcZero,
      initialValueCounts: ints[2],
      checksum: ints[3],
      blockSizeBytes: ints[4] ?? 0,
      description: f.slice(8).join(' '),
    });
  }
  return ok({ recordName: nameField, signalCount: nsig.value, samplingFrequencyHz: fs, sampleCount: nsamp, signals, comments });
}

/** Serialises a header (used by tests and tools that write synthetic records). */
export function formatHeader(h: Omit<WfdbHeader, 'comments'> & { comments?: string[] }): string {
  const lines = [`${h.recordName} ${h.signalCount} ${h.samplingFrequencyHz}${h.sampleCount !== undefined ? ` ${h.sampleCount}` : ''}`];
  for (const s of h.signals) {
    const fmt = `${s.format}${s.samplesPerFrame !== 1 ? `x${s.samplesPerFrame}` : ''}${s.skewFrames ? `:${s.skewFrames}` : ''}${s.byteOffset ? `+${s.byteOffset}` : ''}`;
    const gain = `${s.adcGainPerUnit}${s.baselineCounts !== s.adcZeroCounts ? `(${s.baselineCounts})` : ''}${s.units !== 'mV' ? `/${s.units}` : ''}`;
    lines.push([s.fileName, fmt, gain, s.adcResolutionBits, s.adcZeroCounts, s.initialValueCounts ?? 0, s.checksum ?? 0, s.blockSizeBytes, s.description].join(' ').trimEnd());
  }
  for (const c of h.comments ?? []) lines.push(`# ${c}`);
  return lines.join('\n') + '\n';
}
