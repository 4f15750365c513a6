// A UART at bit level on two GPIO pins of the emulated Uno: the far end of a SoftwareSerial port
// (StandardFirmataPlus's serial passthrough), as the MAX232 and the modem see it. Bytes written
// here become start, data (LSB first) and stop bits on the sketch's RX pin, each edge placed at
// its exact CPU cycle; the sketch's TX pin is watched and its frames decoded by sampling the
// middle of each bit after a start edge. A hal SerialPort, so the SIM800 model plugs in directly.
import type { SerialFraming, SerialLineError, SerialPort } from '../../hal/serial.ts';
import { UNO_CLOCK_HZ, type EmulatedUno } from './uno.ts';

export interface SoftUartPins {
  /** The sketch's RX pin (this end drives it). */
  rx: string;
  /** The sketch's TX pin (this end listens). */
  tx: string;
}

export class SoftUartPort implements SerialPort {
  private baud = 9600;
  private open_ = false;
  private readonly dataListeners = new Set<(b: Uint8Array) => void>();
  private readonly errorListeners = new Set<(e: SerialLineError) => void>();
  private unwatch: (() => void) | null = null;
  /** Cycle at which the line we drive is free for the next frame. */
  private txFreeAt = 0;
  /** Decoder: the start edge's time (ms) and the edges seen since, or null while idle. */
  private frame: { t0: number; edges: Array<{ t: number; high: boolean }> } | null = null;
  readonly stats = { bytesOut: 0, bytesIn: 0, framingErrors: 0 };

  constructor(private readonly uno: EmulatedUno, private readonly pins: SoftUartPins) {}

  get isOpen(): boolean {
    return this.open_;
  }

  private get bitCycles(): number {
    return UNO_CLOCK_HZ / this.baud;
  }

  open(baud: number, framing?: SerialFraming): Promise<void> {
    if (framing && (framing.dataBits !== 8 || framing.parity !== 'none' || framing.stopBits !== 1)) return Promise.reject(new RangeError('SoftwareSerial is 8N1 only'));
    this.baud = baud;
    this.uno.setInput(this.pins.rx, true); // idle line: mark
    this.unwatch = this.uno.watchPin(this.pins.tx, (level, atMs) => this.edge(level !== false, atMs));
    this.open_ = true;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    this.open_ = false;
    return Promise.resolve();
  }

  write(bytes: Uint8Array): void {
    if (!this.open_) return;
    const cpu = this.uno.cpu;
    const bit = this.bitCycles;
    let at = Math.max(cpu.cycles, this.txFreeAt);
    for (const b of bytes) {
      // Start bit, 8 data bits LSB first, stop bit: an edge only where the level changes.
      const levels = [false, ...Array.from({ length: 8 }, (_, i) => ((b >> i) & 1) === 1), true];
      let prev = true;
      levels.forEach((high, i) => {
        if (high === prev) return;
        prev = high;
        const when = Math.round(at + i * bit);
        cpu.addClockEvent(() => this.uno.setInput(this.pins.rx, high), Math.max(1, when - cpu.cycles));
      });
      at += 10 * bit;
      this.stats.bytesOut++;
    }
    this.txFreeAt = at;
  }

  private edge(high: boolean, atMs: number): void {
    if (!this.open_) return;
    if (this.frame) {
      this.frame.edges.push({ t: atMs, high });
      return;
    }
    if (high) return; // a rising edge while idle: the line returning to mark
    const frame = { t0: atMs, edges: [] as Array<{ t: number; high: boolean }> };
    this.frame = frame;
    const bitMs = 1000 / this.baud;
    // Decode once the stop bit's middle has passed.
    const cpu = this.uno.cpu;
    const due = Math.round((atMs + 9.5 * bitMs) * (UNO_CLOCK_HZ / 1000));
    cpu.addClockEvent(() => this.decode(frame, bitMs), Math.max(1, due - cpu.cycles));
  }

  private decode(frame: { t0: number; edges: Array<{ t: number; high: boolean }> }, bitMs: number): void {
    this.frame = null;
    const levelAt = (t: number): boolean => {
      let level = false; // the start bit
      for (const e of frame.edges) {
        if (e.t > t) break;
        level = e.high;
      }
      return level;
    };
    let byte = 0;
    for (let i = 0; i < 8; i++) if (levelAt(frame.t0 + (i + 1.5) * bitMs)) byte |= 1 << i;
    const stopOk = levelAt(frame.t0 + 9.5 * bitMs);
    // Edges after the stop bit's middle belong to the next frame (its start bit).
    const late = frame.edges.filter((e) => e.t > frame.t0 + 9.5 * bitMs);
    if (!stopOk) {
      this.stats.framingErrors++;
      for (const l of [...this.errorListeners]) l({ kind: 'framing', at: frame.t0 + 9.5 * bitMs });
    } else {
      this.stats.bytesIn++;
      const chunk = Uint8Array.of(byte);
      for (const l of [...this.dataListeners]) l(chunk);
    }
    for (const e of late) this.edge(e.high, e.t);
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
