// Connects the sensing application to the uplink and the fallback: one summary per period from
// the device's snapshot, every alarm change as an event (uploaded at once), and the most severe
// critical alarm to the fallback. Works with any device that has onEvent() and snapshot()
// (firmware/sensing/device.ts SensingDevice).
import type { AlarmChange } from '../../protocol/readings.ts';
import type { Fallback } from './fallback.ts';
import type { Uplink } from './uplink.ts';
import { alarmReading, criticalOf, snapshotSource, type AlarmLike, type SnapshotLike } from './vitals-summary.ts';
import type { VitalsSource } from './uplink.ts';

export interface DeviceLike {
  snapshot(): SnapshotLike;
  onEvent(listener: (e: { kind: string; change?: AlarmChange; alarm?: AlarmLike; atMs: number }) => void): unknown;
}

/** The VitalsSource for the Uplink: a summary of the device's current snapshot. */
export function deviceVitals(device: Pick<DeviceLike, 'snapshot'>, toEpoch: (boardMs: number) => number): VitalsSource {
  return snapshotSource(() => device.snapshot(), toEpoch);
}

/** Forwards alarm changes to the uplink (as events) and the critical state to the fallback. */
export function linkDevice(device: DeviceLike, uplink: Uplink, fallback: Fallback | null, toEpoch: (boardMs: number) => number): void {
  device.onEvent((e) => {
    if (e.kind !== 'alarm' || !e.change || !e.alarm) return;
    uplink.event([alarmReading(e.change, e.alarm, toEpoch(e.atMs))]);
    fallback?.setCritical(criticalOf(device.snapshot()));
  });
  if (fallback) uplink.onContact((ok) => fallback.serverContact(ok));
}
