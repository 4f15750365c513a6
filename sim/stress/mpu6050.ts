// InvenSense MPU-6050 model on the simulated I2C bus (register map RM-MPU-6000A): a 128-byte
// register file with auto-incrementing pointer, WHO_AM_I 0x68, power-on SLEEP (PWR_MGMT_1 = 0x40:
// data registers stay at 0 until woken), DEVICE_RESET, sample rate = (DLPF on ? 1 kHz : 8 kHz) /
// (1 + SMPLRT_DIV) with the data registers updated on that grid, AFS_SEL full scale (±2-16 g),
// accelerometer noise (400 µg/√Hz over the DLPF bandwidth) and a per-unit zero-g offset, and the
// die temperature (raw / 340 + 36.53 °C), and the 1024-byte FIFO (accelerometer only: FIFO_EN
// ACCEL_FIFO_EN with USER_CTRL FIFO_EN; 6 bytes per sample; FIFO_COUNT; reads of FIFO_R_W pop
// without moving the register pointer; when full the oldest bytes are overwritten and INT_STATUS
// FIFO_OFLOW_INT is set, cleared by reading INT_STATUS; USER_CTRL FIFO_RESET empties it).
// Acceleration comes from a source in g.
import type { SimI2cDevice } from '../i2c-bus.ts';
import type { Rng } from '../rng.ts';

export type AccelSource = (tMs: number) => readonly [number, number, number];

const REG = {
  SMPLRT_DIV: 0x19,
  CONFIG: 0x1a,
  ACCEL_CONFIG: 0x1c,
  FIFO_EN: 0x23,
  INT_STATUS: 0x3a,
  ACCEL_XOUT_H: 0x3b,
  TEMP_OUT_H: 0x41,
  USER_CTRL: 0x6a,
  PWR_MGMT_1: 0x6b,
  FIFO_COUNTH: 0x72,
  FIFO_COUNTL: 0x73,
  FIFO_R_W: 0x74,
  WHO_AM_I: 0x75,
};
const FIFO_BYTES = 1024;
const DLPF_BW_HZ = [260, 184, 94, 44, 21, 10, 5, 260];

export interface Mpu6050ModelOptions {
  rng: Rng;
  dieTempC?: number;
  /** Zero-g offset per axis, g (drawn within ±50 mg if absent; the data sheet allows ±80 mg). */
  offsetG?: readonly [number, number, number];
  /** Noise density, µg/√Hz (data sheet: 400). */
  noiseUgPerRtHz?: number;
}

export class Mpu6050Model implements SimI2cDevice {
  readonly regs = new Uint8Array(128);
  private pointer = 0;
  private readonly rng: Rng;
  private readonly offsetG: readonly [number, number, number];
  private readonly noiseGPerRtHz: number;
  private lastSampleIndex = -1;
  private readonly fifo = new Uint8Array(FIFO_BYTES);
  private fifoHead = 0;
  private fifoCount = 0;
  /** Samples the FIFO lost to overflow. */
  fifoOverflows = 0;
  readonly dieTempC: number;

  constructor(private readonly source: AccelSource, opts: Mpu6050ModelOptions) {
    this.rng = opts.rng;
    this.dieTempC = opts.dieTempC ?? 30;
    this.noiseGPerRtHz = (opts.noiseUgPerRtHz ?? 400) * 1e-6;
    const draw = () => Math.max(-0.05, Math.min(0.05, this.rng.normal(0, 0.02)));
    this.offsetG = opts.offsetG ?? [draw(), draw(), draw()];
    this.reset();
  }

  private reset(): void {
    this.regs.fill(0);
    this.regs[REG.PWR_MGMT_1] = 0x40;
    this.regs[REG.WHO_AM_I] = 0x68;
    this.lastSampleIndex = -1;
    this.fifoReset();
  }

  private fifoReset(): void {
    this.fifoHead = 0;
    this.fifoCount = 0;
  }

  private fifoPush(b: number): void {
    if (this.fifoCount === FIFO_BYTES) {
      this.fifoHead = (this.fifoHead + 1) % FIFO_BYTES;
      this.fifoCount--;
      this.regs[REG.INT_STATUS] = this.regs[REG.INT_STATUS]! | 0x10;
    }
    this.fifo[(this.fifoHead + this.fifoCount) % FIFO_BYTES] = b;
    this.fifoCount++;
  }

  private fifoPop(): number {
    if (this.fifoCount === 0) return 0xff; // reading an empty FIFO returns junk; the driver reads FIFO_COUNT first
    const b = this.fifo[this.fifoHead]!;
    this.fifoHead = (this.fifoHead + 1) % FIFO_BYTES;
    this.fifoCount--;
    return b;
  }

  private get fifoEnabled(): boolean {
    return (this.regs[REG.USER_CTRL]! & 0x40) !== 0 && (this.regs[REG.FIFO_EN]! & 0x08) !== 0;
  }

  get sleeping(): boolean {
    return (this.regs[REG.PWR_MGMT_1]! & 0x40) !== 0;
  }

  private sampleRateHz(): number {
    const dlpf = this.regs[REG.CONFIG]! & 0x07;
    const base = dlpf === 0 || dlpf === 7 ? 8000 : 1000;
    return base / (1 + this.regs[REG.SMPLRT_DIV]!);
  }

  /** Brings the data registers (and the FIFO) up to the latest sample at or before tMs. */
  private sample(tMs: number): void {
    if (this.sleeping) return;
    const rate = this.sampleRateHz();
    const idx = Math.floor((tMs * rate) / 1000);
    if (idx <= this.lastSampleIndex) return;
    // Every sample since the last access goes into the FIFO; at most a FIFO's worth matters.
    const maxBack = this.fifoEnabled ? Math.ceil(FIFO_BYTES / 6) + 1 : 1;
    const first = this.lastSampleIndex < 0 ? idx : Math.max(this.lastSampleIndex + 1, idx - maxBack + 1);
    if (this.fifoEnabled && first > this.lastSampleIndex + 1 && this.lastSampleIndex >= 0) {
      this.regs[REG.INT_STATUS] = this.regs[REG.INT_STATUS]! | 0x10;
      this.fifoOverflows += first - this.lastSampleIndex - 1;
    }
    for (let k = first; k <= idx; k++) this.takeSample((k * 1000) / rate);
    this.lastSampleIndex = idx;
  }

  private takeSample(at: number): void {
    const a = this.source(at);
    const afs = (this.regs[REG.ACCEL_CONFIG]! >> 3) & 0x03;
    const lsbPerG = 16384 >> afs;
    const noiseG = this.noiseGPerRtHz * Math.sqrt(DLPF_BW_HZ[this.regs[REG.CONFIG]! & 0x07]!);
    const fifo = this.fifoEnabled;
    for (let i = 0; i < 3; i++) {
      const g = a[i]! + this.offsetG[i]! + noiseG * this.rng.normal();
      const raw = Math.max(-32768, Math.min(32767, Math.round(g * lsbPerG)));
      this.regs[REG.ACCEL_XOUT_H + 2 * i] = (raw >> 8) & 0xff;
      this.regs[REG.ACCEL_XOUT_H + 2 * i + 1] = raw & 0xff;
      if (fifo) {
        if (this.fifoCount === FIFO_BYTES) this.fifoOverflows += i === 0 ? 1 : 0;
        this.fifoPush((raw >> 8) & 0xff);
        this.fifoPush(raw & 0xff);
      }
    }
    const t = Math.round((this.dieTempC - 36.53) * 340);
    this.regs[REG.TEMP_OUT_H] = (t >> 8) & 0xff;
    this.regs[REG.TEMP_OUT_H + 1] = t & 0xff;
  }

  i2cWrite(bytes: Uint8Array, ackAtMs: readonly number[]): void {
    if (bytes.length === 0) return;
    this.sample(ackAtMs[0] ?? 0);
    this.pointer = bytes[0]! & 0x7f;
    for (let i = 1; i < bytes.length; i++) {
      const reg = this.pointer;
      if (reg === REG.WHO_AM_I) {
        // read-only
      } else if (reg === REG.PWR_MGMT_1 && (bytes[i]! & 0x80) !== 0) {
        this.reset();
      } else if (reg === REG.USER_CTRL) {
        if ((bytes[i]! & 0x04) !== 0) this.fifoReset(); // FIFO_RESET clears itself
        this.regs[reg] = bytes[i]! & ~0x07;
      } else if (reg === REG.FIFO_R_W) {
        this.fifoPush(bytes[i]!);
        continue; // no auto-increment on the FIFO port
      } else this.regs[reg] = bytes[i]!;
      if (reg === REG.SMPLRT_DIV || reg === REG.CONFIG || reg === REG.PWR_MGMT_1) {
        // A new sample clock (or waking up): sampling restarts from now, nothing retroactive.
        this.lastSampleIndex = Math.floor(((ackAtMs[i] ?? ackAtMs[0] ?? 0) * this.sampleRateHz()) / 1000);
      }
      this.pointer = (this.pointer + 1) & 0x7f;
    }
  }

  i2cRead(length: number, atMs: readonly number[]): Uint8Array {
    this.sample(atMs[0] ?? 0);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const reg = this.pointer;
      if (reg === REG.FIFO_R_W) {
        out[i] = this.fifoPop();
        continue; // burst reads of FIFO_R_W stay on it
      }
      if (reg === REG.FIFO_COUNTH) out[i] = (this.fifoCount >> 8) & 0xff;
      else if (reg === REG.FIFO_COUNTL) out[i] = this.fifoCount & 0xff;
      else if (reg === REG.INT_STATUS) {
        out[i] = this.regs[reg]!;
        this.regs[reg] = 0; // cleared on read
      } else out[i] = this.regs[reg]!;
      this.pointer = (this.pointer + 1) & 0x7f;
    }
    return out;
  }
}
