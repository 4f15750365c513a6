// HD44780 character LCD driver (16x2 by default) over any Hd44780Transport.
//
// Timing (Hitachi HD44780U datasheet, fosc 270 kHz):
// - Waits of a millisecond or more use scheduler.sleep: power-on (> 40 ms after Vcc reaches
//   2.7 V), the init function sets (> 4.1 ms, > 100 µs), clear and home (1.52 ms).
// - The 37 µs of ordinary instructions and data writes are not slept. On every target this driver
//   runs on, one transport write already takes longer: a Firmata pin write is a 3-byte message at
//   57600 baud (~0.5 ms) and every nibble takes at least two of them (E high, E low); a backpack
//   nibble is an I2C transaction of 4 bytes at 100 kHz (~0.4 ms). The same reasoning covers the E
//   pulse (>= 450 ns high: E high and E low are separate writes) and the set-up times (RS and data
//   are written before E rises). On a native MCU with 1 µs pin writes this would not hold; the
//   simulator test with fast pins shows the resulting lost transfers.
// - R/W is tied low (or held low on the backpack), so the busy flag is never read.
//
// writeScreen() keeps a mirror of DDRAM and sends only the characters that changed, so a periodic
// refresh with mostly unchanged text costs a few bytes. After a bus error the controller state is
// unknown (a lost nibble desynchronises 4-bit transfers), so the driver refuses further writes
// until init() runs again; init() resynchronises from any state.
import type { Scheduler } from '../../hal/clock.ts';
import { a00Code } from './charset.ts';
import { LcdError, type Hd44780Transport } from './transport.ts';

export interface Hd44780DriverTiming {
  powerOnMs: number;
  firstFunctionSetMs: number;
  secondFunctionSetMs: number;
  clearHomeMs: number;
}

/** Datasheet minimums rounded up to whole milliseconds (virtual and Node timers are ms based). */
export const DRIVER_TIMING: Readonly<Hd44780DriverTiming> = {
  powerOnMs: 50,
  firstFunctionSetMs: 5,
  secondFunctionSetMs: 1,
  clearHomeMs: 2,
};

export interface Hd44780Options {
  cols?: number;
  rows?: 1 | 2;
  timing?: Partial<Hd44780DriverTiming>;
}

// Instruction codes.
const CLEAR = 0x01;
const HOME = 0x02;
const ENTRY_MODE = 0x04;
const ENTRY_INCREMENT = 0x02;
const DISPLAY_CONTROL = 0x08;
const SHIFT = 0x10;
const SHIFT_DISPLAY = 0x08;
const SHIFT_RIGHT = 0x04;
const FUNCTION_SET = 0x20;
const FS_TWO_LINES = 0x08;
const SET_CGRAM = 0x40;
const SET_DDRAM = 0x80;

const LINE_LENGTH = 40; // DDRAM columns per line in 2-line mode
const SPACE = 0x20;

export class Hd44780 {
  readonly cols: number;
  readonly rows: 1 | 2;
  private readonly timing: Hd44780DriverTiming;
  private ready = false;
  private slowPending = false;
  private displayOn = true;
  private cursorOn = false;
  private blinkOn = false;
  private backlightOn = true;
  /** What we believe DDRAM holds, index line * 40 + column. */
  private readonly mirror = new Uint8Array(2 * LINE_LENGTH).fill(SPACE);
  /** The controller's address counter as far as we know; null while it points into CGRAM. */
  private ac: number | null = 0;
  /** The DDRAM address to go back to after CGRAM access, so print() continues at the cursor. */
  private resumeAc = 0;
  /** Columns the display window has moved right (scrollDisplayLeft). */
  private shift = 0;
  private readonly glyphCodes = new Map<string, number>();

  constructor(private readonly transport: Hd44780Transport, private readonly scheduler: Scheduler, opts: Hd44780Options = {}) {
    this.cols = opts.cols ?? 16;
    this.rows = opts.rows ?? 2;
    if (!Number.isInteger(this.cols) || this.cols < 1 || this.cols > LINE_LENGTH) throw new LcdError('argument', `cols must be 1..40, got ${this.cols}`);
    this.timing = { ...DRIVER_TIMING, ...opts.timing };
  }

  get initialised(): boolean {
    return this.ready;
  }

  /**
   * Power-on initialisation by instruction (datasheet figure 24, 4-bit interface). Works from any
   * controller state: three 8-bit function sets bring a 4-bit-mode controller, even one halfway
   * through a byte, back into 8-bit mode before 0x2 selects 4 bits.
   */
  async init(): Promise<void> {
    this.ready = false;
    const t = this.timing;
    const tr = this.transport;
    await tr.open(this.scheduler);
    await this.wait(t.powerOnMs);
    this.guard(() => tr.writeNibble(0x3, false));
    await this.wait(t.firstFunctionSetMs);
    this.guard(() => tr.writeNibble(0x3, false));
    await this.wait(t.secondFunctionSetMs);
    this.guard(() => {
      tr.writeNibble(0x3, false);
      tr.writeNibble(0x2, false); // 4-bit interface from here on
      tr.writeByte(FUNCTION_SET | (this.rows === 2 ? FS_TWO_LINES : 0), false); // 5x8 dots
      tr.writeByte(DISPLAY_CONTROL, false); // display off
      tr.writeByte(CLEAR, false);
    });
    await this.wait(t.clearHomeMs);
    this.guard(() => {
      tr.writeByte(ENTRY_MODE | ENTRY_INCREMENT, false);
      tr.setBacklight(this.backlightOn);
    });
    this.mirror.fill(SPACE);
    this.ac = 0;
    this.resumeAc = 0;
    this.shift = 0;
    this.ready = true;
    this.guard(() => this.sendDisplayControl());
  }

  async clear(): Promise<void> {
    await this.slowCommand(CLEAR);
    this.mirror.fill(SPACE);
  }

  async home(): Promise<void> {
    await this.slowCommand(HOME);
  }

  /** Clear or home: nothing else may be written until the controller has finished. */
  private async slowCommand(byte: number): Promise<void> {
    this.command(byte);
    this.ac = 0;
    this.shift = 0;
    this.slowPending = true;
    try {
      await this.wait(this.timing.clearHomeMs);
    } finally {
      this.slowPending = false;
    }
  }

  setCursor(col: number, row: number): void {
    if (!Number.isInteger(col) || !Number.isInteger(row) || col < 0 || col >= LINE_LENGTH || row < 0 || row >= this.rows) {
      throw new LcdError('argument', `cursor (${col}, ${row}) outside ${LINE_LENGTH}x${this.rows} DDRAM`);
    }
    this.setAddress(row * 0x40 + col);
  }

  /** Writes text at the cursor; characters the ROM lacks become '?', registered glyphs their slot. */
  print(text: string): void {
    this.checkReady();
    for (const ch of text) this.writeCode(this.encode(ch));
  }

  /**
   * Defines CGRAM character `slot` (0–7) from 8 rows of 5 dots (bit 4 = leftmost). If `symbol` is
   * given, print() and writeScreen() render that character with this glyph.
   */
  createChar(slot: number, rows: readonly number[], symbol?: string): void {
    if (!Number.isInteger(slot) || slot < 0 || slot > 7) throw new LcdError('argument', `CGRAM slot must be 0..7, got ${slot}`);
    if (rows.length !== 8 || rows.some((r) => !Number.isInteger(r) || r < 0 || r > 0x1f)) {
      throw new LcdError('argument', 'a glyph is 8 rows of 5 dots (integers 0..31)');
    }
    if (symbol !== undefined && [...symbol].length !== 1) throw new LcdError('argument', `glyph symbol must be one character, got "${symbol}"`);
    this.command(SET_CGRAM | (slot << 3));
    if (this.ac !== null) this.resumeAc = this.ac;
    this.ac = null;
    this.guard(() => rows.forEach((r) => this.transport.writeByte(r, true)));
    for (const [sym, code] of this.glyphCodes) if (code === slot) this.glyphCodes.delete(sym);
    if (symbol !== undefined) this.glyphCodes.set(symbol, slot);
    this.lineCache.length = 0;
  }

  display(on: boolean): void {
    this.displayOn = on;
    if (this.ready) this.sendDisplayControl(); // else init() applies it
  }

  cursor(on: boolean): void {
    this.cursorOn = on;
    if (this.ready) this.sendDisplayControl(); // else init() applies it
  }

  blink(on: boolean): void {
    this.blinkOn = on;
    if (this.ready) this.sendDisplayControl(); // else init() applies it
  }

  /** Link time still needed for what has been written (see Hd44780Transport.backlogMs). */
  backlogMs(): number {
    return this.transport.backlogMs();
  }

  get hasBacklight(): boolean {
    return this.transport.hasBacklight;
  }

  setBacklight(on: boolean): void {
    this.backlightOn = on;
    if (this.ready) this.guard(() => this.transport.setBacklight(on)); // else init() applies it
  }

  /** Moves the visible window one column right over DDRAM (text appears to move left). */
  scrollDisplayLeft(): void {
    this.command(SHIFT | SHIFT_DISPLAY);
    this.shift = (this.shift + 1) % LINE_LENGTH;
  }

  scrollDisplayRight(): void {
    this.command(SHIFT | SHIFT_DISPLAY | SHIFT_RIGHT);
    this.shift = (this.shift + LINE_LENGTH - 1) % LINE_LENGTH;
  }

  /**
   * Shows `lines` (padded or cut to the glass), sending only the characters that differ from what
   * is displayed. Returns the number of bytes (instructions and data) sent.
   */
  writeScreen(lines: readonly string[]): number {
    this.checkReady();
    let sent = 0;
    for (let row = 0; row < this.rows; row++) {
      const codes = this.encodeLineCached(row, lines[row] ?? '');
      for (let col = 0; col < this.cols; col++) {
        const addr = row * 0x40 + ((col + this.shift) % LINE_LENGTH);
        const code = codes[col]!;
        if (this.mirror[this.mirrorIndex(addr)] === code) continue;
        if (this.ac !== addr) {
          this.setAddress(addr);
          sent++;
        }
        this.writeCode(code);
        sent++;
      }
    }
    return sent;
  }

  /** A datasheet wait, counted from when the last queued write reaches the module. */
  private wait(ms: number): Promise<void> {
    return this.scheduler.sleep(ms + this.transport.backlogMs());
  }

  private encode(ch: string): number {
    return this.glyphCodes.get(ch) ?? a00Code(ch);
  }

  /**
   * encodeLine's last answer per row: writeScreen runs several times a second with mostly the
   * same text. Cleared when the glyph map changes (the codes depend on it).
   */
  private readonly lineCache: Array<{ text: string; codes: number[] } | undefined> = [];

  private encodeLineCached(row: number, text: string): number[] {
    const hit = this.lineCache[row];
    if (hit !== undefined && hit.text === text) return hit.codes;
    const codes = this.encodeLine(text);
    this.lineCache[row] = { text, codes };
    return codes;
  }

  private encodeLine(text: string): number[] {
    const codes: number[] = [];
    for (const ch of text) {
      if (codes.length === this.cols) break;
      codes.push(this.encode(ch));
    }
    while (codes.length < this.cols) codes.push(SPACE);
    return codes;
  }

  private mirrorIndex(addr: number): number {
    return (addr & 0x40 ? LINE_LENGTH : 0) + (addr & 0x3f);
  }

  private setAddress(addr: number): void {
    this.command(SET_DDRAM | addr);
    this.ac = addr;
  }

  private writeCode(code: number): void {
    if (this.ac === null) this.setAddress(this.resumeAc);
    const addr = this.ac!;
    this.guard(() => this.transport.writeByte(code, true));
    this.mirror[this.mirrorIndex(addr)] = code;
    // The controller's increment in 2-line mode: 0x27 -> 0x40, 0x67 -> 0x00.
    this.ac = addr === 0x27 ? 0x40 : addr === 0x67 ? 0x00 : addr + 1;
  }

  private sendDisplayControl(): void {
    this.command(DISPLAY_CONTROL | (this.displayOn ? 4 : 0) | (this.cursorOn ? 2 : 0) | (this.blinkOn ? 1 : 0));
  }

  private command(byte: number): void {
    this.checkReady();
    this.guard(() => this.transport.writeByte(byte, false));
  }

  private checkReady(): void {
    if (!this.ready) throw new LcdError('not-initialised', `LCD (${this.transport.description}) is not initialised; call init()`);
    if (this.slowPending) throw new LcdError('busy', `LCD (${this.transport.description}) is still executing clear/home`);
  }

  /** Runs a transport write; any failure leaves the controller in an unknown state. */
  private guard(write: () => void): void {
    try {
      write();
    } catch (e) {
      this.ready = false;
      if (e instanceof LcdError) throw e;
      throw new LcdError('bus', `LCD (${this.transport.description}) write failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
