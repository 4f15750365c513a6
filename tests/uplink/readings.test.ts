// protocol/readings.ts extensions: alarm and escalation kinds, firmware fault codes; the
// encodings that existed before are byte-for-byte unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBatch, decodeReadings, encodeBatch, encodeReadings, FAULTS, type BatchItem } from '../../protocol/readings.ts';

test('format-1 encodings of the original kinds are unchanged', () => {
  const b = encodeReadings([
    { seq: 1, measuredAt: 1000, kind: 'heart-rate', heartRateBpm: 72.5 },
    { seq: 2, measuredAt: 1000, kind: 'fault', sensor: 'cuff', fault: 'cuff-leak' },
  ]);
  assert.equal([...b], [1, 1, 2, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0x03, 0xe8, 2, 0x02, 0xd5, 0, 0, 0, 2, 6, 0, 0, 0, 0, 0, 0, 0x03, 0xe8, 2, 3, 1]);
  assert.equal(FAULTS.slice(0, 5), ['lead-off', 'cuff-leak', 'adc-saturated', 'no-signal', 'out-of-range']);
});

test('alarm, escalation and the new fault codes round-trip; unknown codes are typed errors', () => {
  const rs: BatchItem[] = [
    { seq: 7, measuredAt: 5, kind: 'alarm', condition: 'asystole', level: 'critical', change: 'raised' },
    { seq: 8, measuredAt: 6, kind: 'escalation', contact: 'emergency', channel: 'call', outcome: 'answered' },
    { seq: 9, measuredAt: 7, kind: 'fault', sensor: 'cuff', fault: 'pump-fault' },
  ];
  const b = encodeBatch(rs);
  const d = decodeBatch(b);
  assert.ok(d.ok);
  assert.equal(d.ok && d.value, rs);
  // the measurements-only decoder (what the FHIR code takes) refuses events, as before they existed
  const m = decodeReadings(b);
  assert.is(!m.ok && m.error.code, 'bad-kind');
  const badLevel = b.slice();
  badLevel[3 + 14 + 1] = 9; // the alarm's level byte
  const r = decodeBatch(badLevel);
  assert.is(!r.ok && r.error.code, 'bad-value');
  const badKind = b.slice();
  badKind[3 + 4] = 0x7f; // no such kind (9 is stress since issue 8)
  const k = decodeBatch(badKind);
  assert.is(!k.ok && k.error.code, 'bad-kind');
});

test.run();
