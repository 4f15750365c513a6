// A World with the device's other peripherals attached the way hal/wiring.ts wires them: the 16x2
// LCD (on its PCF8574 backpack on the simulated I2C bus, A4/A5, or on six digital pins) and the
// blood-pressure cuff (MPX5050 on A3, pump D5, valve D6, and in the parallel-LCD variant the
// oscillation amplifier on A4). The firmware then gets `world.uno` as its Board and finds the
// peripherals where the wiring says.
import { CUFF_OSCILLATION_PIN, LCD_BACKPACK_ADDRESS, LCD_PARALLEL_PINS } from '../hal/wiring.ts';
import { VirtualClock } from './clock.ts';
import { SimI2cBus } from './i2c-bus.ts';
import { attachOscillationAdc } from './nibp/oscillation-adc.ts';
import { attachBackpackLcd, attachParallelLcd, type SimLcd } from './lcd/module.ts';
import { CuffRig } from './nibp/cuff-rig.ts';
import { World, type WorldOptions } from './world.ts';

export type SimLcdWiring = 'backpack' | 'parallel' | 'none';
export type SimCuff = 'none' | 'dc-only' | 'oscillation' | 'oscillation-i2c';

export interface DeviceWorldOptions extends Omit<WorldOptions, 'i2c' | 'clock'> {
  /** How the LCD is fitted (default: the backpack). */
  lcd?: SimLcdWiring;
  /** The cuff: absent, pressure only (A3), or with the oscillation amplifier on A4 (default: none). */
  cuff?: SimCuff;
}

export interface DeviceWorld {
  world: World;
  bus: SimI2cBus;
  lcd: SimLcd | undefined;
  cuff: CuffRig | undefined;
}

export function createDeviceWorld(opts: DeviceWorldOptions): DeviceWorld {
  const lcdWiring = opts.lcd ?? 'backpack';
  const cuffKind = opts.cuff ?? 'none';
  if (cuffKind === 'oscillation' && lcdWiring === 'backpack') throw new RangeError(`the cuff's oscillation channel needs ${CUFF_OSCILLATION_PIN}, the backpack's SDA: choose the parallel LCD`);
  const clock = new VirtualClock({ yieldEveryMs: 1000 });
  const bus = new SimI2cBus(clock);
  const world = new World({ ...opts, clock, i2c: bus });
  const uno = world.uno;
  let lcd: SimLcd | undefined;
  if (lcdWiring === 'backpack') lcd = attachBackpackLcd(clock, bus, LCD_BACKPACK_ADDRESS);
  else if (lcdWiring === 'parallel') {
    const p = LCD_PARALLEL_PINS;
    lcd = attachParallelLcd(clock, { rs: uno.outputWire(p.rs), e: uno.outputWire(p.e), d4: uno.outputWire(p.d4), d5: uno.outputWire(p.d5), d6: uno.outputWire(p.d6), d7: uno.outputWire(p.d7) });
  }
  const cuff =
    cuffKind === 'none'
      ? undefined
      : CuffRig.onUno(uno, { patient: world.patient, rng: world.rng.fork('cuff'), cuffLeakMmHgPerS: world.patient.device.cuffLeakMmHgPerS }, cuffKind === 'oscillation');
  // The oscillation amplifier on its own ADS1115 (0x49) on the I2C bus: A4 stays SDA.
  if (cuff && cuffKind === 'oscillation-i2c') attachOscillationAdc(bus, cuff, world.rng.fork('cuff-adc'));
  return { world, bus, lcd, cuff };
}
