// A simulated PWM pin: 8-bit duty as on the Uno's timers, watched by the load it drives.
import type { PwmOut } from '../../hal/pwm.ts';

export class SimPwmOut implements PwmOut {
  private value = 0;
  private readonly listeners: Array<(duty: number) => void> = [];

  constructor(readonly pin: string) {}

  get duty(): number {
    return this.value;
  }

  setDuty(fraction: number): void {
    const d = Math.round(Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0)) * 255) / 255;
    if (d === this.value) return;
    this.value = d;
    for (const l of this.listeners) l(d);
  }

  onChange(listener: (duty: number) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}
