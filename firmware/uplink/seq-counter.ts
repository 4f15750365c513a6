// The upload sequence counter in EEPROM: the highest sequence number ever assigned to a reading.
// It is written once per batch (not per reading), round-robin over a ring of 32 entries so that
// each cell sees 1/32 of the writes (ATmega328P EEPROM: 100,000 cycles per cell). Each entry
// carries a check, so a torn write is ignored and the previous entry's value stands. The queue in
// flash keeps its own copy (batch marks); the counter is the floor that keeps sequence numbers
// rising if the flash is ever blank (a server de-duplicates by sequence number, so a reused
// number would silently drop a reading).
import type { NonVolatileStore } from '../../hal/storage.ts';
import { H, readU32be, u32be } from '../../protocol/bytes.ts';

export const SEQ_RING_OFFSET = 0x0c0;
export const SEQ_RING_ENTRIES = 32;
export const SEQ_ENTRY_BYTES = 8;

function check(value: number): Uint8Array {
  return H(Uint8Array.of(0x53), u32be(value)).subarray(0, 4);
}

export class SeqCounter {
  private value = 0;
  private slot = -1;

  constructor(private readonly eeprom: NonVolatileStore) {
    const ring = eeprom.read(SEQ_RING_OFFSET, SEQ_RING_ENTRIES * SEQ_ENTRY_BYTES);
    for (let i = 0; i < SEQ_RING_ENTRIES; i++) {
      const o = i * SEQ_ENTRY_BYTES;
      const v = readU32be(ring, o);
      const c = check(v);
      if (c[0] === ring[o + 4] && c[1] === ring[o + 5] && c[2] === ring[o + 6] && c[3] === ring[o + 7] && v >= this.value && (v > this.value || this.slot < 0)) {
        this.value = v;
        this.slot = i;
      }
    }
  }

  /** Highest sequence number recorded as assigned (0 = none). */
  get assigned(): number {
    return this.value;
  }

  /** Records that every sequence number up to `value` is assigned; never moves backwards. */
  record(value: number): void {
    if (value <= this.value) return;
    const e = new Uint8Array(SEQ_ENTRY_BYTES);
    e.set(u32be(value), 0);
    e.set(check(value), 4);
    this.slot = (this.slot + 1) % SEQ_RING_ENTRIES;
    this.eeprom.write(SEQ_RING_OFFSET + this.slot * SEQ_ENTRY_BYTES, e);
    this.value = value;
  }
}
