// An LPU uplink stack on the virtual clock: EEPROM and flash (file-backed when paths are given, so
// a "power cycle" is a new stack on the same files), the credential, the queue, a session over a
// transport, and a vitals source that makes one summary per call.
import { VirtualClock } from '../../sim/clock.ts';
import { PersistentMemory, SERIAL_FLASH_BYTES, UNO_EEPROM_BYTES } from '../../sim/eeprom.ts';
import { FlashQueue, type QueuedReading } from '../../firmware/uplink/queue.ts';
import { SeqCounter } from '../../firmware/uplink/seq-counter.ts';
import { UplinkSession } from '../../firmware/uplink/session.ts';
import { Uplink, type UplinkOptions, type VitalsSource } from '../../firmware/uplink/uplink.ts';
import type { CellSource, RegistrationWatch, UplinkTransport } from '../../firmware/uplink/transport.ts';
import type { CredentialStores } from '../../firmware/uplink/credential-store.ts';
import type { RandomSource } from '../../protocol/random.ts';
import type { LocationAreaId } from '../../protocol/lai.ts';

export const EPOCH0 = 1_790_000_000_000;

/** Summary i carries heart rate 60 + i % 50 and the time it was taken: easy to check on the server. */
export class CountingVitals implements VitalsSource {
  taken = 0;
  summary(epochMs: number): QueuedReading[] {
    const i = this.taken++;
    return [
      { kind: 'heart-rate', heartRateBpm: 60 + (i % 50), measuredAt: epochMs },
      { kind: 'temperature', tempC: 36.8, measuredAt: epochMs },
      { kind: 'rhythm', rhythm: 'sinus', measuredAt: epochMs },
    ];
  }
}

export function fixedCell(lai: LocationAreaId): CellSource {
  return { servingCell: async () => ({ lai, cellId: 0xc3 }) };
}

export interface StackParts {
  clock: VirtualClock;
  nv: CredentialStores & { eeprom: PersistentMemory; flash: PersistentMemory };
  transport: UplinkTransport;
  cell: CellSource;
  random: RandomSource;
  vitals?: VitalsSource;
  options?: UplinkOptions;
  /** The modem's registration reports (the SIM800 adapter); none for a direct transport. */
  network?: RegistrationWatch;
}

export function memories(paths?: { eeprom: string; flash: string }) {
  return { eeprom: new PersistentMemory(UNO_EEPROM_BYTES, paths?.eeprom), flash: new PersistentMemory(SERIAL_FLASH_BYTES, paths?.flash) };
}

export function makeStack(p: StackParts) {
  const seq = new SeqCounter(p.nv.eeprom);
  const queue = new FlashQueue(p.nv.flash, { seqFloor: seq.assigned });
  const session = new UplinkSession({ transport: p.transport, cell: p.cell, nv: p.nv, random: p.random });
  const uplink = new Uplink({ scheduler: p.clock, queue, seq, session, random: p.random, ...(p.vitals ? { vitals: p.vitals } : {}), ...(p.network ? { network: p.network } : {}) }, { epochMs: (t) => EPOCH0 + Math.round(t), ...p.options });
  return { seq, queue, session, uplink };
}
