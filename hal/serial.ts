// A UART as firmware sees it: bytes in, bytes out, and line errors as events rather than
// exceptions, because a noisy RS232 line is normal operation, not a bug.

export type Parity = 'none' | 'even' | 'odd';

export interface SerialFraming {
  dataBits: 7 | 8;
  parity: Parity;
  stopBits: 1 | 2;
}

export const FRAMING_8N1: SerialFraming = { dataBits: 8, parity: 'none', stopBits: 1 };

export type SerialLineErrorKind = 'framing' | 'parity' | 'overrun' | 'break';

export interface SerialLineError {
  kind: SerialLineErrorKind;
  /** When it happened, in the board clock's milliseconds. */
  at: number;
}

export interface SerialPort {
  open(baud: number, framing?: SerialFraming): Promise<void>;
  close(): Promise<void>;
  readonly isOpen: boolean;
  write(bytes: Uint8Array): void;
  /** Subscribe to received bytes; returns an unsubscribe function. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
  /** Subscribe to line errors (framing, parity, overrun, break). */
  onError(listener: (error: SerialLineError) => void): () => void;
}
