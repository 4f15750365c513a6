// The HD44780 model on its own, driven pin by pin: instruction decoding, RAM addressing, shift,
// 4-bit nibble assembly after power-on, and the timing rules it enforces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Hd44780Model } from '../../sim/lcd/hd44780.ts';
import { renderLines, renderBox, romChar, glyphArt, cgramBitmaps } from '../../sim/lcd/render.ts';

/** A bus master with its own time cursor: each transfer takes 0.1 ms unless told otherwise. */
class Host {
  t = 50; // after the 40 ms power-on reset
  constructor(readonly m: Hd44780Model, public stepMs = 0.1) {}
  /** One E cycle with the given DB0–DB7. */
  cycle(rs: boolean, db: number): void {
    const q = this.stepMs / 4;
    this.m.drive({ rs, rw: false, e: false, db }, this.t);
    this.m.drive({ rs, rw: false, e: true, db }, this.t + q);
    this.m.drive({ rs, rw: false, e: false, db }, this.t + 2 * q);
    this.t += this.stepMs;
  }
  /** A byte in 4-bit mode: two cycles, high nibble first (D0–D3 unwired, pulled high). */
  byte4(rs: boolean, b: number): void {
    this.cycle(rs, (b & 0xf0) | 0x0f);
    this.cycle(rs, ((b << 4) & 0xf0) | 0x0f);
  }
  wait(ms: number): void {
    this.t += ms;
  }
  /** The datasheet's 4-bit initialisation with correct waits. */
  init4(): void {
    this.cycle(false, 0x3f);
    this.wait(5);
    this.cycle(false, 0x3f);
    this.wait(1);
    this.cycle(false, 0x3f);
    this.cycle(false, 0x2f);
    this.byte4(false, 0x28);
    this.byte4(false, 0x08);
    this.byte4(false, 0x01);
    this.wait(2);
    this.byte4(false, 0x06);
    this.byte4(false, 0x0c);
  }
  text(s: string): void {
    for (const ch of s) this.byte4(true, ch.charCodeAt(0));
  }
}

test('power-on state is the internal reset state: 8-bit, 1 line, display off, increment', () => {
  const m = new Hd44780Model();
  const s = m.state;
  assert.equal([s.eightBit, s.twoLine, s.displayOn, s.cursorOn, s.blinkOn, s.increment, s.shiftOnWrite], [true, false, false, false, false, true, false]);
  assert.equal(renderLines(m), ['                ', '                ']);
});

test('the 4-bit init sequence ends in 4-bit, 2-line, 5x8, display on, without violations', () => {
  const m = new Hd44780Model();
  const h = new Host(m);
  h.init4();
  h.text('Hello');
  const s = m.state;
  assert.is(s.eightBit, false);
  assert.is(s.twoLine, true);
  assert.is(s.font5x10, false);
  assert.is(s.displayOn, true);
  assert.is(m.timingViolations, 0);
  assert.is(renderLines(m)[0], 'Hello           ');
});

test('8-bit mode single nibbles: 0x2 alone selects 4-bit but leaves 1-line until the full function set', () => {
  const m = new Hd44780Model();
  const h = new Host(m);
  h.cycle(false, 0x3f);
  h.wait(5);
  h.cycle(false, 0x3f);
  h.wait(1);
  h.cycle(false, 0x3f);
  h.cycle(false, 0x2f); // read as the 8-bit instruction 0x2F: DL=0, N=1, F=1 from the pulled-up DB0-3
  assert.is(m.state.eightBit, false);
  h.byte4(false, 0x28);
  assert.is(m.state.twoLine, true);
  assert.is(m.state.font5x10, false);
  assert.is(m.state.pendingNibble, null);
});

test('an init that skips the 8-bit function sets leaves nibbles out of step: garbage, as on real hardware', () => {
  const m = new Hd44780Model();
  const h = new Host(m);
  // Straight into 4-bit transfers while the controller is in 8-bit mode after power-on.
  h.byte4(false, 0x28); // the 0x2 nibble is taken as 8-bit 0x2F; the 0x8 nibble becomes a high nibble
  h.byte4(false, 0x0c);
  h.byte4(false, 0x01);
  h.wait(2);
  h.byte4(false, 0x06);
  h.text('OK');
  // 0x2 -> 8-bit 0x2F (5x10 font); then 0x8 0x0 -> 0x80, 0xC 0x0 -> 0xC0 (set address, not display on).
  assert.is(m.state.font5x10, true);
  assert.is(m.state.displayOn, false);
  assert.is(renderLines(m)[0], ' '.repeat(16));
  assert.is(m.timingViolations, 0); // wrong without any timing fault
});

test('init resynchronises a controller left halfway through a 4-bit byte (MCU reset without power cycle)', () => {
  const m = new Hd44780Model();
  const h = new Host(m);
  h.init4();
  h.text('old');
  h.cycle(true, 0x4f); // a lone high nibble, then the MCU resets
  assert.is(m.state.pendingNibble, 4);
  h.wait(100);
  h.init4();
  h.text('new');
  assert.is(renderLines(m)[0], 'new             ');
  assert.is(m.timingViolations, 0);
});

test('instructions during the 40 ms power-on reset are lost and counted', () => {
  const m = new Hd44780Model();
  const h = new Host(m);
  h.t = 10;
  h.cycle(false, 0x3f);
  assert.is(m.timingViolations, 1);
  assert.is(m.violations[0]!.kind, 'power-on');
  assert.is(m.counters.lost, 1);
});

test('busy rules: 4.1 ms after the first function set, 100 µs after the second, 37 µs after others, 1.52 ms after clear', () => {
  const m = new Hd44780Model();
  const h = new Host(m, 0.02);
  h.cycle(false, 0x3f);
  h.wait(3); // < 4.1 ms
  h.cycle(false, 0x3f);
  assert.is(m.violations.filter((v) => v.kind === 'busy').length, 1);
  h.wait(5);
  h.cycle(false, 0x3f); // the real second one
  h.cycle(false, 0x3f); // 20 µs later: < 100 µs
  assert.is(m.violations.length, 2);
  h.wait(1);
  h.cycle(false, 0x3f);
  h.wait(0.1);
  h.stepMs = 0.05; // 50 µs per 8-bit transfer: > 37 µs
  h.cycle(false, 0x38);
  h.cycle(false, 0x0c);
  assert.is(m.violations.length, 2);
  h.cycle(false, 0x01); // clear
  h.cycle(false, 0x06); // 50 µs after clear: lost
  assert.is(m.violations.length, 3);
  assert.is(m.state.increment, true);
  h.wait(1.6);
  h.cycle(false, 0x04); // decrement, now accepted
  assert.is(m.state.increment, false);
  assert.is(m.violations.length, 3);
  h.stepMs = 0.02; // 20 µs per transfer: every second one is lost
  for (const ch of 'ABCD') h.cycle(true, ch.charCodeAt(0));
  assert.ok(m.violations.length > 3);
});

test('RS changing together with E rising is a set-up violation', () => {
  const m = new Hd44780Model();
  const h = new Host(m);
  h.init4();
  m.drive({ rs: true, rw: false, e: true, db: 0x4f }, h.t);
  m.drive({ rs: true, rw: false, e: false, db: 0x4f }, h.t + 0.05);
  assert.equal(m.violations.map((v) => v.kind), ['setup']);
});

test('an E pulse shorter than 450 ns is a pulse violation', () => {
  const m = new Hd44780Model();
  const h = new Host(m);
  h.init4();
  m.drive({ rs: true, rw: false, e: false, db: 0x4f }, h.t);
  m.drive({ rs: true, rw: false, e: true, db: 0x4f }, h.t + 0.001);
  m.drive({ rs: true, rw: false, e: false, db: 0x4f }, h.t + 0.0013); // 300 ns
  assert.equal(m.violations.map((v) => v.kind), ['pulse']);
});

test('DDRAM addressing in 2-line mode: line 2 at 0x40, wrap 0x27 -> 0x40 -> ... 0x67 -> 0x00', () => {
  const m = new Hd44780Model();
  const h = new Host(m);
  h.init4();
  h.byte4(false, 0x80 | 0x26);
  h.text('xyz'); // 0x26, 0x27, then 0x40
  assert.is(m.state.ac, 0x41);
  assert.is(renderLines(m)[1], 'z               ');
  h.byte4(false, 0x80 | 0x67);
  h.text('pq'); // 0x67 then 0x00
  assert.is(renderLines(m)[0], 'q               ');
  h.byte4(false, 0xc0 | 5);
  h.text('L2');
  assert.is(renderLines(m)[1], 'z    L2         ');
});

test('display shift moves the window; return home undoes it; display off blanks the glass', () => {
  const m = new Hd44780Model();
  const h = new Host(m);
  h.init4();
  h.text('ABCDEFGHIJKLMNOPQRST');
  h.byte4(false, 0x18); // shift display left
  h.byte4(false, 0x18);
  assert.is(renderLines(m)[0], 'CDEFGHIJKLMNOPQR');
  h.byte4(false, 0x1c); // shift right
  assert.is(renderLines(m)[0], 'BCDEFGHIJKLMNOPQ');
  h.byte4(false, 0x1c);
  h.byte4(false, 0x1c); // window at -1: shows DDRAM column 39 first
  assert.is(renderLines(m)[0], ' ABCDEFGHIJKLMNO');
  h.byte4(false, 0x02);
  h.wait(2);
  assert.is(m.state.displayShift, 0);
  assert.is(renderLines(m)[0], 'ABCDEFGHIJKLMNOP');
  h.byte4(false, 0x08);
  assert.is(renderLines(m)[0], ' '.repeat(16));
  assert.is(m.ddram[0], 0x41); // contents kept
});

test('entry mode: decrement writes right to left; S=1 shifts the display with each write', () => {
  const m = new Hd44780Model();
  const h = new Host(m);
  h.init4();
  h.byte4(false, 0x04); // I/D = 0
  h.byte4(false, 0x80 | 5);
  h.text('abc');
  assert.is(renderLines(m)[0], '   cba          ');
  h.byte4(false, 0x07); // I/D = 1, S = 1
  h.byte4(false, 0x80 | 10);
  h.text('XY');
  assert.is(m.state.displayShift, 2);
  assert.is(renderLines(m)[0], ' cba    XY      ');
  h.byte4(false, 0x10); // cursor shift left (S/C = 0): moves AC only
  assert.is(m.state.ac, 11);
  assert.is(m.state.displayShift, 2);
});

test('CGRAM: 8 glyphs of 8 rows, codes 0-7 and their mirrors 8-15 show them; rows keep 5 bits', () => {
  const m = new Hd44780Model();
  const h = new Host(m);
  h.init4();
  h.byte4(false, 0x40 | (3 << 3));
  const rows = [0x00, 0x0a, 0x1f, 0x1f, 0x0e, 0x04, 0x00, 0xff];
  for (const r of rows) h.byte4(true, r);
  assert.equal(m.cgramGlyph(3), [0x00, 0x0a, 0x1f, 0x1f, 0x0e, 0x04, 0x00, 0x1f]);
  assert.equal(cgramBitmaps(m)[3], m.cgramGlyph(3));
  assert.equal(glyphArt(m.cgramGlyph(3)).slice(1, 3), ['.#.#.', '#####']);
  h.byte4(false, 0x80);
  h.byte4(true, 3);
  h.byte4(true, 11);
  h.byte4(true, 0xdf);
  assert.is(renderLines(m, ['a', 'b', 'c', '♥'])[0], '♥♥°             ');
});

test('ROM A00 mapping and the terminal box', () => {
  assert.is(romChar(0x41), 'A');
  assert.is(romChar(0x5c), '¥');
  assert.is(romChar(0xdf), '°');
  assert.is(romChar(0xb1), 'ｱ');
  const m = new Hd44780Model();
  const h = new Host(m);
  h.init4();
  h.text('Hi');
  m.backlight = false;
  const box = renderBox(m).split('\n');
  assert.is(box.length, 5);
  assert.is(box[0], '┌' + '─'.repeat(16) + '┐');
  assert.is(box[1], '│Hi              │');
  assert.is(box[4], ' (backlight off)');
});

test.run();
