// A BufferedAnalogIn for boards whose ADC only offers the latest value (Firmata keeps the newest
// analog report per pin): a task on the board's scheduler copies the value and the latched lines
// into a ring buffer every period, which the firmware drains in blocks like a DMA buffer.
import type { AnalogIn, BufferedAnalogIn, BufferedAnalogOptions } from './analog.ts';
import type { Scheduler, TimerHandle } from './clock.ts';
import type { DigitalIn } from './digital.ts';

export class PolledBufferedAnalogIn implements BufferedAnalogIn {
  readonly vref: number;
  readonly bits: number;
  readonly periodMs: number;
  overruns = 0;
  private readonly counts: Uint16Array;
  private readonly lines: Uint8Array;
  private head = 0;
  private size = 0;
  private readonly timer: TimerHandle;

  constructor(scheduler: Scheduler, private readonly input: AnalogIn, private readonly latched: readonly DigitalIn[], opts: BufferedAnalogOptions) {
    if (!(opts.capacity >= 1)) throw new RangeError(`buffer capacity must be >= 1, got ${opts.capacity}`);
    if (latched.length > 8) throw new RangeError('at most 8 latched lines');
    this.vref = input.vref;
    this.bits = input.bits;
    this.periodMs = opts.periodMs;
    this.counts = new Uint16Array(opts.capacity);
    this.lines = new Uint8Array(opts.capacity);
    this.timer = scheduler.every(opts.periodMs, () => this.sample());
  }

  private sample(): void {
    // Before the board's first report the value is a placeholder, not a sample: nothing is taken.
    if (this.input.hasSample?.() === false) return;
    const cap = this.counts.length;
    if (this.size === cap) {
      // Full: the oldest sample is overwritten, as a circular DMA buffer does.
      this.head = (this.head + 1) % cap;
      this.size--;
      this.overruns++;
    }
    const i = (this.head + this.size) % cap;
    let bits = 0;
    for (let l = 0; l < this.latched.length; l++) if (this.latched[l]!.read()) bits |= 1 << l;
    this.counts[i] = this.input.read();
    this.lines[i] = bits;
    this.size++;
  }

  take(counts: Uint16Array, lines: Uint8Array): number {
    const n = Math.min(this.size, counts.length, lines.length);
    const cap = this.counts.length;
    for (let k = 0; k < n; k++) {
      counts[k] = this.counts[this.head]!;
      lines[k] = this.lines[this.head]!;
      this.head = (this.head + 1) % cap;
    }
    this.size -= n;
    return n;
  }

  stop(): void {
    this.timer.cancel();
    this.size = 0;
  }
}
