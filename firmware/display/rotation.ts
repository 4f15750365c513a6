// Which screen is up, as a pure function of time and the display model (no timers, no I/O).
//
// The rotation is vitals -> [stress, with the add-on] -> network -> one screen per fault -> vitals
// ..., each for `rotateMs`.
// An alarm pre-empts the rotation: its screen stays up, line 1 blinking every `blinkMs`, for as long
// as the alarm lasts; a new condition or severity restarts the blink phase. When the alarm clears
// the rotation restarts at the vitals, the screen a carer wants to see next.
import type { DisplayFault, DisplayModel } from './model.ts';
import { alarmScreen, faultScreen, networkScreen, stressScreen, vitalsScreen, type ScreenLines } from './screens.ts';

export type ScreenId = 'vitals' | 'stress' | 'network' | `fault:${DisplayFault}` | 'alarm';

export interface Frame {
  id: ScreenId;
  lines: ScreenLines;
}

export interface RotationOptions {
  rotateMs?: number;
  blinkMs?: number;
}

export class ScreenRotation {
  readonly rotateMs: number;
  readonly blinkMs: number;
  private index = 0;
  private shownSince: number | undefined;
  private alarmKey: string | undefined;
  private alarmSince = 0;

  constructor(opts: RotationOptions = {}) {
    this.rotateMs = opts.rotateMs ?? 3000;
    this.blinkMs = opts.blinkMs ?? 500;
    if (!(this.rotateMs > 0) || !(this.blinkMs > 0)) throw new RangeError('rotateMs and blinkMs must be > 0');
  }

  frame(nowMs: number, m: DisplayModel): Frame {
    if (m.alarm) {
      const key = `${m.alarm.severity}:${m.alarm.condition}`;
      if (key !== this.alarmKey) {
        this.alarmKey = key;
        this.alarmSince = nowMs;
      }
      const on = Math.floor((nowMs - this.alarmSince) / this.blinkMs) % 2 === 0;
      return { id: 'alarm', lines: alarmScreen(m.alarm, on) };
    }
    if (this.alarmKey !== undefined || this.shownSince === undefined) {
      this.alarmKey = undefined;
      this.index = 0;
      this.shownSince = nowMs;
    }
    const faults = [...new Set(m.faults)];
    const extra = m.stress ? 1 : 0;
    const count = 2 + extra + faults.length;
    while (nowMs - this.shownSince >= this.rotateMs) {
      this.index++;
      this.shownSince += this.rotateMs;
    }
    this.index %= count; // also when faults cleared while one of theirs was up
    if (this.index === 0) return { id: 'vitals', lines: vitalsScreen(m) };
    if (m.stress && this.index === 1) return { id: 'stress', lines: stressScreen(m.stress) };
    if (this.index === 1 + extra) return { id: 'network', lines: networkScreen(m) };
    const f = faults[this.index - 2 - extra]!;
    return { id: `fault:${f}`, lines: faultScreen(f, this.index - 2 - extra, faults.length) };
  }
}
