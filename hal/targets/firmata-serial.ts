// The modem UART through the board's own serial passthrough: Firmata SERIAL messages (0x60 sysex,
// StandardFirmataPlus 2.5 or later) drive a SoftwareSerial port on two Uno pins. StandardFirmata
// 2.4 (the build on most boards) has no serial support; the board target offers this for
// StandardFirmataPlus 2.5+ or when the capability response lists pins with the SERIAL mode.
import type { Scheduler, TimerHandle } from '../clock.ts';
import type { SerialFraming, SerialLineError, SerialPort } from '../serial.ts';
import type { FirmataIo } from './firmata-io.ts';

/**
 * Longest burst to ask of the modem (the SIM800 driver's readChunkBytes): SoftwareSerial's receive
 * interrupt takes most of each character time at 9600 baud, the sketch forwards too slowly, and
 * its 64-byte buffer overflows on a longer run of bytes.
 */
export const PASSTHROUGH_READ_CHUNK_BYTES = 32;

/** Allowance for the USB-serial link's delivery jitter, ms (see FirmataSerialPort.write). */
export const LINK_JITTER_MS = 10;

/** Data bytes per SERIAL_WRITE: (64 - 2) / 2, the board's sysex buffer. */
export const FIRMATA_SERIAL_WRITE_MAX = 31;

/**
 * Host → board bytes, held back while the board bit-bangs a SERIAL_WRITE out. SoftwareSerial keeps
 * interrupts off for each byte it sends (1.04 ms at 9600 baud: six character times of the
 * 57600-baud USB link), so anything the host sends meanwhile (the next piece, an LCD update over
 * I2C, a pin write) overruns the board's USART and is lost. Every Firmata message of the board
 * goes through this gate once the passthrough is in use.
 */
export class BoardWriteGate {
  private readonly queue: Array<{ data: Buffer; holdMs: number; cb: (() => void) | undefined }> = [];
  private heldUntil = 0;
  private timer: TimerHandle | null = null;
  /** Messages that had to wait, for the figures. */
  held = 0;

  constructor(private readonly scheduler: Scheduler, private readonly send: (data: Buffer, cb?: () => void) => void, private readonly linkBaud = 57600) {}

  /** Sends `data` when the board is free; `holdMs` keeps the link quiet that long after it arrived. */
  write(data: Buffer, holdMs = 0, cb?: () => void): void {
    if (this.queue.length > 0 || this.scheduler.now() < this.heldUntil) this.held++;
    this.queue.push({ data, holdMs, cb });
    this.flush();
  }

  private flush(): void {
    while (this.queue.length > 0 && this.scheduler.now() >= this.heldUntil) {
      const m = this.queue.shift()!;
      this.send(m.data, m.cb);
      // The board acts on a message once its last byte is in: the transfer time, then the hold.
      if (m.holdMs > 0) this.heldUntil = this.scheduler.now() + (m.data.length * 10 * 1000) / this.linkBaud + m.holdMs;
    }
    if (this.queue.length > 0 && !this.timer) {
      this.timer = this.scheduler.after(Math.max(0, this.heldUntil - this.scheduler.now()), () => {
        this.timer = null;
        this.flush();
      });
    }
  }
}

export class FirmataSerialPort implements SerialPort {
  private open_ = false;
  private readonly dataListeners = new Set<(bytes: Uint8Array) => void>();
  private readonly errorListeners = new Set<(error: SerialLineError) => void>();

  private baud = 9600;

  /** Without a gate, pieces are not paced (only for a board with a hardware UART). */
  constructor(private readonly io: FirmataIo, private readonly pins: { rx: number; tx: number }, private readonly gate?: BoardWriteGate) {}

  get isOpen(): boolean {
    return this.open_;
  }

  open(baud: number, framing?: SerialFraming): Promise<void> {
    if (framing && (framing.dataBits !== 8 || framing.parity !== 'none' || framing.stopBits !== 1)) {
      return Promise.reject(new RangeError('Firmata serial passthrough supports 8N1 only'));
    }
    const portId = this.io.SERIAL_PORT_IDs.SW_SERIAL0;
    this.baud = baud;
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

  /**
   * Firmata's sysex buffer on the board is 64 bytes (MAX_DATA_BYTES): the command, the port byte
   * and two 7-bit halves per data byte. A longer SERIAL_WRITE overflows it and the board drops the
   * whole message (an AT+HTTPPARA with a URL is longer), so writes go in pieces, each holding the
   * board link until the board has bit-banged it out (see BoardWriteGate).
   */
  write(bytes: Uint8Array): void {
    if (!this.open_) throw new Error('Firmata serial port is not open');
    for (let i = 0; i < bytes.length; i += FIRMATA_SERIAL_WRITE_MAX) {
      const piece = bytes.subarray(i, i + FIRMATA_SERIAL_WRITE_MAX);
      const msg = [0xf0, 0x60, 0x20 | this.io.SERIAL_PORT_IDs.SW_SERIAL0];
      for (const b of piece) msg.push(b & 0x7f, (b >> 7) & 0x7f);
      msg.push(0xf7);
      // 10 bits a byte on the software UART, a quarter more for SoftwareSerial's own timing and
      // the board's loop, and an allowance for the USB link delivering late (USB-serial bridges
      // buffer for a few ms; a message that arrives late is still being sent when the next comes).
      if (this.gate) this.gate.write(Buffer.from(msg), (piece.length * 10 * 1000 * 1.25) / this.baud + LINK_JITTER_MS);
      else this.io.serialWrite(this.io.SERIAL_PORT_IDs.SW_SERIAL0, Array.from(piece));
    }
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
