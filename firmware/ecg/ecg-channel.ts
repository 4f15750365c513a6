// Wires an EcgMonitor to the hardware: the AD8232 OUTPUT on an analog pin, its LO+ and LO- lead-off
// comparators on digital pins, sampled at a fixed rate by the board's scheduler. The only part of
// firmware/ecg that touches hal/.

import type { AnalogIn } from '../../hal/analog.ts';
import type { Scheduler, TimerHandle } from '../../hal/clock.ts';
import type { DigitalIn } from '../../hal/digital.ts';
import { EcgMonitor, type EcgStatus } from './ecg-monitor.ts';
import type { QrsBeat } from './pan-tompkins.ts';

export interface EcgChannelPins {
  /** AD8232 OUTPUT. */
  signal: AnalogIn;
  /** AD8232 LO+ (high = a lead is off). */
  leadOffPlus: DigitalIn;
  /** AD8232 LO- (high = a lead is off). */
  leadOffMinus: DigitalIn;
}

export interface EcgChannelOptions {
  /** 100..500 Hz; the Uno under Firmata manages 100 Hz (10 ms). */
  samplingFrequencyHz: number;
  onBeat?: (beat: QrsBeat) => void;
}

export class EcgChannel {
  readonly monitor: EcgMonitor;
  private readonly timer: TimerHandle;

  constructor(scheduler: Scheduler, private readonly pins: EcgChannelPins, opts: EcgChannelOptions) {
    const top = (1 << pins.signal.bits) - 1;
    this.monitor = new EcgMonitor({
      samplingFrequencyHz: opts.samplingFrequencyHz,
      railLowCounts: 0,
      railHighCounts: top,
      ...(opts.onBeat ? { onBeat: opts.onBeat } : {}),
    });
    this.timer = scheduler.every(1000 / opts.samplingFrequencyHz, () => this.sample());
  }

  private sample(): void {
    const leadOff = this.pins.leadOffPlus.read() || this.pins.leadOffMinus.read();
    this.monitor.push(this.pins.signal.read(), leadOff);
  }

  status(): EcgStatus {
    return this.monitor.status();
  }

  stop(): void {
    this.timer.cancel();
  }
}
