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

/** Allowance for the USB-serial link's delivery jitter, ms (the modem-quiet hold; see BoardWriteGate). */
export const LINK_JITTER_MS = 10;

/** The board's receive buffer (HardwareSerial's ring on the Uno), bytes. */
export const BOARD_RX_BUFFER_BYTES = 64;

/** Firmata END_SYSEX: alone, it closes a sysex the board may have half-parsed; outside one it is ignored. */
const END_SYSEX = 0xf7;
/** Firmata REPORT_VERSION: the board answers it (3 bytes) once it has processed everything before it. */
export const REPORT_VERSION = 0xf9;

/**
 * Host bytes outstanding at most: what the ring can hold (one slot less than its size: a full ring
 * would look empty), less the END_SYSEX before and the REPORT_VERSION after.
 */
export const BOARD_WINDOW_BYTES = BOARD_RX_BUFFER_BYTES - 1 - 2;

/**
 * Data bytes per SERIAL_WRITE: two 7-bit halves each, plus the command, port and END_SYSEX, within
 * the window (which is also within Firmata's 64-byte sysex buffer: a longer message is dropped whole).
 */
export const FIRMATA_SERIAL_WRITE_MAX = Math.floor((BOARD_WINDOW_BYTES - 4) / 2);

/** How long to wait for an acknowledgement before assuming it was lost, beyond the batch's own time, ms. */
export const ACK_TIMEOUT_MS = 2000;

/** Quiet after a command's last piece for the modem's answer to start (a SIM800 answers in ms), ms. */
export const MODEM_ANSWER_WAIT_MS = 30;

interface Pending {
  data: Buffer;
  cb: (() => void) | undefined;
  /** For a SERIAL_WRITE: the board's time to bit-bang it, and the quiet to keep after it, ms. */
  serial?: { sendMs: number; quietAfterMs: number };
}

/**
 * Flow control for host → board bytes once the passthrough is in use. Every Firmata message of the
 * board goes through it.
 *
 * - The board's receive ring holds 63 bytes, and its loop stops draining it while it bit-banges a
 *   SERIAL_WRITE out (29 ms for 28 bytes at 9600 baud), writes I2C or forwards the modem's bytes;
 *   SoftwareSerial also keeps interrupts off for each byte it sends or receives (1.04 ms at 9600
 *   baud: six character times of the 57600-baud USB link), so bytes arriving meanwhile overrun the
 *   USART. A lost byte inside a SERIAL_WRITE shifts its 7-bit pairs and the modem gets 0x00/0x80.
 * - So the host sends a batch of at most BOARD_WINDOW_BYTES, between an END_SYSEX (resync) and a
 *   REPORT_VERSION, and sends nothing more until the board's version answer comes back: the board
 *   handles the query only after everything before it, bit-banging included, and the batch fits
 *   its ring even if the loop is busy the whole time it arrives. This is flow control by
 *   acknowledgement and byte count, not by time between writes: a USB-serial bridge, a pty or an
 *   emulator running slower than the wall clock may deliver writes made 50 ms apart back to back.
 * - While the modem is sending to the board the host keeps quiet (see quietFor): a heuristic on
 *   time, as the board tells nothing about its SoftwareSerial receiver.
 */
export class BoardWriteGate {
  private readonly queue: Pending[] = [];
  private awaiting: TimerHandle | null = null;
  private quietUntil = 0;
  private quietAfter = 0;
  private timer: TimerHandle | null = null;
  /**
   * Batches sent, acknowledgements received, batches whose acknowledgement never came, answers
   * that came with no batch waiting (late, after a timeout), messages that waited, and the
   * longest wait for an acknowledgement (scheduler ms).
   */
  readonly stats = { batches: 0, acks: 0, ackTimeouts: 0, stray: 0, held: 0, maxAckMs: 0 };
  private sentAt = 0;

  constructor(private readonly scheduler: Scheduler, private readonly send: (data: Buffer, cb?: () => void) => void) {}

  /** Sends a Firmata message when the board can take it. */
  write(data: Buffer, cb?: () => void): void {
    this.enqueue({ data, cb });
  }

  /** Sends a SERIAL_WRITE; `sendMs` is its bit-banging time, `quietAfterMs` the wait for the modem's answer after it. */
  writeSerial(data: Buffer, sendMs: number, quietAfterMs: number): void {
    this.enqueue({ data, cb: undefined, serial: { sendMs, quietAfterMs } });
  }

  /** Keeps the link to the board quiet for `ms` from now (the modem is sending to the board). */
  quietFor(ms: number): void {
    this.quietUntil = Math.max(this.quietUntil, this.scheduler.now() + ms);
  }

  /** The board's REPORT_VERSION answer: the batch in flight has been handled. */
  acknowledged(): void {
    if (!this.awaiting) {
      this.stats.stray++;
      return;
    }
    this.stats.acks++;
    this.stats.maxAckMs = Math.max(this.stats.maxAckMs, this.scheduler.now() - this.sentAt);
    this.release();
  }

  private enqueue(m: Pending): void {
    if (this.queue.length > 0 || this.awaiting || this.scheduler.now() < this.quietUntil) this.stats.held++;
    this.queue.push(m);
    this.flush();
  }

  private release(): void {
    this.awaiting?.cancel();
    this.awaiting = null;
    if (this.quietAfter > 0) this.quietFor(this.quietAfter);
    this.quietAfter = 0;
    this.flush();
  }

  private flush(): void {
    if (this.queue.length > 0 && !this.awaiting && this.scheduler.now() >= this.quietUntil) {
      const batch: Pending[] = [this.queue.shift()!];
      let bytes = batch[0]!.data.length;
      while (this.queue.length > 0 && bytes + this.queue[0]!.data.length <= BOARD_WINDOW_BYTES) {
        const m = this.queue.shift()!;
        bytes += m.data.length;
        batch.push(m);
      }
      let sendMs = 0;
      for (const m of batch) {
        if (m.serial) {
          sendMs += m.serial.sendMs;
          this.quietAfter = Math.max(this.quietAfter, m.serial.quietAfterMs);
        }
      }
      const cbs = batch.map((m) => m.cb).filter((cb): cb is () => void => cb !== undefined);
      this.stats.batches++;
      this.sentAt = this.scheduler.now();
      this.send(Buffer.concat([Buffer.of(END_SYSEX), ...batch.map((m) => m.data), Buffer.of(REPORT_VERSION)]), cbs.length > 0 ? () => cbs.forEach((cb) => cb()) : undefined);
      this.awaiting = this.scheduler.after(sendMs + ACK_TIMEOUT_MS, () => {
        this.stats.ackTimeouts++;
        this.release();
      });
    }
    if (this.queue.length > 0 && !this.awaiting && !this.timer) {
      this.timer = this.scheduler.after(Math.max(0, this.quietUntil - this.scheduler.now()), () => {
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
      // The modem is sending to the board: SoftwareSerial's receive interrupt would make the board
      // lose host bytes, so keep the link quiet until the modem has been silent for a while.
      this.gate?.quietFor(this.modemQuietMs());
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
   * board link until the board has acknowledged it (see BoardWriteGate).
   */
  write(bytes: Uint8Array): void {
    if (!this.open_) throw new Error('Firmata serial port is not open');
    for (let i = 0; i < bytes.length; i += FIRMATA_SERIAL_WRITE_MAX) {
      const piece = bytes.subarray(i, i + FIRMATA_SERIAL_WRITE_MAX);
      const msg = [0xf0, 0x60, 0x20 | this.io.SERIAL_PORT_IDs.SW_SERIAL0];
      for (const b of piece) msg.push(b & 0x7f, (b >> 7) & 0x7f);
      msg.push(0xf7);
      // The last piece of a command is answered by the modem within a few ms: stay quiet for
      // the answer's start (its bytes then extend the quiet, see open()).
      const last = i + FIRMATA_SERIAL_WRITE_MAX >= bytes.length;
      if (this.gate) this.gate.writeSerial(Buffer.from(msg), (piece.length * 10 * 1000) / this.baud, last ? MODEM_ANSWER_WAIT_MS : 0);
      else this.io.serialWrite(this.io.SERIAL_PORT_IDs.SW_SERIAL0, Array.from(piece));
    }
  }

  /** Silence after the modem's last byte before the host may talk to the board again, ms. */
  private modemQuietMs(): number {
    return (4 * 10 * 1000) / this.baud + LINK_JITTER_MS;
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
