// The modem UART through the board's own serial passthrough: Firmata SERIAL messages (0x60 sysex,
// StandardFirmataPlus 2.5 or later) drive a SoftwareSerial port on two Uno pins. StandardFirmata
// 2.4 (the build on most boards) has no serial support; the board target only offers this when
// the capability response lists pins with the SERIAL mode.
import type { SerialFraming, SerialLineError, SerialPort } from '../serial.ts';
import type { FirmataIo } from './firmata-io.ts';

export class FirmataSerialPort implements SerialPort {
  private open_ = false;
  private readonly dataListeners = new Set<(bytes: Uint8Array) => void>();
  private readonly errorListeners = new Set<(error: SerialLineError) => void>();

  constructor(private readonly io: FirmataIo, private readonly pins: { rx: number; tx: number }) {}

  get isOpen(): boolean {
    return this.open_;
  }

  open(baud: number, framing?: SerialFraming): Promise<void> {
    if (framing && (framing.dataBits !== 8 || framing.parity !== 'none' || framing.stopBits !== 1)) {
      return Promise.reject(new RangeError('Firmata serial passthrough supports 8N1 only'));
    }
    const portId = this.io.SERIAL_PORT_IDs.SW_SERIAL0;
    this.io.serialConfig({ portId, baud, rxPin: this.pins.rx, txPin: this.pins.tx });
    this.io.serialRead(portId, (bytes) => {
      const chunk = Uint8Array.from(bytes);
      for (const l of this.dataListeners) l(chunk);
    });
    this.open_ = true;
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.open_) this.io.serialClose(this.io.SERIAL_PORT_IDs.SW_SERIAL0);
    this.open_ = false;
    return Promise.resolve();
  }

  write(bytes: Uint8Array): void {
    if (!this.open_) throw new Error('Firmata serial port is not open');
    this.io.serialWrite(this.io.SERIAL_PORT_IDs.SW_SERIAL0, Array.from(bytes));
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  /** Firmata passes no line errors back; listeners are kept for the interface. */
  onError(listener: (error: SerialLineError) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }
}
