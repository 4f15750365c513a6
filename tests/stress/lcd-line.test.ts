// The stress LCD line: 16 cells, level and score, faults named.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stressLcdLine } from '../../firmware/stress/lcd-line.ts';
import type { StressReading } from '../../firmware/stress/monitor.ts';

const ok = (level: 'low' | 'normal' | 'high', score: number): StressReading => ({
  kind: 'ok',
  assessment: { level, score, strengths: { low: 0, normal: 0, high: 0 } },
  features: { stepsPerMin: 0, sweat: 10, skinTempF: 90 },
  measuredStepsPerMin: 0,
  skinConductanceUs: 1,
  skinTempC: 32,
  at: 0,
});

test('levels and scores fit 16 cells', () => {
  assert.is(stressLcdLine(ok('normal', 49.6)), 'Stress normal 50');
  assert.is(stressLcdLine(ok('high', 81.2)), 'Stress high   81');
  assert.is(stressLcdLine(ok('low', 5)), 'Stress low     5');
  assert.is(stressLcdLine(ok('high', 100)), 'Stress high  100');
});

test('faults name the sensor and show no level', () => {
  for (const fault of ['settling', 'accelerometer', 'adc', 'gsr-no-contact', 'gsr-saturated', 'gsr-out-of-range', 'skin-temp-sensor'] as const) {
    const line = stressLcdLine({ kind: 'fault', fault, at: 0 });
    assert.is(line.length, 16);
    assert.not.match(line, /low|normal|high/);
  }
  assert.is(stressLcdLine({ kind: 'fault', fault: 'gsr-no-contact', at: 0 }), 'Stress: GSR off ');
});

test.run();
