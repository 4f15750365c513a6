// Reads a WFDB record from disk (header, format 212 signals, optional annotations) and verifies
// each signal's initial value and checksum against the header. Node I/O lives only here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeAnnotations, type Annotation } from './annotations.ts';
import { fail, ok, type WfdbResult } from './errors.ts';
import { decodeFormat212, wfdbChecksum } from './format212.ts';
import { parseHeader, type WfdbHeader } from './header.ts';

export interface WfdbRecord {
  header: WfdbHeader;
  /** One array of ADC counts per signal, in header order. */
  signals: Int16Array[];
}

function readBytes(path: string): WfdbResult<Uint8Array> {
  try {
    return ok(new Uint8Array(readFileSync(path)));
  } catch (e) {
    return fail('io', `cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Decodes the signals of a parsed header, given a function that supplies each data file's bytes. */
export function decodeSignals(header: WfdbHeader, fileBytes: (name: string) => WfdbResult<Uint8Array>): WfdbResult<Int16Array[]> {
  const out: Int16Array[] = new Array(header.signalCount);
  // Signals sharing a data file are interleaved in it, in header order.
  const groups = new Map<string, number[]>();
  header.signals.forEach((s, i) => {
    const g = groups.get(s.fileName);
    if (g) g.push(i);
    else groups.set(s.fileName, [i]);
  });
  for (const [file, idx] of groups) {
    const specs = idx.map((i) => header.signals[i]!);
    for (const s of specs) {
      if (s.format !== 212) return fail('unsupported', `signal "${s.description}" uses format ${s.format}; only 212 is supported`);
      if (s.samplesPerFrame !== 1 || s.skewFrames !== 0) return fail('unsupported', `signal "${s.description}": multi-frequency or skewed signals are not supported`);
      if (s.byteOffset !== specs[0]!.byteOffset) return fail('header-syntax', `signals in ${file} disagree on byte offset`);
    }
    const bytes = fileBytes(file);
    if (!bytes.ok) return bytes;
    const body = bytes.value.subarray(specs[0]!.byteOffset);
    const dec = decodeFormat212(body, specs.length, header.sampleCount);
    if (!dec.ok) return fail(dec.error.code, `${file}: ${dec.error.message.replace(/^\S+: /, '')}`);
    dec.value.forEach((sig, k) => (out[idx[k]!] = sig));
  }
  for (let i = 0; i < header.signalCount; i++) {
    const s = header.signals[i]!;
    const sig = out[i]!;
    if (s.initialValueCounts !== undefined && sig.length > 0 && sig[0] !== s.initialValueCounts) {
      return fail('initial-value-mismatch', `signal ${i} (${s.description}): first sample ${sig[0]}, header says ${s.initialValueCounts}`);
    }
    if (s.checksum !== undefined) {
      const c = wfdbChecksum(sig);
      if (c !== s.checksum) return fail('checksum-mismatch', `signal ${i} (${s.description}): checksum ${c}, header says ${s.checksum}`);
    }
  }
  return ok(out);
}

/** Reads `dir/name.hea` and its data files. */
export function readRecord(dir: string, name: string): WfdbResult<WfdbRecord> {
  const text = readBytes(join(dir, `${name}.hea`));
  if (!text.ok) return text;
  const header = parseHeader(new TextDecoder().decode(text.value));
  if (!header.ok) return header;
  const signals = decodeSignals(header.value, (f) => readBytes(join(dir, f)));
  if (!signals.ok) return signals;
  return ok({ header: header.value, signals: signals.value });
}

/** Reads `dir/name.ext` (e.g. "atr") as MIT-format annotations. */
export function readAnnotations(dir: string, name: string, ext = 'atr'): WfdbResult<Annotation[]> {
  const bytes = readBytes(join(dir, `${name}.${ext}`));
  if (!bytes.ok) return bytes;
  return decodeAnnotations(bytes.value);
}

/** Index of the signal whose description matches (e.g. "MLII"), else undefined. */
export function findSignal(header: WfdbHeader, description: string): number | undefined {
  const i = header.signals.findIndex((s) => s.description.trim().toUpperCase() === description.toUpperCase());
  return i < 0 ? undefined : i;
}
