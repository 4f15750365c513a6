// A hal SerialPort over a real serial device (or pty) through the `serialport` package: the board
// target for the modem link on a PC. Firmware never imports this; the CLI and tests hand it in.
import { SerialPort as NodeSerialPort } from 'serialport';
import { FRAMING_8N1, type SerialFraming, type SerialLineError, type SerialPort } from '../serial.ts';

export type SerialOpenFailure = 'missing' | 'busy' | 'permission' | 'other';

/** The port could not be opened; `reason` says why in terms a user can act on. */
export class SerialOpenError extends Error {
  override readonly name = 'SerialOpenError';
  constructor(readonly path: string, readonly reason: SerialOpenFailure, detail: string) {
    super(
      reason === 'missing'
        ? `serial port ${path} does not exist`
        : reason === 'busy'
          ? `serial port ${path} is in use by another program`
          : reason === 'permission'
            ? `no permission to open ${path} (add yourself to the dialout group?)`
            : `cannot open ${path}: ${detail}`,
    );
  }
}

/** Sorts serialport's open errors into what a user can act on (also used for the Firmata board port). */
export function classifyOpenError(message: string): SerialOpenFailure {
  if (/ENOENT|No such file|cannot find/i.test(message)) return 'missing';
  if (/lock|EBUSY|busy|Resource temporarily unavailable|EAGAIN/i.test(message)) return 'busy';
  if (/EACCES|Permission denied|Access denied/i.test(message)) return 'permission';
  return 'other';
}

export class NodeSerial implements SerialPort {
  private port: NodeSerialPort | undefined;
  private readonly dataListeners = new Set<(b: Uint8Array) => void>();
  private readonly errorListeners = new Set<(e: SerialLineError) => void>();

  constructor(readonly path: string, private readonly now: () => number = () => performance.now()) {}

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  async open(baud: number, framing: SerialFraming = FRAMING_8N1): Promise<void> {
    if (this.isOpen) return;
    const port = new NodeSerialPort({
      path: this.path,
      baudRate: baud,
      dataBits: framing.dataBits,
      parity: framing.parity,
      stopBits: framing.stopBits,
      autoOpen: false,
      lock: true,
    });
    await new Promise<void>((resolve, reject) => {
      port.open((err) => (err ? reject(new SerialOpenError(this.path, classifyOpenError(err.message), err.message)) : resolve()));
    });
    port.on('data', (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      for (const l of [...this.dataListeners]) l(bytes);
    });
    // The OS driver reports line errors only as corrupted or missing bytes; a port-level error
    // (device unplugged) is passed on as a break so the firmware sees the line is gone.
    port.on('error', () => {
      for (const l of [...this.errorListeners]) l({ kind: 'break', at: this.now() });
    });
    this.port = port;
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  write(bytes: Uint8Array): void {
    this.port?.write(Buffer.from(bytes));
  }

  /** Resolves when everything written so far has been handed to the OS. */
  drain(): Promise<void> {
    const port = this.port;
    if (!port) return Promise.resolve();
    return new Promise((resolve) => port.drain(() => resolve()));
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.dataListeners.add(listener);
    return () => void this.dataListeners.delete(listener);
  }

  onError(listener: (error: SerialLineError) => void): () => void {
    this.errorListeners.add(listener);
    return () => void this.errorListeners.delete(listener);
  }
}
