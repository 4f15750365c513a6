// One 16-cell LCD line for the stress reading, for the display rotation (the lead decides where):
//   "Stress normal 48"  "Stress high   81"  "Stress low    12"  "Stress --"
//   "Stress: GSR off"   "Stress: no accel"  ...  (a fault says which sensor, never a level)
import type { StressFault, StressReading } from './monitor.ts';

const FAULT_TEXT: Record<StressFault, string> = {
  settling: 'Stress --',
  accelerometer: 'Stress: no accel',
  adc: 'Stress: ADC err',
  'gsr-no-contact': 'Stress: GSR off',
  'gsr-saturated': 'Stress: GSR shrt',
  'gsr-out-of-range': 'Stress: GSR err',
  'skin-temp-sensor': 'Stress: skin T?',
};

export function stressLcdLine(r: StressReading): string {
  const text = r.kind === 'ok' ? `Stress ${r.assessment.level.padEnd(6)}${String(Math.round(r.assessment.score)).padStart(3)}` : FAULT_TEXT[r.fault];
  return text.slice(0, 16).padEnd(16);
}
