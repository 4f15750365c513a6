export * from './analog.ts';
export * from './board.ts';
export * from './clock.ts';
export * from './digital.ts';
export * from './i2c.ts';
export * from './pwm.ts';
export * from './serial.ts';
export * from './storage.ts';
