// A World with the device's other peripherals attached the way hal/wiring.ts wires them: the 16x2
// LCD on its PCF8574 backpack on the simulated I2C bus (A4/A5), and (when fitted) the blood-pressure
// cuff. The firmware then gets `world.uno` as its Board and finds the peripherals where the
// wiring says.
import { LCD_BACKPACK_ADDRESS } from '../hal/wiring.ts';
import { VirtualClock } from './clock.ts';
import { SimI2cBus } from './i2c-bus.ts';
import { attachBackpackLcd, type SimLcd } from './lcd/module.ts';
import { World, type WorldOptions } from './world.ts';

export interface DeviceWorldOptions extends Omit<WorldOptions, 'i2c' | 'clock'> {
  /** Fit the LCD backpack (default true). */
  lcd?: boolean;
}

export interface DeviceWorld {
  world: World;
  bus: SimI2cBus;
  lcd: SimLcd | undefined;
}

export function createDeviceWorld(opts: DeviceWorldOptions): DeviceWorld {
  const clock = new VirtualClock({ yieldEveryMs: 1000 });
  const bus = new SimI2cBus(clock);
  const world = new World({ ...opts, clock, i2c: bus });
  const lcd = opts.lcd === false ? undefined : attachBackpackLcd(clock, bus, LCD_BACKPACK_ADDRESS);
  return { world, bus, lcd };
}
