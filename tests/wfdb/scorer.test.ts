// The bxb-style beat scorer on constructed reference/detection sequences.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { grossScore, scoreBeats } from '../../sim/wfdb/scorer.ts';

const fs = 100; // 150 ms = 15 samples
const opts = { samplingFrequencyHz: fs, scoringStartS: 0 };

test('exact and near matches count, beyond 150 ms they do not', () => {
  const s = scoreBeats([100, 200, 300, 400], [100, 214, 316, 390], opts);
  // 316 is 16 samples (160 ms) from 300: a miss and a false positive.
  assert.equal([s.truePositives, s.falsePositives, s.falseNegatives], [3, 1, 1]);
  assert.is(s.sensitivity, 0.75);
  assert.is(s.positivePredictivity, 0.75);
});

test('each reference beat matches one detection; a double detection is a false positive', () => {
  const s = scoreBeats([100, 200], [98, 103, 200], opts);
  assert.equal([s.truePositives, s.falsePositives, s.falseNegatives], [2, 1, 0]);
});

test('a detection between two close beats goes to the nearer one, the other is missed', () => {
  const s = scoreBeats([100, 120], [118], opts);
  assert.equal([s.truePositives, s.falsePositives, s.falseNegatives], [1, 0, 1]);
});

test('scoring starts 5 minutes in: earlier misses and false detections do not count', () => {
  const start = 300 * fs;
  const ref = [start - 500, start - 100, start + 100, start + 500];
  const det = [start - 300, start + 101, start + 700];
  const s = scoreBeats(ref, det, { samplingFrequencyHz: fs });
  assert.equal([s.truePositives, s.falsePositives, s.falseNegatives], [1, 1, 1]);
});

test('gross sums counts, not percentages', () => {
  const g = grossScore([scoreBeats([10, 20, 30, 40], [10, 20, 30, 40], opts), scoreBeats([10, 50], [10], opts)]);
  assert.equal([g.truePositives, g.falsePositives, g.falseNegatives], [5, 0, 1]);
  assert.is(g.sensitivity, 5 / 6);
});

test.run();
