// An RS232 line between two UART endpoints, simulated at the bit level on the virtual clock.
//
// Each endpoint is a UART behind a level converter. The line carries RS232 voltages: a MAX232
// turns TTL high (mark, idle) into about -9 V and TTL low into +9 V, and its receiver turns
// anything above about +1.4 V back into TTL low. An endpoint wired 'ttl-direct' puts 0/5 V on the
// line and reads it with a TTL threshold, so against a MAX232 every bit (and the idle level) comes
// out inverted: garbage, framing errors and breaks, as on a real bench.
//
// A write becomes a waveform (one level per sender bit time, with bit errors injected at the
// line's bit-error rate); the receiver samples it in the middle of each of *its* bit times from
// the falling edge of a start bit, so baud, parity and stop-bit mismatches produce exactly the
// errors a real UART reports. The decode runs once per write; each resulting byte or error is
// delivered by one clock event at the time its stop bit is sampled. Limitation: each write is
// decoded on its own (with idle line before and after), so with mismatched baud rates a frame that
// the receiver sees straddling two writes is decoded against idle instead of the next write.
//
// A receiver with a polling reader (readIntervalMs: the firmware empties the FIFO every so often)
// needs no event per byte: received bytes wait in an arrival queue and enter the FIFO when the
// reader next polls (at open + k * readIntervalMs, only when something arrived), which hands the
// reader exactly what an event per byte would have put in the FIFO by then. Bytes beyond the FIFO's
// room are overrun errors, reported at that poll. Line errors keep their own events.
import type { Scheduler } from '../hal/clock.ts';
import { FRAMING_8N1, type SerialFraming, type SerialLineError, type SerialPort } from '../hal/serial.ts';
import type { Rng } from './rng.ts';

/** How an endpoint meets the RS232 line. */
export type LevelConverter = 'max232' | 'ttl-direct';

export interface UartEndpointOptions {
  name?: string;
  levels?: LevelConverter;
  /** Receive FIFO size in bytes (the Uno's serial buffer is 64). */
  rxFifoBytes?: number;
  /**
   * How often the reader empties the FIFO, ms. Undefined: bytes are handed over as they arrive
   * (an interrupt-driven reader that always keeps up).
   */
  readIntervalMs?: number;
}

export interface UartLineOptions {
  /** Probability that any one bit on the line is received inverted. */
  bitErrorRate?: number;
  /** Source of bit errors; required when bitErrorRate > 0. */
  rng?: Rng;
}

export interface UartEndpointStats {
  bytesSent: number;
  bytesReceived: number;
  framing: number;
  parity: number;
  overrun: number;
  break: number;
  /** Bytes that reached a closed receiver. */
  lostClosed: number;
}

/** Line voltages, V. */
const RS232_MARK_V = -9;
const RS232_SPACE_V = 9;
const TTL_HIGH_V = 5;
const TTL_LOW_V = 0;
const MAX232_RX_THRESHOLD_V = 1.4;
const TTL_RX_THRESHOLD_V = 2.5;

function driveVolts(levels: LevelConverter, bit: number): number {
  if (levels === 'max232') return bit ? RS232_MARK_V : RS232_SPACE_V;
  return bit ? TTL_HIGH_V : TTL_LOW_V;
}

function senseBit(levels: LevelConverter, volts: number): number {
  if (levels === 'max232') return volts > MAX232_RX_THRESHOLD_V ? 0 : 1;
  return volts > TTL_RX_THRESHOLD_V ? 1 : 0;
}

/** Bits per frame: start + data + parity + stop. */
export function frameBits(f: SerialFraming): number {
  return 1 + f.dataBits + (f.parity === 'none' ? 0 : 1) + f.stopBits;
}

function parityBit(value: number, dataBits: number, parity: 'even' | 'odd'): number {
  let ones = 0;
  for (let i = 0; i < dataBits; i++) ones += (value >> i) & 1;
  return parity === 'even' ? ones & 1 : (ones & 1) ^ 1;
}

/** The logical bits of one frame as the sender puts them on the wire (idle = 1). */
export function encodeFrame(byte: number, f: SerialFraming): number[] {
  const bits = [0];
  for (let i = 0; i < f.dataBits; i++) bits.push((byte >> i) & 1);
  if (f.parity !== 'none') bits.push(parityBit(byte, f.dataBits, f.parity));
  for (let i = 0; i < f.stopBits; i++) bits.push(1);
  return bits;
}

type RxEvent = { at: number; byte: number } | { at: number; error: 'framing' | 'parity' | 'break' };

export class UartLine {
  readonly a: UartEndpoint;
  readonly b: UartEndpoint;
  private readonly ber: number;
  private readonly rng: Rng | undefined;
  /** Bits left before the next injected error (geometric skip, so a clean bit costs nothing). */
  private bitsToError = Number.POSITIVE_INFINITY;
  bitErrorsInjected = 0;

  constructor(
    readonly clock: Scheduler,
    opts: UartLineOptions = {},
    aOpts: UartEndpointOptions = {},
    bOpts: UartEndpointOptions = {},
  ) {
    this.ber = opts.bitErrorRate ?? 0;
    if (this.ber < 0 || this.ber >= 1) throw new RangeError(`bit-error rate must be in [0, 1), got ${this.ber}`);
    if (this.ber > 0 && !opts.rng) throw new Error('a bit-error rate needs a seeded rng');
    this.rng = opts.rng;
    this.drawNextError();
    this.a = new UartEndpoint(this, { name: 'A', ...aOpts });
    this.b = new UartEndpoint(this, { name: 'B', ...bOpts });
  }

  private drawNextError(): void {
    if (this.ber <= 0 || !this.rng) return;
    this.bitsToError = Math.floor(Math.log(1 - this.rng.float()) / Math.log(1 - this.ber));
  }

  /** True when the next line bit is received inverted. */
  private flip(): boolean {
    if (this.bitsToError-- > 0) return false;
    this.bitErrorsInjected++;
    this.drawNextError();
    return true;
  }

  peer(e: UartEndpoint): UartEndpoint {
    return e === this.a ? this.b : this.a;
  }

  /**
   * Puts `senderBits` (logical, idle = 1) on the line from `tx` starting at `startMs`, decodes
   * them at the receiver and schedules what it receives.
   */
  transmit(tx: UartEndpoint, senderBits: number[], startMs: number): void {
    const rx = this.peer(tx);
    const bitMs = 1000 / tx.baud;
    // Received logical level per sender bit time, with a little idle before and enough idle
    // after for the receiver to finish a frame at its own (possibly slower) baud.
    const idleRx = senseBit(rx.levels, driveVolts(tx.levels, 1));
    const rxBitMs = rx.isOpen ? 1000 / rx.baud : bitMs;
    const pre = 2;
    const post = Math.ceil((frameBits(rx.framing) * rxBitMs) / bitMs) + 2;
    const levels = new Uint8Array(pre + senderBits.length + post).fill(idleRx);
    for (let i = 0; i < senderBits.length; i++) {
      let v = senseBit(rx.levels, driveVolts(tx.levels, senderBits[i]!));
      if (this.flip()) v ^= 1;
      levels[pre + i] = v;
    }
    const t0 = startMs - pre * bitMs;
    if (!rx.isOpen) {
      rx.stats.lostClosed += Math.floor(senderBits.length / frameBits(tx.framing));
      return;
    }
    for (const ev of rx.decode(levels, bitMs, t0)) rx.scheduleArrival(ev);
  }
}

export class UartEndpoint implements SerialPort {
  readonly name: string;
  readonly levels: LevelConverter;
  baud = 9600;
  framing: SerialFraming = FRAMING_8N1;
  readonly stats: UartEndpointStats = { bytesSent: 0, bytesReceived: 0, framing: 0, parity: 0, overrun: 0, break: 0, lostClosed: 0 };
  private open_ = false;
  private txBusyUntil = 0;
  /** After a break (or while the line rests at space), wait for mark before hunting a start bit. */
  private awaitMark = false;
  private readonly fifo: number[] = [];
  private readonly fifoBytes: number;
  private readonly readIntervalMs: number | undefined;
  private reader: { cancel(): void } | undefined;
  /** Polling reader: bytes received and not yet polled, with their arrival times (in order). */
  private readonly arrivalAt: number[] = [];
  private readonly arrivalByte: number[] = [];
  private arrivalHead = 0;
  private openedAt = 0;
  /** The reader's next poll, when one is scheduled. */
  private pollAt = Number.NaN;
  private readonly dataListeners = new Set<(bytes: Uint8Array) => void>();
  private readonly errorListeners = new Set<(e: SerialLineError) => void>();

  constructor(private readonly line: UartLine, opts: UartEndpointOptions) {
    this.name = opts.name ?? '?';
    this.levels = opts.levels ?? 'max232';
    this.fifoBytes = opts.rxFifoBytes ?? 64;
    this.readIntervalMs = opts.readIntervalMs;
  }

  get isOpen(): boolean {
    return this.open_;
  }

  async open(baud: number, framing: SerialFraming = FRAMING_8N1): Promise<void> {
    if (!(baud > 0)) throw new RangeError(`baud must be > 0, got ${baud}`);
    this.baud = baud;
    this.framing = { ...framing };
    if (!this.open_) this.openedAt = this.line.clock.now();
    this.open_ = true;
    this.awaitMark = false;
  }

  async close(): Promise<void> {
    this.open_ = false;
    this.reader?.cancel();
    this.reader = undefined;
    this.pollAt = Number.NaN;
    this.arrivalAt.length = this.arrivalByte.length = this.arrivalHead = 0;
    this.fifo.length = 0;
  }

  /** Time one frame takes on the line at this endpoint's settings, ms. */
  get frameMs(): number {
    return (frameBits(this.framing) * 1000) / this.baud;
  }

  write(bytes: Uint8Array): void {
    if (!this.open_ || bytes.length === 0) return;
    const bits: number[] = [];
    for (const b of bytes) bits.push(...encodeFrame(b, this.framing));
    this.stats.bytesSent += bytes.length;
    this.send(bits);
  }

  /** Holds the line at space for `ms` (a line break), then returns it to idle. */
  sendBreak(ms: number): void {
    if (!this.open_) return;
    const n = Math.max(1, Math.ceil((ms * this.baud) / 1000));
    this.send(new Array<number>(n).fill(0).concat([1]));
  }

  private send(bits: number[]): void {
    const now = this.line.clock.now();
    const start = Math.max(now, this.txBusyUntil);
    this.txBusyUntil = start + (bits.length * 1000) / this.baud;
    this.line.transmit(this, bits, start);
  }

  /** When the last byte written so far has left the transmitter, ms. */
  get txIdleAt(): number {
    return Math.max(this.txBusyUntil, this.line.clock.now());
  }

  onData(listener: (bytes: Uint8Array) => void): () => void {
    this.dataListeners.add(listener);
    return () => void this.dataListeners.delete(listener);
  }

  onError(listener: (error: SerialLineError) => void): () => void {
    this.errorListeners.add(listener);
    return () => void this.errorListeners.delete(listener);
  }

  /** Samples a received waveform as this UART would. `t0` is the time of levels[0]. */
  decode(levels: Uint8Array, bitMs: number, t0: number): RxEvent[] {
    const out: RxEvent[] = [];
    const f = this.framing;
    const n = frameBits(f);
    const rxBitMs = 1000 / this.baud;
    const last = levels.length - 1;
    const at = (t: number): number => levels[Math.min(last, Math.floor(t / bitMs))]!;
    let i = 1;
    if (levels[0] === 1) this.awaitMark = false;
    while (i <= last) {
      if (this.awaitMark) {
        if (levels[i] === 1) this.awaitMark = false;
        i++;
        continue;
      }
      if (!(levels[i - 1] === 1 && levels[i] === 0)) {
        i++;
        continue;
      }
      const edge = i * bitMs;
      const sample = (k: number): number => at(edge + (k + 0.5) * rxBitMs);
      if (sample(0) !== 0) {
        i++; // a glitch, not a start bit
        continue;
      }
      let value = 0;
      for (let k = 0; k < f.dataBits; k++) value |= sample(1 + k) << k;
      let k = 1 + f.dataBits;
      const parityOk = f.parity === 'none' || sample(k++) === parityBit(value, f.dataBits, f.parity);
      let stopOk = true;
      for (let s = 0; s < f.stopBits; s++) if (sample(k++) !== 1) stopOk = false;
      const doneAt = edge + (n - 0.5) * rxBitMs;
      if (!stopOk) {
        // All-space frame with the line still at space: a break, reported once.
        let allSpace = value === 0;
        for (let kk = 1 + f.dataBits; kk < n; kk++) if (sample(kk) !== 0) allSpace = false;
        if (allSpace) {
          out.push({ at: t0 + doneAt, error: 'break' });
          this.awaitMark = true;
        } else out.push({ at: t0 + doneAt, error: 'framing' });
      } else if (!parityOk) out.push({ at: t0 + doneAt, error: 'parity' });
      else out.push({ at: t0 + doneAt, byte: value });
      i = Math.max(i + 1, Math.ceil(doneAt / bitMs));
    }
    if (levels[last] === 0) this.awaitMark = true;
    return out;
  }

  scheduleArrival(ev: RxEvent): void {
    const clock = this.line.clock;
    if (this.readIntervalMs !== undefined && !('error' in ev)) {
      this.arrivalAt.push(ev.at);
      this.arrivalByte.push(ev.byte);
      this.schedulePoll();
      return;
    }
    clock.after(ev.at - clock.now(), () => {
      if (!this.open_) return;
      if ('error' in ev) return this.emitError(ev.error);
      if (this.fifo.length >= this.fifoBytes) return this.emitError('overrun');
      this.fifo.push(ev.byte);
      this.stats.bytesReceived++;
      if (this.readIntervalMs === undefined) this.drain();
    });
  }

  /** The reader's first poll at or after the oldest queued arrival (open + k * interval). */
  private schedulePoll(): void {
    if (this.arrivalHead >= this.arrivalAt.length) return;
    const r = this.readIntervalMs!;
    const at = this.arrivalAt[this.arrivalHead]!;
    let k = Math.max(1, Math.ceil((at - this.openedAt) / r));
    while (this.openedAt + k * r < at) k++;
    const due = this.openedAt + k * r;
    if (due >= this.pollAt) return; // an earlier (or this) poll is already scheduled
    this.pollAt = due;
    const clock = this.line.clock;
    this.reader?.cancel();
    this.reader = clock.after(due - clock.now(), () => this.poll(due));
  }

  private poll(due: number): void {
    this.reader = undefined;
    this.pollAt = Number.NaN;
    if (!this.open_) return;
    const at = this.arrivalAt, by = this.arrivalByte;
    let i = this.arrivalHead;
    for (; i < at.length && at[i]! <= due; i++) {
      if (at[i]! < this.openedAt) continue; // arrived while the port was closed
      if (this.fifo.length >= this.fifoBytes) this.emitError('overrun');
      else {
        this.fifo.push(by[i]!);
        this.stats.bytesReceived++;
      }
    }
    if (i >= at.length) at.length = by.length = i = 0;
    else if (i > 4096) {
      // A reader that never catches up with a continuous stream: drop the polled part.
      at.splice(0, i);
      by.splice(0, i);
      i = 0;
    }
    this.arrivalHead = i;
    this.drain();
    this.schedulePoll();
  }

  private emitError(kind: SerialLineError['kind']): void {
    this.stats[kind]++;
    const e: SerialLineError = { kind, at: this.line.clock.now() };
    for (const l of [...this.errorListeners]) l(e);
  }

  private drain(): void {
    if (this.fifo.length === 0) return;
    const bytes = Uint8Array.from(this.fifo);
    this.fifo.length = 0;
    for (const l of [...this.dataListeners]) l(bytes);
  }
}
