// Drives the LCD from the display model on the board's scheduler: every `tickMs` it asks the
// rotation for the current frame and hands it to the driver, which sends only changed characters.
// An LCD error never stops the firmware: it is counted, and the LCD is initialised again (a bus
// error leaves the controller in an unknown state) on a later tick.
import type { Scheduler, TimerHandle } from '../../hal/clock.ts';
import type { Hd44780 } from '../lcd/hd44780.ts';
import { installGlyphs } from '../lcd/glyphs.ts';
import type { DisplayModel } from './model.ts';
import { ScreenRotation, type Frame, type RotationOptions } from './rotation.ts';

export interface DisplayControllerOptions extends RotationOptions {
  /** Refresh period; divides blinkMs and rotateMs so transitions land on ticks. */
  tickMs?: number;
  /** Wait before trying to initialise the LCD again after a failure. */
  retryMs?: number;
}

export interface DisplayStats {
  frames: number;
  /** Ticks skipped because the link was still busy with earlier writes. */
  skipped: number;
  bytesSent: number;
  errors: number;
  inits: number;
  lastError?: string;
}

/** Initialises the LCD and loads the custom glyphs the screens use. */
export async function setupLcd(lcd: Hd44780): Promise<void> {
  await lcd.init();
  installGlyphs(lcd);
}

export class DisplayController {
  readonly rotation: ScreenRotation;
  readonly stats: DisplayStats = { frames: 0, skipped: 0, bytesSent: 0, errors: 0, inits: 0 };
  private readonly tickMs: number;
  private readonly retryMs: number;
  private timer: TimerHandle | undefined;
  private initialising = false;
  /** Init and glyphs are loaded by the controller itself, once at start and after any error. */
  private needsSetup = true;
  private retryAt = 0;
  /** The frame last handed to the LCD. */
  current: Frame | undefined;

  constructor(
    private readonly lcd: Hd44780,
    private readonly scheduler: Scheduler,
    private readonly source: () => DisplayModel,
    opts: DisplayControllerOptions = {},
  ) {
    this.rotation = new ScreenRotation(opts);
    this.tickMs = opts.tickMs ?? 250;
    this.retryMs = opts.retryMs ?? 5000;
  }

  /** Initialises the LCD if needed, shows the first frame, then refreshes every tick. */
  start(): void {
    if (this.timer) return;
    this.timer = this.scheduler.every(this.tickMs, () => this.refresh());
    this.refresh();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  refresh(): void {
    const frame = this.rotation.frame(this.scheduler.now(), this.source());
    this.current = frame;
    if (this.needsSetup || !this.lcd.initialised) {
      this.reinit();
      return;
    }
    // Back-pressure: on a slow link (Firmata pin writes, ~5 ms per character) never queue more
    // than a tick's worth; the next tick sends the then-current frame.
    if (this.lcd.backlogMs() > this.tickMs) {
      this.stats.skipped++;
      return;
    }
    try {
      this.stats.bytesSent += this.lcd.writeScreen(frame.lines);
      this.stats.frames++;
    } catch (e) {
      this.fail(e);
    }
  }

  private reinit(): void {
    if (this.initialising || this.scheduler.now() < this.retryAt) return;
    this.initialising = true;
    this.stats.inits++;
    setupLcd(this.lcd)
      .then(() => {
        this.needsSetup = false;
        this.refreshIfRunning();
      })
      .catch((e: unknown) => this.fail(e))
      .finally(() => (this.initialising = false));
  }

  private refreshIfRunning(): void {
    this.initialising = false;
    if (this.timer) this.refresh();
  }

  private fail(e: unknown): void {
    this.stats.errors++;
    this.stats.lastError = e instanceof Error ? e.message : String(e);
    this.needsSetup = true;
    this.retryAt = this.scheduler.now() + this.retryMs;
  }
}
