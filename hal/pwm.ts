/** A PWM output (on the Uno: D3, D5, D6, D9, D10, D11; 8-bit duty). */
export interface PwmOut {
  /** Duty cycle from 0 (always low) to 1 (always high); values outside are clamped. */
  setDuty(fraction: number): void;
  readonly duty: number;
}
