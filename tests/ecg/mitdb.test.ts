// The detector on the 23 MIT-BIH development records: gross Se and +P at least 99.5 % at the
// native 360 Hz and after resampling to 250 and 100 Hz (beat-by-beat, 150 ms, from 5 min).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { detectBeats, resample } from '../../cli/commands/eval-qrs.ts';
import { isBeat } from '../../sim/wfdb/annotations.ts';
import { findSignal, readAnnotations, readRecord } from '../../sim/wfdb/record.ts';
import { grossScore, scoreBeats, type BeatScore } from '../../sim/wfdb/scorer.ts';
import { mitdbDir } from '../wfdb/mitdb-path.ts';

const RECORDS = ['100', '101', '102', '103', '104', '105', '106', '107', '108', '109', '111', '112', '113', '114', '115', '116', '117', '118', '119', '121', '122', '123', '124'];
const dir = mitdbDir();

if (!dir) {
  console.log('SKIP MIT-BIH detector evaluation: no ../shared/data/mitdb (set BSN_MITDB_DIR)');
} else {
  const data = RECORDS.map((r) => {
    const rec = readRecord(dir, r);
    const ann = readAnnotations(dir, r);
    if (!rec.ok) throw rec.error;
    if (!ann.ok) throw ann.error;
    const sig = findSignal(rec.value.header, 'MLII') ?? 0;
    return { r, x: rec.value.signals[sig]!, ref: ann.value.filter(isBeat).map((a) => a.sample) };
  });

  const evaluate = (fs: number): { gross: BeatScore; per: Array<BeatScore & { r: string }>; ms: number } => {
    let ms = 0;
    const per = data.map(({ r, x, ref }) => {
      const y = resample(x, 360, fs);
      const t0 = performance.now();
      const det = detectBeats(y, fs);
      ms += performance.now() - t0;
      return { r, ...scoreBeats(ref.map((s) => (s * fs) / 360), det, { samplingFrequencyHz: fs }) };
    });
    return { gross: grossScore(per), per, ms };
  };

  for (const fs of [360, 250, 100]) {
    test(`gross Se and +P >= 99.5 % on 23 MIT-BIH records at ${fs} Hz`, () => {
      const { gross, per, ms } = evaluate(fs);
      const pct = (v: number) => (100 * v).toFixed(2);
      console.log(`${fs} Hz: TP ${gross.truePositives} FP ${gross.falsePositives} FN ${gross.falseNegatives} Se ${pct(gross.sensitivity)} % +P ${pct(gross.positivePredictivity)} % (detector ${ms.toFixed(0)} ms)`);
      assert.ok(gross.sensitivity >= 0.995, `Se ${pct(gross.sensitivity)} %`);
      assert.ok(gross.positivePredictivity >= 0.995, `+P ${pct(gross.positivePredictivity)} %`);
      // No record may collapse (the gross figure could hide one).
      for (const p of per) assert.ok(p.sensitivity >= 0.98 && p.positivePredictivity >= 0.95, `record ${p.r}: Se ${pct(p.sensitivity)} +P ${pct(p.positivePredictivity)}`);
      // Reference beats scored: all beats from 5 min on.
      assert.ok(gross.truePositives + gross.falseNegatives > 39_000);
    });
  }
}

test.run();
