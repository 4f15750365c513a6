// Human-readable one-line summaries of readings, with units, for notifications.
import type { Reading } from '../protocol/readings.ts';

export function describeReading(r: Reading): string {
  switch (r.kind) {
    case 'heart-rate': return `heart rate ${r.heartRateBpm} bpm`;
    case 'temperature': return `temperature ${r.tempC.toFixed(1)} °C`;
    case 'blood-pressure': return `blood pressure ${r.systolicMmHg}/${r.diastolicMmHg} mmHg`;
    case 'rhythm': return `rhythm ${r.rhythm}`;
    case 'spo2': return `SpO2 ${r.spo2Percent} %`;
    case 'fault': return `${r.sensor} sensor fault: ${r.fault}`;
    case 'stress': return `stress level ${r.level} (score ${r.score}/100)`;
  }
}
