// wiring.md's pin tables against the code's pin maps: every pin the code uses is in the document
// with the same Uno pin, every row that names code names the right pin, and no pin is used twice
// (outside the parallel-LCD alternative, which is documented as excluding the passthrough).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { CUFF_OSCILLATION_PIN, I2C_PINS, LCD_PARALLEL_PINS, SENSOR_PINS } from '../../hal/wiring.ts';
import { DEFAULT_PARALLEL_PINS } from '../../firmware/lcd/board.ts';
import { FIRMATA_SERIAL_PINS } from '../../hal/targets/johnny-five-board.ts';

const PIN_MAP = SENSOR_PINS;

const doc = readFileSync(new URL('../../wiring.md', import.meta.url), 'utf8');

/** Rows `| PIN | `name` | ...` of the table that follows `heading` text. */
function tableRows(after: string): [pin: string, name: string][] {
  const start = doc.indexOf(after);
  assert.ok(start >= 0, `wiring.md has "${after}"`);
  const rows: [string, string][] = [];
  let inTable = false;
  for (const line of doc.slice(start).split('\n')) {
    if (line.startsWith('|')) {
      inTable = true;
      const cells = line.split('|').map((c) => c.trim());
      const m = /^`(\w+)`$/.exec(cells[2] ?? '');
      if (m && /^(A[0-5]|D\d{1,2})$/.test(cells[1]!)) rows.push([cells[1]!, m[1]!]);
    } else if (inTable) break;
  }
  return rows;
}

const main = tableRows('| Uno pin | Code name | Signal |');
const parallel = tableRows('| Uno pin | Code name | LCD pin |');
const I2C = I2C_PINS;

test('every PIN_MAP entry is in the pin table on the same pin', () => {
  const byName = new Map(main.map(([pin, name]) => [name, pin]));
  for (const [name, pin] of Object.entries(PIN_MAP)) assert.is(byName.get(name), pin, `${name}`);
});

test('every named row matches the code (sensor map, I2C pins, Firmata passthrough pins)', () => {
  const code: Record<string, string> = { ...PIN_MAP, ...I2C, ...FIRMATA_SERIAL_PINS, cuffOscillation: CUFF_OSCILLATION_PIN };
  assert.ok(main.length >= Object.keys(PIN_MAP).length + 4);
  for (const [pin, name] of main) assert.is(code[name], pin, `row ${pin} \`${name}\``);
  // A4 is listed twice: SDA with the backpack, or the cuff's oscillation amplifier with the
  // parallel LCD; every other pin once.
  const pins = main.map(([p]) => p).filter((p) => p !== CUFF_OSCILLATION_PIN);
  assert.is(new Set(pins).size, pins.length, 'no pin assigned twice');
});

test('parallel LCD table matches the code (hal/wiring.ts and the LCD driver default) and uses only pins free of the sensors', () => {
  assert.equal(Object.fromEntries(parallel.map(([pin, name]) => [name, pin])), { ...LCD_PARALLEL_PINS });
  assert.equal({ ...DEFAULT_PARALLEL_PINS }, { ...LCD_PARALLEL_PINS });
  const sensorPins = new Set<string>([...Object.values(PIN_MAP), 'A4', 'A5']);
  for (const [pin] of parallel) assert.not.ok(sensorPins.has(pin), `${pin} clashes`);
});

test('the document covers the parts and the rules the issue asks for', () => {
  for (const part of ['Arduino Uno', 'AD8232', 'Pulse sensor', 'LM35', 'MPX5050', 'pump', 'valve', 'MOSFET', '16x2', 'PCF8574', 'MAX232', 'SIM800', 'buzzer']) {
    assert.ok(doc.toLowerCase().includes(part.toLowerCase()), part);
  }
  assert.match(doc, /2 A/);
  assert.match(doc, /Battery power only/i);
  assert.match(doc, /StandardFirmata 2\.4/);
  assert.match(doc, /StandardFirmataPlus 2\.5/);
  assert.match(doc, /bsn-care flash --port/);
});

test.run();
