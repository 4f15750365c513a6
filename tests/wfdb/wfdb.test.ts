// WFDB reading on synthetic records written here (header with correct checksums, format 212
// data, MIT annotations), corrupted copies of them, and - when present - MIT-BIH itself.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAnnotations, encodeAnnotations, isBeat } from '../../sim/wfdb/annotations.ts';
import { decodeFormat212, encodeFormat212, wfdbChecksum } from '../../sim/wfdb/format212.ts';
import { formatHeader, parseHeader, type WfdbHeader } from '../../sim/wfdb/header.ts';
import { findSignal, readAnnotations, readRecord } from '../../sim/wfdb/record.ts';
import { Rng } from '../../sim/rng.ts';
import { mitdbDir } from './mitdb-path.ts';

const tmp = mkdtempSync(join(tmpdir(), 'wfdb-test-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** Writes record `name` with two signals of pseudo-random 12-bit samples; returns the signals. */
function writeRecord(name: string, frames = 1001): { sigs: Int16Array[]; header: string } {
  const rng = new Rng(7);
  const sigs = [0, 1].map(() => Int16Array.from({ length: frames }, () => rng.int(-2048, 2047)));
  const h: Omit<WfdbHeader, 'comments'> = {
    recordName: name,
    signalCount: 2,
    samplingFrequencyHz: 360,
    sampleCount: frames,
    signals: sigs.map((s, i) => ({
      fileName: `${name}.dat`, format: 212, samplesPerFrame: 1, skewFrames: 0, byteOffset: 0, adcGainPerUnit: 200,
      baselineCounts: 0, units: 'mV', adcResolutionBits: 12, adcZeroCounts: 0, initialValueCounts: s[0]!,
      checksum: wfdbChecksum(s), blockSizeBytes: 0, description: i === 0 ? 'V5' : 'MLII',
    })),
  };
  const header = formatHeader({ ...h, comments: ['synthetic'] });
  writeFileSync(join(tmp, `${name}.hea`), header);
  writeFileSync(join(tmp, `${name}.dat`), encodeFormat212(sigs));
  return { sigs, header };
}

test('header: record line, signal lines with gain, baseline, units, checksum, description', () => {
  const r = parseHeader('100 2 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n100.dat 212x1:0+0 150(-3)/uV 12 0 -1 7 0 V5 lead\n# 69 M\n');
  assert.ok(r.ok);
  if (!r.ok) return;
  const h = r.value;
  assert.is(h.recordName, '100');
  assert.is(h.signalCount, 2);
  assert.is(h.samplingFrequencyHz, 360);
  assert.is(h.sampleCount, 650000);
  assert.equal(
    [h.signals[0]!.format, h.signals[0]!.adcGainPerUnit, h.signals[0]!.adcResolutionBits, h.signals[0]!.adcZeroCounts, h.signals[0]!.initialValueCounts, h.signals[0]!.checksum, h.signals[0]!.baselineCounts],
    [212, 200, 11, 1024, 995, -22131, 1024],
  );
  assert.is(h.signals[1]!.baselineCounts, -3);
  assert.is(h.signals[1]!.units, 'uV');
  assert.is(h.signals[1]!.description, 'V5 lead');
  assert.equal(h.comments, ['69 M']);
});

test('header: malformed input gives typed errors, never a half-parsed header', () => {
  const cases: Array<[string, string]> = [
    ['', 'header-syntax'],
    ['100 x 360\n', 'header-syntax'],
    ['100 2 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n', 'header-syntax'], // one signal line short
    ['100 1 abc\n100.dat 212\n', 'header-syntax'],
    ['100 1 360\n100.dat 212 200 eleven\n', 'header-syntax'],
    ['100/2 1 360\n', 'unsupported'],
  ];
  for (const [text, code] of cases) {
    const r = parseHeader(text);
    assert.not.ok(r.ok, text);
    if (!r.ok) assert.is(r.error.code, code, text);
  }
});

test('format 212 round trip, including negative values and an odd sample count', () => {
  const a = Int16Array.from([0, 1, -1, 2047, -2048, 1000, -999]);
  const dec = decodeFormat212(encodeFormat212([a]), 1, a.length);
  assert.ok(dec.ok);
  if (dec.ok) assert.equal(Array.from(dec.value[0]!), Array.from(a));
  // Known packing: samples 0x123 and 0x456 -> bytes 23 41 56 (low byte, both high nibbles, low byte).
  assert.equal(Array.from(encodeFormat212([[0x123], [0x456]])), [0x23, 0x41, 0x56]);
});

test('a written record reads back exactly, its checksums verified; MLII found by description', () => {
  const { sigs } = writeRecord('syn');
  const r = readRecord(tmp, 'syn');
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  if (!r.ok) return;
  assert.equal(Array.from(r.value.signals[0]!), Array.from(sigs[0]!));
  assert.equal(Array.from(r.value.signals[1]!), Array.from(sigs[1]!));
  assert.is(findSignal(r.value.header, 'MLII'), 1);
});

test('corrupt records are rejected with a clear code: flipped bytes, truncation, bad header checksum, bad initial value', () => {
  const { header } = writeRecord('base');
  const dat = readFileSync(join(tmp, 'base.dat'));
  const variant = (name: string, hea: string, bytes: Uint8Array) => {
    writeFileSync(join(tmp, `${name}.hea`), hea.replaceAll('base', name));
    writeFileSync(join(tmp, `${name}.dat`), bytes);
    return readRecord(tmp, name);
  };
  const flipped = Uint8Array.from(dat);
  flipped[600]! ^= 0x5a;
  const f = variant('flip', header, flipped);
  assert.not.ok(f.ok);
  if (!f.ok) {
    assert.is(f.error.code, 'checksum-mismatch');
    assert.instance(f.error, Error);
    assert.match(f.error.message, /checksum/);
  }
  const t = variant('trunc', header, dat.subarray(0, dat.length - 30));
  assert.not.ok(t.ok);
  if (!t.ok) assert.is(t.error.code, 'truncated');
  // Header checksum of signal 0 off by one.
  const lines = header.split('\n');
  const fields = lines[1]!.split(' ');
  fields[6] = String(Number(fields[6]) + 1);
  lines[1] = fields.join(' ');
  const c = variant('badsum', lines.join('\n'), dat);
  assert.not.ok(c.ok);
  if (!c.ok) { assert.is(c.error.code, 'checksum-mismatch'); assert.match(c.error.message, /signal 0/); }
  const fields2 = header.split('\n')[2]!.split(' ');
  fields2[5] = String(Number(fields2[5]) + 3);
  const l2 = header.split('\n');
  l2[2] = fields2.join(' ');
  const iv = variant('badinit', l2.join('\n'), dat);
  assert.not.ok(iv.ok);
  if (!iv.ok) assert.is(iv.error.code, 'initial-value-mismatch');
  const missing = readRecord(tmp, 'nosuch');
  assert.not.ok(missing.ok);
  if (!missing.ok) assert.is(missing.error.code, 'io');
  const fmt = variant('fmt16', header.replaceAll(' 212 ', ' 16 '), dat);
  assert.not.ok(fmt.ok);
  if (!fmt.ok) assert.is(fmt.error.code, 'unsupported');
});

test('annotations: round trip with SKIP for long gaps and AUX text; NUM/SUB/CHN applied', () => {
  const anns = [
    { sample: 18, code: 28, aux: '(N' }, // rhythm change
    { sample: 370, code: 1 },
    { sample: 700, code: 5 },
    { sample: 700 + 200000, code: 1 }, // needs SKIP (gap > 1023)
    { sample: 700 + 200300, code: 14 }, // noise '~', not a beat
  ];
  const bytes = encodeAnnotations(anns);
  const r = decodeAnnotations(bytes);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.map((a) => [a.sample, a.symbol, a.aux]), [
    [18, '+', '(N'], [370, 'N', undefined], [700, 'V', undefined], [200700, 'N', undefined], [201000, '~', undefined],
  ]);
  assert.equal(r.value.filter(isBeat).map((a) => a.symbol), ['N', 'V', 'N']);
  // Hand-made stream: N at 5, then SUB=3, CHN=1, NUM=2 modifying it; V at 7 keeps chan and num.
  const w = [(1 << 10) | 5, (61 << 10) | 3, (62 << 10) | 1, (60 << 10) | 2, (5 << 10) | 2, 0];
  const r2 = decodeAnnotations(Uint8Array.from(w.flatMap((x) => [x & 0xff, x >> 8])));
  assert.ok(r2.ok);
  if (r2.ok) {
    assert.equal(r2.value.map((a) => [a.sample, a.symbol, a.subtype, a.channel, a.num]), [[5, 'N', 3, 1, 2], [7, 'V', 0, 1, 2]]);
  }
});

test('annotations: truncated and malformed streams give typed errors', () => {
  const bytes = encodeAnnotations([{ sample: 5000, code: 1 }, { sample: 5001, code: 1, aux: 'hello' }]);
  for (const cut of [1, 3, 5, bytes.length - 5]) {
    const r = decodeAnnotations(bytes.subarray(0, cut));
    assert.not.ok(r.ok, `cut ${cut}`);
    if (!r.ok) assert.is(r.error.code, 'truncated');
  }
  const r = decodeAnnotations(Uint8Array.from([3, 0x00])); // code 0 with an interval
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error.code, 'annotation-syntax');
});

const dir = mitdbDir();
if (!dir) {
  console.log('SKIP MIT-BIH checks: no ../shared/data/mitdb (set BSN_MITDB_DIR)');
} else {
  test('MIT-BIH 100 and 114: headers, checksums, MLII selection, annotation counts', () => {
    const r100 = readRecord(dir, '100');
    assert.ok(r100.ok, r100.ok ? '' : r100.error.message);
    if (!r100.ok) return;
    assert.is(r100.value.header.samplingFrequencyHz, 360);
    assert.is(r100.value.signals[0]!.length, 650000);
    assert.is(r100.value.signals[0]![0], 995);
    assert.is(findSignal(r100.value.header, 'MLII'), 0);
    const r114 = readRecord(dir, '114');
    assert.ok(r114.ok);
    if (r114.ok) assert.is(findSignal(r114.value.header, 'MLII'), 1);
    const a = readAnnotations(dir, '100');
    assert.ok(a.ok);
    if (a.ok) {
      const beats = a.value.filter(isBeat);
      assert.is(beats.length, 2273);
      assert.is(beats.filter((b) => b.symbol === 'A').length, 33);
      assert.is(a.value[0]!.aux, '(N');
    }
  });
}

test.run();
