/**
 * Non-volatile memory (EEPROM or serial flash): contents survive a power cycle. Reads and writes
 * are synchronous, as they are on a microcontroller.
 */
export interface NonVolatileStore {
  /** Capacity in bytes. */
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
  write(offset: number, bytes: Uint8Array): void;
}

export class StorageRangeError extends RangeError {
  override readonly name = 'StorageRangeError';
}

export function checkRange(store: Pick<NonVolatileStore, 'size'>, offset: number, length: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > store.size) {
    throw new StorageRangeError(`range ${offset}+${length} outside store of ${store.size} bytes`);
  }
}
