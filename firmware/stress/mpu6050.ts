// InvenSense MPU-6050 accelerometer over I2C (register map RM-MPU-6000A rev 4.2): woken from its
// power-on sleep, digital low-pass at ~21 Hz (DLPF_CFG 4), sample rate 1 kHz / (1 + 39) = 25 Hz,
// accelerometer at ±4 g (8192 LSB/g: a running stride's heel strike reaches 2-3 g at the waist).
// Only the accelerometer is used; the die temperature is the chip's, not the skin's.
import { I2cError, type I2cBus } from '../../hal/i2c.ts';

export const MPU6050_DEFAULT_ADDRESS = 0x68; // AD0 low

export const MPU6050_REG = {
  SMPLRT_DIV: 0x19,
  CONFIG: 0x1a,
  ACCEL_CONFIG: 0x1c,
  ACCEL_XOUT_H: 0x3b,
  PWR_MGMT_1: 0x6b,
  WHO_AM_I: 0x75,
} as const;

export const MPU6050_WHO_AM_I = 0x68;
/** LSB per g for AFS_SEL 0..3 (±2, ±4, ±8, ±16 g). */
export const MPU6050_LSB_PER_G = [16384, 8192, 4096, 2048] as const;

export interface Acceleration {
  xG: number;
  yG: number;
  zG: number;
}

export type Mpu6050Error = 'nack' | 'wrong-device';
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
      ];
      for (const [reg, v] of writes) if (!this.bus.write(this.address, Uint8Array.of(reg, v))) return { ok: false, error: 'nack' };
      return { ok: true, value: undefined };
    } catch (e) {
      if (e instanceof I2cError) return { ok: false, error: 'nack' };
      throw e;
    }
  }

  /** One burst read of ACCEL_XOUT_H..ACCEL_ZOUT_L. */
  async readAcceleration(): Promise<Mpu6050Result<Acceleration>> {
    try {
      if (!this.bus.write(this.address, Uint8Array.of(MPU6050_REG.ACCEL_XOUT_H))) return { ok: false, error: 'nack' };
      const b = await this.bus.read(this.address, 6);
      const s = (i: number) => {
        const u = (b[i]! << 8) | b[i + 1]!;
        return (u >= 0x8000 ? u - 0x10000 : u) / MPU6050_LSB_PER_G[AFS_SEL];
      };
      return { ok: true, value: { xG: s(0), yG: s(2), zG: s(4) } };
    } catch (e) {
      if (e instanceof I2cError) return { ok: false, error: 'nack' };
      throw e;
    }
  }
}
