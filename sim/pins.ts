// Simulated digital pins: an output is a wire whose level peripheral models watch; an input reads
// whatever drives it (a sensor model's comparator, a button).
import type { DigitalIn, DigitalOut } from '../hal/digital.ts';

export type LevelListener = (high: boolean) => void;

export class SimDigitalOut implements DigitalOut {
  private current = false;
  private readonly listeners: LevelListener[] = [];

  constructor(readonly pin: string) {}

  get level(): boolean {
    return this.current;
  }

  write(high: boolean): void {
    if (high === this.current) return;
    this.current = high;
    for (const l of this.listeners) l(high);
  }

  /** A peripheral model watches the wire; called on every level change. */
  onChange(listener: LevelListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}

export class SimDigitalIn implements DigitalIn {
  /** Driven by a model; an undriven input reads low (pull-down). */
  constructor(readonly pin: string, private drive: () => boolean = () => false) {}

  read(): boolean {
    return this.drive();
  }

  connect(drive: () => boolean): void {
    this.drive = drive;
  }
}
