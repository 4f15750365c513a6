// Non-volatile memories of the virtual Uno: the ATmega328P's 1 KiB EEPROM and a serial flash chip
// for the store-and-forward queue. Both erase to 0xFF, like the real parts. With a file path the
// contents persist across simulated power cycles: a new Uno on the same file sees the data.
//
// Durability: every write() goes to the file immediately and synchronously (positional
// fs.writeSync of just the written bytes), so nothing is lost if the process stops without a
// power-off; close() (power-off) only releases the file. No fsync: surviving a simulated power
// cycle needs the OS page cache, not the disk platter.
import { closeSync, fstatSync, openSync, readSync, writeSync, ftruncateSync } from 'node:fs';
import { checkRange, type NonVolatileStore } from '../hal/storage.ts';

export const UNO_EEPROM_BYTES = 1024;
export const SERIAL_FLASH_BYTES = 4 * 1024 * 1024;
export const ERASED_BYTE = 0xff;
/** ATmega328P datasheet: 100,000 write/erase cycles per EEPROM cell. */
export const EEPROM_ENDURANCE_CYCLES = 100_000;

export class PersistentMemory implements NonVolatileStore {
  private memory: Uint8Array | null = null;
  private fd: number | null = null;
  /** Writes per byte, to show wear (an EEPROM cell is good for ~100k); allocated on first write. */
  private writes: Uint32Array | null = null;

  constructor(readonly size: number, readonly path?: string) {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`store size must be a positive integer, got ${size}`);
    if (path !== undefined) {
      const fd = openSync(path, 'a+');
      closeSync(fd);
      this.fd = openSync(path, 'r+');
      const have = fstatSync(this.fd).size;
      if (have > 0) readSync(this.fd, this.mem, 0, Math.min(have, size), 0);
      if (have !== size) {
        // A new (or resized) file starts erased beyond what it held.
        ftruncateSync(this.fd, size);
        if (size > have) writeSync(this.fd, this.mem, have, size - have, have);
      }
    }
  }

  /** The contents, allocated (erased) on first use: a 4 MiB flash costs nothing until touched. */
  private get mem(): Uint8Array {
    return (this.memory ??= new Uint8Array(this.size).fill(ERASED_BYTE));
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(this, offset, length);
    return this.mem.slice(offset, offset + length);
  }

  write(offset: number, bytes: Uint8Array): void {
    checkRange(this, offset, bytes.length);
    if (this.path !== undefined && this.fd === null) throw new Error(`store ${this.path} is powered off`);
    this.mem.set(bytes, offset);
    const w = (this.writes ??= new Uint32Array(this.size));
    for (let i = 0; i < bytes.length; i++) w[offset + i]!++;
    if (this.fd !== null) writeSync(this.fd, this.mem, offset, bytes.length, offset);
  }

  /** Most writes any one byte has had. */
  get maxWritesPerByte(): number {
    let m = 0;
    for (const w of this.writes ?? []) if (w > m) m = w;
    return m;
  }

  /** Power-off: releases the file. Reads still work; writes throw. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
