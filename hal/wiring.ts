// The device's wiring: which Uno pin each part is connected to. The one source of truth that the
// firmware, the simulator and the johnny-five target all read (wiring.md is generated/checked from
// it). Every analog sensor input has a pull-down, so an unplugged sensor reads 0 V (a fault).
import type { AnalogPin, DigitalPin, PwmPin } from './board.ts';

/** Sensors, actuators and indicators. A4/A5 are the I2C bus (LCD backpack), see I2C_PINS. */
export const SENSOR_PINS = {
  /** AD8232 OUTPUT (ECG), 0-3.3 V around REFOUT 1.65 V */
  ecg: 'A0',
  /** Pulse sensor signal, rests at Vcc/2 */
  pulse: 'A1',
  /** LM35 VOUT, 10 mV/°C */
  temperature: 'A2',
  /** MPX5050 VOUT (cuff pressure) */
  cuffPressure: 'A3',
  /** Cuff pump motor driver */
  pump: 'D5',
  /** Cuff release valve (PWM: proportional) */
  valve: 'D6',
  /** Piezo buzzer (local alert) */
  buzzer: 'D8',
  /** AD8232 LO+ and LO- lead-off comparators (high = electrode off) */
  leadOffPlus: 'D10',
  leadOffMinus: 'D11',
  /** Status LED (the Uno's on-board L) */
  led: 'D13',
} as const satisfies Record<string, AnalogPin | DigitalPin | PwmPin>;

/** The Uno's I2C pins (Wire library): the LCD's PCF8574 backpack. */
export const I2C_PINS = { sda: 'A4', scl: 'A5' } as const satisfies Record<string, AnalogPin>;

/** I2C address of the LCD backpack (PCF8574; a PCF8574A board answers at 0x3F). */
export const LCD_BACKPACK_ADDRESS = 0x27;

/**
 * The LCD in 4-bit parallel wiring, when no backpack is fitted: the pins left free by everything
 * above are exactly D2, D3, D4, D7, D9, D12. R/W to GND, D0-D3 unconnected.
 */
export const LCD_PARALLEL_PINS = { rs: 'D12', e: 'D9', d4: 'D4', d5: 'D7', d6: 'D3', d7: 'D2' } as const satisfies Record<string, DigitalPin>;

/**
 * The NIBP oscillation amplifier's output (the MPX5050 signal AC-coupled, x20), legacy wiring: a
 * sixth analog input, and the only one left is A4, the I2C SDA pin, so it takes the I2C bus away
 * (LCD in parallel, no stress add-on). Superseded by CUFF_OSCILLATION_ADC; kept for units built
 * that way. Without either, the cuff works from A3 alone, with far fewer good readings
 * (firmware/nibp/README.md).
 */
export const CUFF_OSCILLATION_PIN = 'A4' as const satisfies AnalogPin;

/**
 * Decision (issue 8): the oscillation amplifier's output goes to a dedicated ADS1115 on the I2C
 * bus (ADDR to VDD: 0x49, AIN0, +/-6.144 V, continuous at 860 SPS; firmware/nibp/i2c-oscillation.ts),
 * so A4/A5 are always the I2C bus: the stress add-on and the LCD backpack share it, and the cuff
 * keeps its AC channel (ISO 81060-2 accuracy). Its own converter, not the stress board's 0x48,
 * because the cuff needs an uninterrupted 50 Hz stream while the stress board multiplexes
 * single-shot conversions at 2 Hz.
 */
export const CUFF_OSCILLATION_ADC = { address: 0x49, channel: 0 } as const;

/** The stress add-on board on the I2C bus (firmware/stress): MPU-6050 and its ADS1115 (GSR AIN0, skin LM35 AIN1). */
export const STRESS_I2C_ADDRESSES = { mpu6050: 0x68, ads1115: 0x48 } as const;

/** The ways the parts share the Uno's pins (the cuff's oscillation ADC on I2C fits either). */
export type WiringVariant =
  /** LCD on the I2C backpack (A4/A5); cuff pressure from A3 only. */
  | 'backpack-lcd'
  /** LCD on D2/D3/D4/D7/D9/D12; A4 carries the cuff's oscillation channel. */
  | 'parallel-lcd';

// Open question for the modem (firmware/modem/README.md puts SIM800 PWRKEY on D7): D7 is free in
// the backpack variant but carries LCD D5 in the parallel one, where every D pin is taken. A5 is
// free there (no I2C) and the ATmega can drive it as a digital output (D19), but hal/board.ts has
// no such pin name yet. The modem's UART is the board's `modemSerial()` (hardware UART on a
// native-firmware Uno).

export type SensorPinName = keyof typeof SENSOR_PINS;

/** Every pin assignment as [pin, what], for wiring.md and for clash checks. */
export function wiringTable(): Array<[pin: AnalogPin | DigitalPin, what: string]> {
  const rows: Array<[AnalogPin | DigitalPin, string]> = [];
  for (const [k, p] of Object.entries(SENSOR_PINS)) rows.push([p, k]);
  rows.push([I2C_PINS.sda, 'i2c SDA (LCD backpack)'], [I2C_PINS.scl, 'i2c SCL (LCD backpack)']);
  for (const [k, p] of Object.entries(LCD_PARALLEL_PINS)) rows.push([p, `lcd ${k.toUpperCase()} (parallel wiring only)`]);
  return rows;
}
