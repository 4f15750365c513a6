// A simulated PWM output: the Uno's timers give 8-bit duty (analogWrite 0..255), so the duty a
// model sees is quantised to 1/255 steps. Peripheral models (pump, buzzer) watch changes.
import type { PwmOut } from '../hal/pwm.ts';

export class SimPwmOut implements PwmOut {
  private value = 0;
  private readonly listeners: Array<(duty: number) => void> = [];

  constructor(readonly pin: string) {}

  get duty(): number {
    return this.value;
  }

  setDuty(fraction: number): void {
    const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    const q = Math.round(f * 255) / 255;
    if (q === this.value) return;
    this.value = q;
    for (const l of this.listeners) l(q);
  }

  onChange(listener: (duty: number) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}
