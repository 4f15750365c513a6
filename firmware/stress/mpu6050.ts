// InvenSense MPU-6050 accelerometer over I2C (register map RM-MPU-6000A rev 4.2): woken from its
// power-on sleep, digital low-pass at ~21 Hz (DLPF_CFG 4), sample rate 1 kHz / (1 + 39) = 25 Hz,
// accelerometer at ±4 g (8192 LSB/g: a running stride's heel strike reaches 2-3 g at the waist).
// Only the accelerometer is used; the die temperature is the chip's, not the skin's.
//
// Samples come through the chip's FIFO (accelerometer only, 6 bytes each): the part samples on its
// own 25 Hz clock and the host collects them in bursts, so the sample times are exact whatever the
// I2C latency (Firmata round trips jitter by milliseconds) and the bus carries one read per burst
// instead of one per sample. Bursts are at most 30 bytes, the Arduino Wire library's buffer being
// 32. An overflow (FIFO_OFLOW_INT: the host fell more than 1024 bytes = 6.8 s behind) loses the
// frame alignment, so the FIFO is reset and the caller told samples were lost.
import { I2cError, type I2cBus } from '../../hal/i2c.ts';

export const MPU6050_DEFAULT_ADDRESS = 0x68; // AD0 low

export const MPU6050_REG = {
  SMPLRT_DIV: 0x19,
  CONFIG: 0x1a,
  ACCEL_CONFIG: 0x1c,
  FIFO_EN: 0x23,
  INT_STATUS: 0x3a,
  ACCEL_XOUT_H: 0x3b,
  USER_CTRL: 0x6a,
  PWR_MGMT_1: 0x6b,
  FIFO_COUNTH: 0x72,
  FIFO_R_W: 0x74,
  WHO_AM_I: 0x75,
} as const;

/** Sample period with SMPLRT_DIV 39 and the DLPF on, ms. */
export const MPU6050_SAMPLE_PERIOD_MS = 40;
/** Largest burst read (Wire buffer 32 bytes), a whole number of 6-byte samples. */
export const MPU6050_MAX_BURST = 30;

export const MPU6050_WHO_AM_I = 0x68;
/** LSB per g for AFS_SEL 0..3 (±2, ±4, ±8, ±16 g). */
export const MPU6050_LSB_PER_G = [16384, 8192, 4096, 2048] as const;

export interface Acceleration {
  xG: number;
  yG: number;
  zG: number;
}

export type Mpu6050Error = 'nack' | 'wrong-device';

export interface FifoBatch {
  /** Oldest first, one every MPU6050_SAMPLE_PERIOD_MS; the last was taken at most one period ago. */
  samples: Acceleration[];
  /** The FIFO had overflowed (samples lost before these); it has been reset. */
  overflowed: boolean;
}
export type Mpu6050Result<T> = { ok: true; value: T } | { ok: false; error: Mpu6050Error };

const AFS_SEL = 1;

export class Mpu6050 {
  constructor(private readonly bus: I2cBus, readonly address = MPU6050_DEFAULT_ADDRESS) {}

  /** Checks the identity and configures the part; call again after any error. */
  async init(): Promise<Mpu6050Result<void>> {
    try {
      if (!this.bus.write(this.address, Uint8Array.of(MPU6050_REG.WHO_AM_I))) return { ok: false, error: 'nack' };
      const id = await this.bus.read(this.address, 1);
      if ((id[0]! & 0x7e) !== MPU6050_WHO_AM_I) return { ok: false, error: 'wrong-device' };
      const writes: [number, number][] = [
        [MPU6050_REG.PWR_MGMT_1, 0x01], // wake (clear SLEEP), PLL on the X gyro as the clock
        [MPU6050_REG.CONFIG, 0x04], // DLPF: accelerometer 21 Hz, gyro rate 1 kHz
        [MPU6050_REG.SMPLRT_DIV, 39], // 25 Hz
        [MPU6050_REG.ACCEL_CONFIG, AFS_SEL << 3],
        [MPU6050_REG.FIFO_EN, 0x08], // ACCEL_FIFO_EN
        [MPU6050_REG.USER_CTRL, 0x04], // FIFO_RESET
        [MPU6050_REG.USER_CTRL, 0x40], // FIFO_EN
      ];
      for (const [reg, v] of writes) if (!this.bus.write(this.address, Uint8Array.of(reg, v))) return { ok: false, error: 'nack' };
      return { ok: true, value: undefined };
    } catch (e) {
      if (e instanceof I2cError) return { ok: false, error: 'nack' };
      throw e;
    }
  }

  /** Everything waiting in the FIFO (whole samples), in bursts of at most 30 bytes. */
  async readFifo(): Promise<Mpu6050Result<FifoBatch>> {
    try {
      if (!this.bus.write(this.address, Uint8Array.of(MPU6050_REG.INT_STATUS))) return { ok: false, error: 'nack' };
      const status = (await this.bus.read(this.address, 1))[0]!;
      if ((status & 0x10) !== 0) {
        if (!this.bus.write(this.address, Uint8Array.of(MPU6050_REG.USER_CTRL, 0x44))) return { ok: false, error: 'nack' };
        return { ok: true, value: { samples: [], overflowed: true } };
      }
      if (!this.bus.write(this.address, Uint8Array.of(MPU6050_REG.FIFO_COUNTH))) return { ok: false, error: 'nack' };
      const c = await this.bus.read(this.address, 2);
      let bytes = ((c[0]! << 8) | c[1]!) - (((c[0]! << 8) | c[1]!) % 6);
      const samples: Acceleration[] = [];
      while (bytes > 0) {
        const n = Math.min(bytes, MPU6050_MAX_BURST);
        if (!this.bus.write(this.address, Uint8Array.of(MPU6050_REG.FIFO_R_W))) return { ok: false, error: 'nack' };
        const b = await this.bus.read(this.address, n);
        for (let o = 0; o + 6 <= n; o += 6) samples.push(decode(b, o));
        bytes -= n;
      }
      return { ok: true, value: { samples, overflowed: false } };
    } catch (e) {
      if (e instanceof I2cError) return { ok: false, error: 'nack' };
      throw e;
    }
  }

  /** One burst read of ACCEL_XOUT_H..ACCEL_ZOUT_L (the latest sample). */
  async readAcceleration(): Promise<Mpu6050Result<Acceleration>> {
    try {
      if (!this.bus.write(this.address, Uint8Array.of(MPU6050_REG.ACCEL_XOUT_H))) return { ok: false, error: 'nack' };
      const b = await this.bus.read(this.address, 6);
      return { ok: true, value: decode(b, 0) };
    } catch (e) {
      if (e instanceof I2cError) return { ok: false, error: 'nack' };
      throw e;
    }
  }
}

function decode(b: Uint8Array, o: number): Acceleration {
  const s = (i: number) => {
    const u = (b[o + i]! << 8) | b[o + i + 1]!;
    return (u >= 0x8000 ? u - 0x10000 : u) / MPU6050_LSB_PER_G[AFS_SEL];
  };
  return { xG: s(0), yG: s(2), zG: s(4) };
}
