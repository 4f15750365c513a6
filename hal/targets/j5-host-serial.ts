// The modem UART as a host serial port (a USB-RS232 adapter into the MAX232 side of the modem
// board) for the hardware target: hal SerialPort over the serialport package.
// (The modem work has an equivalent hal/targets/node-serial.ts; this one keeps `bsn-care run`
// independent of it until both are merged.)
import type { SerialPort as NodeSerialPort } from 'serialport';
import { FRAMING_8N1, type SerialFraming, type SerialLineError, type SerialPort } from '../serial.ts';
import { openSerialStream } from './firmata-transport.ts';

export class J5HostSerial implements SerialPort {
  private port: NodeSerialPort | null = null;
  private readonly dataListeners = new Set<(bytes: Uint8Array) => void>();
  private readonly errorListeners = new Set<(error: SerialLineError) => void>();

  constructor(readonly path: string) {}

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  async open(baud: number, framing: SerialFraming = FRAMING_8N1): Promise<void> {
    if (framing.dataBits !== 8 || framing.parity !== 'none' || framing.stopBits !== 1) {
      throw new RangeError('the modem link runs 8N1');
    }
    if (this.isOpen) return;
    const port = await openSerialStream(this.path, baud);
    port.on('data', (chunk: Buffer) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      for (const l of [...this.dataListeners]) l(bytes);
    });
    this.port = port;
  }

  close(): Promise<void> {
    const p = this.port;
    this.port = null;
    if (!p || !p.isOpen) return Promise.resolve();
    return new Promise((resolve) => p.close(() => resolve()));
  }

  write(bytes: Uint8Array): void {
    if (!this.port) throw new Error(`${this.path} is not open`);
    this.port.write(Buffer.from(bytes));
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  /** The OS reports line errors only as damaged bytes; kept for the interface. */
  onError(listener: (error: SerialLineError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }
}
