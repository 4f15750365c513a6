// InvenSense MPU-6050 model on the simulated I2C bus (register map RM-MPU-6000A): a 128-byte
// register file with auto-incrementing pointer, WHO_AM_I 0x68, power-on SLEEP (PWR_MGMT_1 = 0x40:
// data registers stay at 0 until woken), DEVICE_RESET, sample rate = (DLPF on ? 1 kHz : 8 kHz) /
// (1 + SMPLRT_DIV) with the data registers updated on that grid, AFS_SEL full scale (±2-16 g),
// accelerometer noise (400 µg/√Hz over the DLPF bandwidth) and a per-unit zero-g offset, and the
// die temperature (raw / 340 + 36.53 °C). Acceleration comes from a source in g.
import type { SimI2cDevice } from '../i2c-bus.ts';
import type { Rng } from '../rng.ts';

export type AccelSource = (tMs: number) => readonly [number, number, number];

const REG = { SMPLRT_DIV: 0x19, CONFIG: 0x1a, ACCEL_CONFIG: 0x1c, ACCEL_XOUT_H: 0x3b, TEMP_OUT_H: 0x41, PWR_MGMT_1: 0x6b, WHO_AM_I: 0x75 };
const DLPF_BW_HZ = [260, 184, 94, 44, 21, 10, 5, 260];

export interface Mpu6050ModelOptions {
  rng: Rng;
  dieTempC?: number;
  /** Zero-g offset per axis, g (drawn within ±50 mg if absent; the data sheet allows ±80 mg). */
  offsetG?: readonly [number, number, number];
}

export class Mpu6050Model implements SimI2cDevice {
  readonly regs = new Uint8Array(128);
  private pointer = 0;
  private readonly rng: Rng;
  private readonly offsetG: readonly [number, number, number];
  private lastSampleIndex = -1;
  readonly dieTempC: number;

  constructor(private readonly source: AccelSource, opts: Mpu6050ModelOptions) {
    this.rng = opts.rng;
    this.dieTempC = opts.dieTempC ?? 30;
    const draw = () => Math.max(-0.05, Math.min(0.05, this.rng.normal(0, 0.02)));
    this.offsetG = opts.offsetG ?? [draw(), draw(), draw()];
    this.reset();
  }

  private reset(): void {
    this.regs.fill(0);
    this.regs[REG.PWR_MGMT_1] = 0x40;
    this.regs[REG.WHO_AM_I] = 0x68;
    this.lastSampleIndex = -1;
  }

  get sleeping(): boolean {
    return (this.regs[REG.PWR_MGMT_1]! & 0x40) !== 0;
  }

  private sampleRateHz(): number {
    const dlpf = this.regs[REG.CONFIG]! & 0x07;
    const base = dlpf === 0 || dlpf === 7 ? 8000 : 1000;
    return base / (1 + this.regs[REG.SMPLRT_DIV]!);
  }

  /** Updates the data registers to the latest sample at or before tMs. */
  private sample(tMs: number): void {
    if (this.sleeping) return;
    const rate = this.sampleRateHz();
    const idx = Math.floor((tMs * rate) / 1000);
    if (idx === this.lastSampleIndex) return;
    this.lastSampleIndex = idx;
    const at = (idx * 1000) / rate;
    const a = this.source(at);
    const afs = (this.regs[REG.ACCEL_CONFIG]! >> 3) & 0x03;
    const lsbPerG = 16384 >> afs;
    const noiseG = 400e-6 * Math.sqrt(DLPF_BW_HZ[this.regs[REG.CONFIG]! & 0x07]!);
    for (let i = 0; i < 3; i++) {
      const g = a[i]! + this.offsetG[i]! + noiseG * this.rng.normal();
      const raw = Math.max(-32768, Math.min(32767, Math.round(g * lsbPerG)));
      this.regs[REG.ACCEL_XOUT_H + 2 * i] = (raw >> 8) & 0xff;
      this.regs[REG.ACCEL_XOUT_H + 2 * i + 1] = raw & 0xff;
    }
    const t = Math.round((this.dieTempC - 36.53) * 340);
    this.regs[REG.TEMP_OUT_H] = (t >> 8) & 0xff;
    this.regs[REG.TEMP_OUT_H + 1] = t & 0xff;
  }

  i2cWrite(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.pointer = bytes[0]! & 0x7f;
    for (let i = 1; i < bytes.length; i++) {
      const reg = this.pointer;
      if (reg === REG.WHO_AM_I) {
        // read-only
      } else if (reg === REG.PWR_MGMT_1 && (bytes[i]! & 0x80) !== 0) {
        this.reset();
      } else this.regs[reg] = bytes[i]!;
      this.pointer = (this.pointer + 1) & 0x7f;
    }
  }

  i2cRead(length: number, atMs: readonly number[]): Uint8Array {
    this.sample(atMs[0] ?? 0);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      out[i] = this.regs[this.pointer]!;
      this.pointer = (this.pointer + 1) & 0x7f;
    }
    return out;
  }
}
