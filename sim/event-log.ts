// The simulation's event log: one text line per event, "time source event", time in virtual ms
// with three decimals. Nothing in it comes from the wall clock, so the same seed reproduces the
// log byte for byte. Never log secrets here.
import type { Clock } from '../hal/clock.ts';

export class EventLog {
  private readonly entries: string[] = [];
  private readonly sinks: Array<(line: string) => void> = [];

  constructor(private readonly clock: Clock) {}

  /** Records `event` from `source` (one word, e.g. "patient", "ad8232") at the current time. */
  log(source: string, event: string): void {
    const line = `${this.clock.now().toFixed(3).padStart(12)} ${source.padEnd(8)} ${event.replace(/[\r\n]+/g, ' ')}`;
    this.entries.push(line);
    for (const s of this.sinks) s(line);
  }

  /** Also sends every new line to `sink` (a file, stdout). */
  onLine(sink: (line: string) => void): void {
    this.sinks.push(sink);
  }

  lines(): readonly string[] {
    return this.entries;
  }

  text(): string {
    return this.entries.length ? this.entries.join('\n') + '\n' : '';
  }
}
