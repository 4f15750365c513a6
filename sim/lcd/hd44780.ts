// A model of the Hitachi HD44780 LCD controller as a host sees it through its pins: RS, R/W, E and
// DB0–DB7. It decodes the instruction set, keeps DDRAM (80 bytes), CGRAM (64 bytes), the address
// counter, entry mode and display shift, assembles 4-bit transfers (high nibble first), and
// enforces the datasheet's execution times: a transfer that arrives while the controller is still
// busy is lost and recorded as a timing violation, as is one during the power-on reset.
//
// Timing comes from the stamps the wiring passes with each pin change (drive(levels, atMs)), not
// from a clock read, because the wiring (the I2C bus, Firmata pin writes) knows when a level really
// reaches the pins. Figures at fosc = 270 kHz from the Hitachi HD44780U datasheet.
//
// Modelling choices where the datasheet is silent:
// - A transfer while busy is dropped. In 4-bit mode a dropped nibble leaves the nibble pairing out
//   of step, so later bytes come out as garbage — the failure real modules show.
// - The waits of the initialisation-by-instruction sequence (> 4.1 ms after the first function
//   set, > 100 µs after the second) are enforced as busy periods of the first two 8-bit function
//   sets (0x3-) after power-on.
// - RS and R/W are sampled at the rising edge of E and the data at the falling edge; a change of
//   RS/R/W at the same instant as E rises, or of the data as E falls, violates the set-up times
//   (tAS, tDSW) and is recorded as a 'setup' violation; E high for less than 450 ns as 'pulse'.
// - Reads (R/W high) are accepted and ignored: our wirings tie R/W low or never read.

export interface Hd44780PinLevels {
  rs: boolean;
  rw: boolean;
  e: boolean;
  /** DB0..DB7 as a byte, bit i = DBi. */
  db: number;
}

export type TimingViolationKind = 'power-on' | 'busy' | 'setup' | 'pulse';

export interface TimingViolation {
  kind: TimingViolationKind;
  atMs: number;
  detail: string;
}

export interface Hd44780Timing {
  /** Busy after Vcc rises (datasheet: wait > 40 ms after 2.7 V). */
  powerOnMs: number;
  /** Most instructions and data writes. */
  instructionMs: number;
  /** Clear display and return home. */
  clearHomeMs: number;
  /** Waits the init-by-instruction sequence demands after its first and second function set. */
  firstFunctionSetMs: number;
  secondFunctionSetMs: number;
  /** Enable pulse width, high level (PW_EH >= 450 ns). */
  enablePulseMs: number;
}

export const HD44780_TIMING: Readonly<Hd44780Timing> = {
  powerOnMs: 40,
  instructionMs: 0.037,
  clearHomeMs: 1.52,
  firstFunctionSetMs: 4.1,
  secondFunctionSetMs: 0.1,
  enablePulseMs: 0.00045,
};

export interface Hd44780State {
  eightBit: boolean;
  twoLine: boolean;
  font5x10: boolean;
  displayOn: boolean;
  cursorOn: boolean;
  blinkOn: boolean;
  /** Entry mode I/D: address counter increments after a write. */
  increment: boolean;
  /** Entry mode S: the display shifts with every write. */
  shiftOnWrite: boolean;
  /** Address counter and which RAM it points into. */
  ac: number;
  acTarget: 'ddram' | 'cgram';
  /** Display shift, in columns the window has moved right (0..39, or 0..79 in 1-line mode). */
  displayShift: number;
  /** A high nibble waiting for its low half (4-bit mode). */
  pendingNibble: number | null;
}

export interface Hd44780Counters {
  instructions: number;
  dataWrites: number;
  reads: number;
  /** Transfers dropped because the controller was busy or resetting. */
  lost: number;
  /** DDRAM writes to an address that does not exist in the current line mode. */
  invalidAddressWrites: number;
}

const EPS = 1e-9;
const MAX_RECORDED = 1000;
const SPACE = 0x20;

export interface Hd44780ModelOptions {
  /** Virtual time of power-on (Vcc reaching 2.7 V), ms. */
  powerOnAtMs?: number;
  timing?: Partial<Hd44780Timing>;
  /** Visible columns and lines of the glass (a 1602 module: 16 x 2). */
  cols?: number;
  rows?: number;
}

export class Hd44780Model {
  readonly timing: Hd44780Timing;
  readonly cols: number;
  readonly rows: number;
  readonly ddram = new Uint8Array(80).fill(SPACE);
  readonly cgram = new Uint8Array(64);
  /** The first MAX_RECORDED violations in detail; `timingViolations` counts all of them. */
  readonly violations: TimingViolation[] = [];
  private violationCount = 0;
  readonly counters: Hd44780Counters = { instructions: 0, dataWrites: 0, reads: 0, lost: 0, invalidAddressWrites: 0 };
  /** The module's LED backlight (not part of the controller; the wiring switches it). */
  backlight = true;

  private s: Hd44780State;
  private readonly powerOnEnd: number;
  private busyUntil: number;
  private functionSetsAfterPowerOn = 0;
  private pins: Hd44780PinLevels = { rs: false, rw: false, e: false, db: 0 };
  private spare: Hd44780PinLevels = { rs: false, rw: false, e: false, db: 0 };
  private addrChangedAt = Number.NEGATIVE_INFINITY;
  private cycleRs = false;
  private cycleRw = false;
  private eRoseAt = Number.NEGATIVE_INFINITY;

  constructor(opts: Hd44780ModelOptions = {}) {
    this.timing = { ...HD44780_TIMING, ...opts.timing };
    this.cols = opts.cols ?? 16;
    this.rows = opts.rows ?? 2;
    const t0 = opts.powerOnAtMs ?? 0;
    this.powerOnEnd = t0 + this.timing.powerOnMs;
    this.busyUntil = this.powerOnEnd;
    // The internal reset circuit's state (datasheet "Initializing by Internal Reset Circuit").
    this.s = {
      eightBit: true, twoLine: false, font5x10: false,
      displayOn: false, cursorOn: false, blinkOn: false,
      increment: true, shiftOnWrite: false,
      ac: 0, acTarget: 'ddram', displayShift: 0, pendingNibble: null,
    };
  }

  get state(): Readonly<Hd44780State> {
    return { ...this.s };
  }

  get timingViolations(): number {
    return this.violationCount;
  }

  /** Sets the levels the wires have when the module powers up, without treating them as edges. */
  connectPins(levels: Hd44780PinLevels): void {
    this.pins = { ...levels };
    this.cycleRs = levels.rs;
    this.cycleRw = levels.rw;
  }

  /** The wiring reports new pin levels, stamped with the time they reach the pins. */
  drive(levels: Hd44780PinLevels, atMs: number): void {
    // Two level records swapped on every change instead of a new one: the parallel wiring
    // reports millions of pin edges a simulated day.
    const prev = this.pins;
    const next = this.spare;
    next.rs = levels.rs;
    next.rw = levels.rw;
    next.e = levels.e;
    next.db = levels.db & 0xff;
    this.spare = prev;
    if (next.rs !== prev.rs || next.rw !== prev.rw) this.addrChangedAt = atMs;
    const dataChanged = next.db !== prev.db;
    if (!prev.e && next.e) {
      // Rising E starts a bus cycle: RS and R/W must already be stable (tAS).
      if (Math.abs(this.addrChangedAt - atMs) < EPS) this.violate('setup', atMs, 'RS/RW changed as E rose (address set-up time)');
      this.cycleRs = next.rs;
      this.cycleRw = next.rw;
      this.eRoseAt = atMs;
    } else if (prev.e && !next.e) {
      // Falling E latches the data, which must have been stable for tDSW. A read cycle latches
      // nothing (the PCF8574 powers up with E and R/W high, so its first write ends one).
      if (!this.cycleRw) {
        if (dataChanged) this.violate('setup', atMs, 'data changed as E fell (data set-up time)');
        if (next.rs !== this.cycleRs || next.rw !== this.cycleRw) this.violate('setup', atMs, 'RS/RW changed while E was high');
        if (atMs - this.eRoseAt + EPS < this.timing.enablePulseMs) this.violate('pulse', atMs, `E high for ${((atMs - this.eRoseAt) * 1e6).toFixed(0)} ns`);
      }
      this.pins = next;
      this.latch(this.cycleRs, this.cycleRw, prev.db, atMs);
      return;
    }
    this.pins = next;
  }

  private violate(kind: TimingViolationKind, atMs: number, detail: string): void {
    this.violationCount++;
    if (this.violations.length < MAX_RECORDED) this.violations.push({ kind, atMs, detail });
  }

  /** Lost transfer: during reset or while busy. Returns true when the transfer may proceed. */
  private ready(atMs: number, what: string): boolean {
    if (atMs + EPS >= this.busyUntil) return true;
    this.counters.lost++;
    const kind: TimingViolationKind = atMs < this.powerOnEnd ? 'power-on' : 'busy';
    this.violate(kind, atMs, `${what} at ${atMs.toFixed(3)} ms while busy until ${this.busyUntil.toFixed(3)} ms`);
    return false;
  }

  private latch(rs: boolean, rw: boolean, db: number, atMs: number): void {
    if (rw) {
      this.counters.reads++;
      return;
    }
    if (this.s.eightBit) {
      if (this.ready(atMs, 'transfer')) this.execute(rs, db, atMs);
      return;
    }
    const nibble = (db >> 4) & 0x0f;
    if (!this.ready(atMs, this.s.pendingNibble === null ? 'high nibble' : 'low nibble')) return;
    if (this.s.pendingNibble === null) {
      this.s.pendingNibble = nibble;
      return;
    }
    const byte = (this.s.pendingNibble << 4) | nibble;
    this.s.pendingNibble = null;
    this.execute(rs, byte, atMs);
  }

  private execute(rs: boolean, byte: number, atMs: number): void {
    let busyMs = this.timing.instructionMs;
    if (rs) {
      this.counters.dataWrites++;
      this.writeData(byte);
    } else {
      this.counters.instructions++;
      busyMs = this.instruction(byte);
    }
    this.busyUntil = atMs + busyMs;
  }

  /** Decodes one instruction; returns its execution time. */
  private instruction(b: number): number {
    const s = this.s;
    const t = this.timing;
    if (b & 0x80) {
      s.ac = b & 0x7f;
      s.acTarget = 'ddram';
    } else if (b & 0x40) {
      s.ac = b & 0x3f;
      s.acTarget = 'cgram';
    } else if (b & 0x20) {
      const wasEightBit = s.eightBit;
      s.eightBit = (b & 0x10) !== 0;
      s.twoLine = (b & 0x08) !== 0;
      s.font5x10 = (b & 0x04) !== 0;
      s.pendingNibble = null;
      if (wasEightBit && s.eightBit && this.functionSetsAfterPowerOn < 2) {
        this.functionSetsAfterPowerOn++;
        return this.functionSetsAfterPowerOn === 1 ? t.firstFunctionSetMs : t.secondFunctionSetMs;
      }
    } else if (b & 0x10) {
      const displayShift = (b & 0x08) !== 0;
      const right = (b & 0x04) !== 0;
      if (displayShift) this.shiftDisplay(right ? -1 : 1);
      else this.moveAc(right);
    } else if (b & 0x08) {
      s.displayOn = (b & 0x04) !== 0;
      s.cursorOn = (b & 0x02) !== 0;
      s.blinkOn = (b & 0x01) !== 0;
    } else if (b & 0x04) {
      s.increment = (b & 0x02) !== 0;
      s.shiftOnWrite = (b & 0x01) !== 0;
    } else if (b & 0x02) {
      s.ac = 0;
      s.acTarget = 'ddram';
      s.displayShift = 0;
      return t.clearHomeMs;
    } else if (b & 0x01) {
      this.ddram.fill(SPACE);
      s.ac = 0;
      s.acTarget = 'ddram';
      s.displayShift = 0;
      s.increment = true; // clear sets I/D = 1 and leaves S alone
      return t.clearHomeMs;
    }
    return t.instructionMs;
  }

  private get lineLength(): number {
    return this.s.twoLine ? 40 : 80;
  }

  private shiftDisplay(by: number): void {
    const n = this.lineLength;
    this.s.displayShift = (((this.s.displayShift + by) % n) + n) % n;
  }

  /** DDRAM index for an address, or -1 where the current line mode has no RAM. */
  ddramIndex(address: number): number {
    if (this.s.twoLine) {
      const col = address & 0x3f;
      if (col >= 40) return -1;
      return (address & 0x40 ? 40 : 0) + col;
    }
    return address < 80 ? address : -1;
  }

  private moveAc(forward: boolean): void {
    const s = this.s;
    if (s.acTarget === 'cgram') {
      s.ac = (s.ac + (forward ? 1 : 63)) & 0x3f;
      return;
    }
    if (s.twoLine) {
      if (forward) s.ac = s.ac === 0x27 ? 0x40 : s.ac === 0x67 ? 0x00 : (s.ac + 1) & 0x7f;
      else s.ac = s.ac === 0x40 ? 0x27 : s.ac === 0x00 ? 0x67 : (s.ac - 1) & 0x7f;
    } else {
      s.ac = forward ? (s.ac + 1) % 80 : (s.ac + 79) % 80;
    }
  }

  private writeData(byte: number): void {
    const s = this.s;
    if (s.acTarget === 'cgram') {
      this.cgram[s.ac] = byte & 0x1f; // CGRAM rows are 5 dots wide
    } else {
      const i = this.ddramIndex(s.ac);
      if (i < 0) this.counters.invalidAddressWrites++;
      else this.ddram[i] = byte;
      if (s.shiftOnWrite) this.shiftDisplay(s.increment ? 1 : -1);
    }
    this.moveAc(s.increment);
  }

  /**
   * Character codes on the glass, row by row, after display shift; null where nothing is shown
   * (display off, or the second row in 1-line mode).
   */
  visibleCodes(): (number | null)[][] {
    const out: (number | null)[][] = [];
    for (let r = 0; r < this.rows; r++) {
      const row: (number | null)[] = [];
      for (let c = 0; c < this.cols; c++) {
        if (!this.s.displayOn || (r > 0 && !this.s.twoLine) || r > 1) {
          row.push(null);
          continue;
        }
        const pos = (c + this.s.displayShift) % this.lineLength;
        row.push(this.ddram[(this.s.twoLine ? r * 40 : 0) + pos]!);
      }
      out.push(row);
    }
    return out;
  }

  /** The 8 rows (5 bits each, bit 4 = leftmost dot) of CGRAM character `slot` (0–7). */
  cgramGlyph(slot: number): number[] {
    const base = (slot & 7) * 8;
    return Array.from(this.cgram.subarray(base, base + 8));
  }
}
