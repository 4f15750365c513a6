// Test helpers: a store that loses power part-way through a write, and readings factories.
import type { NonVolatileStore } from '../../hal/storage.ts';
import { PersistentMemory } from '../../sim/eeprom.ts';
import type { QueuedReading } from '../../firmware/uplink/queue.ts';

export class PowerCut extends Error {
  override readonly name = 'PowerCut';
}

/** Wraps a store: after `budget` more bytes, a write stops half-way and throws PowerCut. */
export class CuttableStore implements NonVolatileStore {
  budget = Number.POSITIVE_INFINITY;
  written = 0;
  constructor(readonly inner: NonVolatileStore) {}
  get size(): number {
    return this.inner.size;
  }
  read(offset: number, length: number): Uint8Array {
    return this.inner.read(offset, length);
  }
  write(offset: number, bytes: Uint8Array): void {
    if (bytes.length > this.budget) {
      const part = Math.max(0, Math.floor(this.budget));
      if (part > 0) this.inner.write(offset, bytes.subarray(0, part));
      this.written += part;
      this.budget = 0;
      throw new PowerCut(`power lost after ${part} of ${bytes.length} bytes`);
    }
    this.inner.write(offset, bytes);
    this.budget -= bytes.length;
    this.written += bytes.length;
  }
}

export function memory(size: number): PersistentMemory {
  return new PersistentMemory(size);
}

/** A 5 s vitals summary as the uplink queues it (heart rate, temperature, BP, rhythm). */
export function summary(i: number, t0 = 1_700_000_000_000): QueuedReading[] {
  const at = t0 + i * 5000;
  return [
    { kind: 'heart-rate', heartRateBpm: 60 + (i % 40), measuredAt: at },
    { kind: 'temperature', tempC: 36.5 + (i % 10) / 10, measuredAt: at },
    { kind: 'blood-pressure', systolicMmHg: 110 + (i % 20), diastolicMmHg: 75, measuredAt: at },
    { kind: 'rhythm', rhythm: 'sinus', measuredAt: at },
  ];
}

export function alarm(i: number, t0 = 1_700_000_000_000): QueuedReading[] {
  return [{ kind: 'alarm', condition: 'hypertension', level: 'severe', change: 'raised', measuredAt: t0 + i * 5000 + 1 }];
}
