/** An I2C bus master with 7-bit addresses. */
export interface I2cBus {
  /**
   * Writes `bytes` to `address` in one transaction. Returns false when the target did not
   * acknowledge; a board that cannot observe acknowledgements (Firmata) returns true.
   */
  write(address: number, bytes: Uint8Array): boolean;
  /** Reads `length` bytes from `address`. Rejects with I2cError on no acknowledgement. */
  read(address: number, length: number): Promise<Uint8Array>;
}

export class I2cError extends Error {
  override readonly name = 'I2cError';
  constructor(readonly address: number, message: string) {
    super(message);
  }
}
