// The real StandardFirmata 2.4 on an emulated ATmega328P (avr8js), driven through johnny-five by
// the hal/ board target: capabilities, output and input pins, the ADC fed from the patient model,
// and the LCD. One boot is shared by the tests (the sketch blinks its version for ~1.9 s first).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmulatedUno, type EmulatedUnoRig } from '../../sim/avr/harness.ts';
import { JohnnyFiveBoard } from '../../hal/targets/johnny-five-board.ts';
import { firmataHexOrSkip } from './firmata-fixture.ts';
import { World, PIN_MAP } from '../../sim/world.ts';
import { adcCounts, VirtualUno } from '../../sim/uno.ts';
import { VirtualClock } from '../../sim/clock.ts';
import { Rng } from '../../sim/rng.ts';
import { SimI2cBus } from '../../sim/i2c-bus.ts';
import { attachBackpackLcd } from '../../sim/lcd/module.ts';
import { Hd44780Model } from '../../sim/lcd/hd44780.ts';
import { Pcf8574, wireBackpack } from '../../sim/lcd/pcf8574.ts';
import { renderLines } from '../../sim/lcd/render.ts';
import { createLcd } from '../../firmware/lcd/board.ts';
import { LcdError } from '../../firmware/lcd/transport.ts';
import { setupLcd } from '../../firmware/display/controller.ts';
import { vitalsScreen, networkScreen } from '../../firmware/display/screens.ts';
import { GLYPH_SYMBOLS_BY_SLOT } from '../../firmware/lcd/glyphs.ts';
import type { DisplayModel } from '../../firmware/display/model.ts';
import type { Board } from '../../hal/board.ts';
import { SensingDevice } from '../../firmware/sensing/device.ts';
import { createSimRun } from '../../cli/sim-run.ts';

const hex = await firmataHexOrSkip('emulated-Uno tests');

const model: DisplayModel = {
  heartRateBpm: 72,
  pulseRateBpm: 71,
  tempC: 36.8,
  bp: { systolicMmHg: 128, diastolicMmHg: 84, ageMs: 180_000 },
  faults: [],
  network: { registered: true, signalBars: 3, gprs: true, server: 'ok', queued: 0 },
};

/** Draws two screens with the firmware's LCD driver on any Board; `drained` waits for the link. */
async function drawScreens(board: Board, drained: () => Promise<void>): Promise<void> {
  const lcd = createLcd(board);
  await setupLcd(lcd);
  lcd.writeScreen(networkScreen(model));
  await drained();
  lcd.writeScreen(vitalsScreen(model));
  await drained();
}

if (hex) {
  let rig: EmulatedUnoRig;
  let board: JohnnyFiveBoard;
  const world = new World({ scenario: 'normal', seed: 7 });
  // The ATmega328P's LCD backpack: the simulator's PCF8574 + HD44780 on the emulated TWI.
  const lcdModel = new Hd44780Model({ powerOnAtMs: 0 });
  const expander = new Pcf8574();
  wireBackpack(expander, lcdModel);
  const led: boolean[] = [];
  /** What the emulated ADC converted on A0, in order. */
  const converted: number[] = [];

  test.before(async () => {
    rig = startEmulatedUno(hex);
    rig.uno.attachI2c(0x27, expander);
    rig.uno.watchPin('D13', (level) => level !== null && led.push(level));
    // The AD8232's output, from the patient model, on A0 (the world's own clock is not used: the
    // front end is a function of time, and the emulator asks at its conversion times).
    rig.uno.attachAnalog('A0', (t) => {
      const v = world.ecgFrontEnd.outputV(t);
      converted.push(adcCounts(v));
      return v;
    });
    rig.uno.attachAnalog('A1', (t) => world.pulseSensor.outputV(t));
    rig.uno.attachAnalog('A2', (t) => world.lm35.outputV(t));
    // The sketch announces its version after its boot blink; no need for firmata-io to ask (its
    // timer is on the wall clock, and a slow machine would make it ask mid-handshake).
    board = await JohnnyFiveBoard.connect({ transport: rig.stream, scheduler: rig.clock, readyTimeoutMs: 5000, versionQueryAfterMs: 60_000 });
  });

  test.after(() => {
    rig.stop();
    board.close();
  });

  test('capabilities come from the board: StandardFirmata 2.4 means 10 ms sampling, I2C, no serial passthrough', () => {
    assert.equal(board.firmware.major, 2);
    assert.equal(board.firmware.minor, 4);
    assert.match(board.firmware.name, /StandardFirmata/);
    assert.equal(board.capabilities, { minSampleIntervalMs: 10, modemSerial: false, i2c: true });
    assert.equal(board.io.analogPins, [14, 15, 16, 17, 18, 19]);
    assert.throws(() => board.modemSerial(), /StandardFirmataPlus 2\.5/);
    // The sketch's version blink at boot (2 then 4 flashes) is on the LED pin D13.
    const highs = led.filter((l) => l).length;
    assert.ok(highs >= 6, `D13 went high ${highs} times during boot`);
    assert.equal(board.setSamplingInterval(2), 10, 'a shorter interval than the firmware allows is clamped');
  });

  test('buzzer (D8) and LED (D13) outputs switch the emulated port pins', async () => {
    const buzzer = board.digitalOut(PIN_MAP.buzzer);
    const ledOut = board.digitalOut(PIN_MAP.led);
    const seen: [string, boolean | null, number][] = [];
    const un1 = rig.uno.watchPin('D8', (l, t) => seen.push(['D8', l, t]));
    const un2 = rig.uno.watchPin('D13', (l, t) => seen.push(['D13', l, t]));
    await rig.clock.sleep(5);
    buzzer.write(true);
    ledOut.write(false);
    await rig.clock.sleep(5);
    assert.is(rig.uno.outputLevel('D8'), true);
    assert.is(rig.uno.outputLevel('D13'), false);
    buzzer.write(false);
    ledOut.write(true);
    await rig.clock.sleep(5);
    assert.is(rig.uno.outputLevel('D8'), false);
    assert.is(rig.uno.outputLevel('D13'), true);
    un1();
    un2();
    assert.ok(seen.some(([p, l]) => p === 'D8' && l === true) && seen.some(([p, l]) => p === 'D8' && l === false), JSON.stringify(seen));
    // PWM on the pump pin: timer 0's compare output drives PD5.
    const pump = board.pwmOut(PIN_MAP.pump);
    pump.setDuty(0.5);
    await rig.clock.sleep(5);
    const ocr0b = rig.uno.cpu.data[0x48];
    assert.is(ocr0b, 128, 'OCR0B holds the duty (0.5 of 255)');
  });

  test('lead-off inputs (D10 LO+, D11 LO−) are read through Firmata digital reports', async () => {
    const loPlus = board.digitalIn(PIN_MAP.leadOffPlus);
    const loMinus = board.digitalIn(PIN_MAP.leadOffMinus);
    await rig.clock.sleep(20);
    assert.is(loPlus.read(), false);
    assert.is(loMinus.read(), false);
    rig.uno.setInput('D10', true);
    await rig.clock.sleep(20);
    assert.is(loPlus.read(), true);
    assert.is(loMinus.read(), false);
    rig.uno.setInput('D11', true);
    rig.uno.setInput('D10', false);
    await rig.clock.sleep(20);
    assert.is(loPlus.read(), false);
    assert.is(loMinus.read(), true);
    rig.uno.setInput('D11', false);
  });

  test('ECG front-end voltage → emulated ADC → Firmata analog messages → hal AnalogIn, every 10 ms', async () => {
    const ecg = board.analogIn(PIN_MAP.ecg);
    const temp = board.analogIn(PIN_MAP.temperature);
    // Each value the host sees, stamped in emulated time when it arrived.
    const got: { t: number; v: number }[] = [];
    let last = -1;
    const n0 = board.analogReports('A0');
    const h = rig.clock.every(1, () => {
      const n = board.analogReports('A0');
      if (n !== last) got.push({ t: rig.clock.now(), v: ecg.read() });
      last = n;
    });
    await rig.clock.sleep(1500);
    h.cancel();
    const reports = board.analogReports('A0') - n0;
    // 1.5 s at 10 ms: about 150 reports.
    assert.ok(reports >= 140 && reports <= 152, `${reports} A0 reports in 1.5 s`);
    // The host's values are, in order, conversions the emulated ADC made of the front-end voltage.
    let i = 0;
    let matched = 0;
    for (const { v } of got) {
      while (i < converted.length && converted[i] !== v) i++;
      if (i < converted.length) matched++;
    }
    assert.is(matched, got.length, `${matched} of ${got.length} host values found in order among ${converted.length} conversions`);
    // Firmata converts each reported channel once per interval.
    assert.ok(converted.length >= reports && converted.length <= reports + 40, `${converted.length} conversions for ${reports} reports`);
    const vals = got.map((g) => g.v);
    const span = Math.max(...vals) - Math.min(...vals);
    assert.ok(span > 100, `ECG span ${span} counts: R waves are there`);
    // LM35 at ~37 °C: 0.37 V → 75–76 counts.
    assert.ok(Math.abs(temp.read() - adcCounts(world.lm35.outputV(rig.clock.now()))) <= 2, `LM35 counts ${temp.read()}`);
  });

  test('the same LCD driver shows the same text on the emulated Uno as on the simulator board', async () => {
    // Firmata's 57600-baud link is slower than the I2C bus: wait until the host's bytes are in.
    const drained = async (): Promise<void> => {
      while (rig.uno.hostBacklog > 0) await rig.clock.sleep(5);
      await rig.clock.sleep(10);
    };
    await drawScreens(board, drained);
    const onEmulator = renderLines(lcdModel, GLYPH_SYMBOLS_BY_SLOT);

    const clock = new VirtualClock();
    const bus = new SimI2cBus(clock, { reportsAck: false });
    const simLcd = attachBackpackLcd(clock, bus, 0x27);
    const uno = new VirtualUno({ clock, rng: new Rng(1), i2c: bus });
    const done = drawScreens(uno, () => uno.scheduler.sleep(20));
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished) {
      await new Promise((r) => setImmediate(r));
      const next = clock.nextEventAt();
      if (next !== undefined) await clock.runUntil(next);
    }
    const onSim = simLcd.lines(GLYPH_SYMBOLS_BY_SLOT);

    assert.equal(onEmulator, vitalsScreen(model), 'emulated Uno shows the vitals screen');
    assert.equal(onEmulator, onSim);
    assert.equal(lcdModel.violations, [], 'no HD44780 timing violation over Firmata + emulated TWI');
    assert.ok(rig.uno.i2c.stats.bytesWritten > 100, `${rig.uno.i2c.stats.bytesWritten} bytes over the emulated TWI`);
    assert.is(rig.uno.i2c.stats.nacks, 0);
    // A read through Firmata returns the expander's pins (backlight on, E low).
    const port = await board.i2c().read(0x27, 1);
    assert.equal(Array.from(port), [expander.port]);
    assert.is(expander.port & 0x0c, 0x08);
  });

  test('an LCD backpack at an address nobody answers is reported not-found (Firmata cannot see NACKs; the read times out)', async () => {
    const lcd = createLcd(board, { kind: 'backpack', address: 0x3f });
    const nacks = rig.uno.i2c.stats.nacks;
    const err = await setupLcd(lcd).then(() => null, (e: unknown) => e);
    assert.instance(err, LcdError);
    assert.is((err as LcdError).kind, 'not-found');
    assert.match((err as Error).message, /0x3F/);
    assert.ok(rig.uno.i2c.stats.nacks > nacks, 'the emulated TWI saw the address NACKed');
  });

  test('the device application adapts to the board (ECG at 100 Hz, says so) and shows the same screens as on the simulator', async () => {
    const device = new SensingDevice(board, { lcd: { kind: 'backpack' } });
    assert.is(device.ecgHz, 100);
    assert.ok(device.notices.some((n) => /^ECG at 100 Hz: .*StandardFirmata.* samples at most every 10 ms \(250 Hz asked\)/.test(n)), device.notices.join('; '));
    const notices: string[] = [];
    const faults: string[] = [];
    device.onEvent((e) => {
      if (e.kind === 'notice') notices.push(e.text);
      if (e.kind === 'fault') faults.push(`${e.channel} ${e.fault}`);
    });
    // The same application on the simulator's virtual Uno (backpack LCD, no cuff), same scenario.
    const sim = createSimRun({ scenario: 'normal', seed: 7, lcd: 'backpack', cuff: 'none' });
    assert.is(sim.device.ecgHz, 250, 'the virtual Uno samples every 1 ms: no adaptation there');
    device.start();
    sim.device.start();
    const simClock = sim.dw.world.clock;
    const t0Emu = rig.clock.now();
    const t0Sim = simClock.now();
    const at = async (ms: number): Promise<[string[], string[]]> => {
      await rig.clock.sleep(t0Emu + ms - rig.clock.now());
      await simClock.runUntil(t0Sim + ms);
      return [renderLines(lcdModel, GLYPH_SYMBOLS_BY_SLOT), sim.lcdLines()!];
    };
    const [emu1, sim1] = await at(800);
    const [emu2, sim2] = await at(3500);
    sim.device.stop();
    // An electrode comes off: the AD8232 raises LO+ (D10); the device reports a lead-off fault,
    // read through Firmata's digital reports, not a heart rate.
    rig.uno.setInput('D10', true);
    const tOff = rig.clock.now();
    while (!faults.includes('ecg lead-off') && rig.clock.now() - tOff < 5000) await rig.clock.sleep(100);
    rig.uno.setInput('D10', false);
    device.stop();
    assert.ok(faults.includes('ecg lead-off'), `faults: ${faults.join(', ')}`);
    assert.ok(rig.clock.now() - tOff <= 3000, `lead-off reported after ${(rig.clock.now() - tOff).toFixed(0)} ms`);
    assert.equal(notices.length, 1, 'the adaptation is announced when the device starts');
    assert.match(emu1[0]!, /^♥ -- P --/, 'vitals screen while acquiring');
    assert.equal(emu1, sim1);
    assert.match(emu2[0]!, /No net/, 'the rotation has moved on to the network screen');
    assert.equal(emu2, sim2);
  });
}

test.run();
