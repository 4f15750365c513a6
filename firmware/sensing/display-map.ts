// The vitals snapshot as the LCD's display model. Faults become the display's fault screens and
// hide the value they concern; values become numbers. Alarms: severe and critical ones pre-empt
// the screen rotation for as long as they last (the display shows "CRITICAL ALARM"); mild and
// moderate ones take the screen for MILD_SHOW_MS out of every MILD_CYCLE_MS, so the carer still
// sees the vitals between them (a BP of 125 must not hide the heart rate for an hour).
import type { DisplayFault, DisplayModel } from '../display/model.ts';
import type { VitalFault, VitalsSnapshot } from '../vitals.ts';
import { levelRank } from '../vitals.ts';

export const MILD_SHOW_MS = 3_000;
export const MILD_CYCLE_MS = 12_000;

export const OFFLINE_NETWORK: DisplayModel['network'] = { registered: false, signalBars: 0, gprs: false, server: 'offline', queued: 0 };

const ECG_FAULT: Partial<Record<VitalFault, DisplayFault>> = { 'lead-off': 'lead-off', saturated: 'adc-saturated', noisy: 'sensor-fault', flat: 'sensor-fault' };
const BP_FAULT: Partial<Record<VitalFault, DisplayFault>> = {
  'cuff-leak': 'cuff-leak',
  overpressure: 'cuff-overpressure',
  'pump-fault': 'cuff-overpressure',
  'sensor-fault': 'sensor-fault',
};

/** Fills `out` (reused between calls) from the snapshot. */
export function toDisplayModel(s: VitalsSnapshot, network: DisplayModel['network'], out: DisplayModel = { faults: [], network }): DisplayModel {
  const faults: DisplayFault[] = [];
  out.heartRateBpm = undefined;
  out.pulseRateBpm = undefined;
  out.tempC = undefined;
  out.bp = undefined;
  out.alarm = undefined;
  if (s.ecg.kind === 'value') out.heartRateBpm = s.ecg.heartRateBpm;
  else if (s.ecg.kind === 'fault') faults.push(ECG_FAULT[s.ecg.fault] ?? 'sensor-fault');
  if (s.pulse.kind === 'value') out.pulseRateBpm = s.pulse.pulseRateBpm;
  else if (s.pulse.kind === 'fault') faults.push('ppg-no-signal');
  if (s.temperature.kind === 'value') out.tempC = s.temperature.tempC;
  else if (s.temperature.kind === 'fault') faults.push('temp-sensor');
  const bp = s.bloodPressure;
  if (bp.kind === 'value') out.bp = { systolicMmHg: bp.systolicMmHg, diastolicMmHg: bp.diastolicMmHg, ageMs: s.atMs - bp.atMs };
  else if (bp.kind === 'fault') {
    // A failed determination that is not the hardware's fault (no oscillations, motion,
    // timeout) just leaves the BP as "--/--".
    const f = BP_FAULT[bp.fault];
    if (f) faults.push(f);
  }
  out.faults = faults;
  out.network = network;
  const top = s.alarms[0];
  if (top) {
    const serious = levelRank(top.level) >= levelRank('severe');
    if (serious) out.alarm = { condition: top.condition, severity: 'critical' };
    else if ((s.atMs - top.sinceMs) % MILD_CYCLE_MS < MILD_SHOW_MS) out.alarm = { condition: top.condition, severity: 'mild' };
  }
  return out;
}
