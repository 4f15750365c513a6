// The stress sensors on the simulated I2C bus, matching firmware/stress/README.md: an MPU-6050 at
// 0x68 (AD0 low) on the belt-clipped unit, and an ADS1115 at 0x48 (ADDR to GND) with the Grove GSR
// (finger electrodes) on AIN0 and a second LM35 taped to the palm side of a fingertip on AIN1. The
// LCD backpack (0x27) shares the bus; none of the addresses collide.
import type { SimI2cBus } from '../i2c-bus.ts';
import type { Rng } from '../rng.ts';
import { Lm35 } from '../frontends/lm35.ts';
import { ActivityPhysiology, activityScenario, type ActivityScenario, type StressSubject } from './activity.ts';
import { Ads1115Model } from './ads1115.ts';
import { GroveGsr } from './gsr-sensor.ts';
import { Mpu6050Model } from './mpu6050.ts';

export const STRESS_BUS = {
  mpu6050: 0x68,
  ads1115: 0x48,
  /** ADS1115 inputs. */
  gsrChannel: 0,
  skinTempChannel: 1,
} as const;

export interface StressRigOptions {
  scenario: string | ActivityScenario;
  rng: Rng;
  subject?: StressSubject;
  /** Thermal time constant of the skin probe, s (a small taped probe: ~20 s). */
  skinProbeTauS?: number;
  /** Grove GSR trimmer error, V (open-circuit output = 2.5 V + this). */
  gsrTrimErrorV?: number;
}

export class StressRig {
  readonly physiology: ActivityPhysiology;
  readonly mpu: Mpu6050Model;
  readonly ads: Ads1115Model;
  readonly gsr: GroveGsr;
  readonly skinProbe: Lm35;

  constructor(bus: SimI2cBus, opts: StressRigOptions) {
    const scenario = typeof opts.scenario === 'string' ? activityScenario(opts.scenario) : opts.scenario;
    this.physiology = new ActivityPhysiology(scenario, opts.rng.fork('physiology'), opts.subject);
    this.mpu = new Mpu6050Model((t) => this.physiology.accelerationG(t), { rng: opts.rng.fork('mpu6050') });
    this.ads = new Ads1115Model({ rng: opts.rng.fork('ads1115') });
    this.gsr = new GroveGsr((t) => this.physiology.conductanceUs(t), { rng: opts.rng.fork('gsr'), trimErrorV: opts.gsrTrimErrorV ?? 0 });
    this.skinProbe = new Lm35((t) => this.physiology.skinTempC(t), { rng: opts.rng.fork('skin-lm35'), timeConstantS: opts.skinProbeTauS ?? 20 });
    this.ads.connect(STRESS_BUS.gsrChannel, (t) => this.gsr.outputV(t));
    this.ads.connect(STRESS_BUS.skinTempChannel, (t) => this.skinProbe.outputV(t));
    bus.attach(STRESS_BUS.mpu6050, this.mpu);
    bus.attach(STRESS_BUS.ads1115, this.ads);
  }
}
