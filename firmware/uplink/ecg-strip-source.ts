// ECG strips for the server's cloud-link page: a ring of the last 10 s of raw ECG samples (12-bit
// codes, two per three bytes, at the ECG task's rate) and the strips made from it, handed to the
// uplink when an alarm is raised and every `periodMs`.
//
// Lead-off (LO+ or LO-) and samples at an ADC rail are stored as a reserved code and sent as
// missing samples (protocol/readings.ts type 0x02), so a detached electrode shows as a gap with
// its own wording on the page, never as a flat normal trace.
//
// Period: 15 min by default. On GPRS the 5 s summaries already cost about 50 kB an hour; a strip at
// 125 Hz in 10 µV steps is about 1.4 kB (measured 1 442 B; plus 38 B of frame and the HTTP
// exchange), so four an hour add roughly a tenth to the traffic, and the physician's page never shows a rhythm older than the
// cuff's default interval. An alarm sends a strip of the 10 s before it at once.
//
// Strips wait in RAM (at most `maxPending`, alarm strips kept before periodic ones), not in the
// flash queue: the queue's records carry sequence numbers the server acknowledges contiguously,
// and a strip is a snapshot with no place in that sequence. A strip lost to a power cut is
// replaced by the next one; the readings and alarm events themselves are in flash.
import type { Scheduler, TimerHandle } from '../../hal/clock.ts';
import { encodeEcgStrip, ECG_STRIP_MAX_RATE_HZ, PayloadParameterError } from '../../protocol/readings.ts';

/** What the uplink sends after its readings (uplink.ts `extras`). */
export interface ExtraPayloads {
  /** The next payload to send, or null; the same one until `delivered()`. */
  peek(): Uint8Array | null;
  /** The server acknowledged the payload `peek()` returned. */
  delivered(): void;
}

const MISSING = 0xfff;

export interface EcgStripRecorderOptions {
  /** The ECG task's rate (an integer, Hz). */
  sampleRateHz: number;
  /** ADC resolution of the raw samples. */
  adcBits: number;
  /** ADC counts per mV at the electrodes (front-end gain × counts per volt). */
  countsPerMv: number;
  /** Ring length (default 10 000 ms). */
  windowMs?: number;
  /** Highest strip rate (default 125 Hz; at most 250, the payload's limit): the ring is averaged down to it. */
  maxStripRateHz?: number;
  /** Quantisation of the strip, µV (default 10: below the ADC's step of about 4.4 µV × 2). */
  scaleUv?: number;
}

/** The ring of raw samples and the strip made from it (pure: no timers). */
export class EcgStripRecorder {
  readonly sampleRateHz: number;
  /** Rate of the strips, Hz (sampleRateHz / factor). */
  readonly stripRateHz: number;
  private readonly factor: number;
  private readonly capacity: number;
  private readonly ring: Uint8Array;
  private readonly shiftUp: number;
  private readonly shiftDown: number;
  private readonly top: number;
  private readonly codesPerMv: number;
  private readonly scaleUv: number;
  private head = 0;
  private filled = 0;

  constructor(o: EcgStripRecorderOptions) {
    if (!Number.isInteger(o.sampleRateHz) || o.sampleRateHz < 1) throw new PayloadParameterError(`ECG rate ${o.sampleRateHz} Hz: strips need an integer rate`);
    if (!Number.isInteger(o.adcBits) || o.adcBits < 8 || o.adcBits > 16) throw new PayloadParameterError(`adcBits ${o.adcBits} not in 8..16`);
    if (!(o.countsPerMv > 0)) throw new PayloadParameterError('countsPerMv must be > 0');
    const maxRate = Math.min(o.maxStripRateHz ?? 125, ECG_STRIP_MAX_RATE_HZ);
    // The smallest whole factor that brings the rate to maxRate or below and divides it exactly.
    let f = Math.max(1, Math.ceil(o.sampleRateHz / maxRate));
    while (o.sampleRateHz % f !== 0) f++;
    this.factor = f;
    this.sampleRateHz = o.sampleRateHz;
    this.stripRateHz = o.sampleRateHz / f;
    const windowMs = o.windowMs ?? 10_000;
    this.capacity = Math.max(2 * f, Math.round((windowMs * o.sampleRateHz) / 1000 / f) * f);
    this.ring = new Uint8Array(Math.ceil((this.capacity * 3) / 2));
    this.shiftUp = Math.max(0, 12 - o.adcBits);
    this.shiftDown = Math.max(0, o.adcBits - 12);
    this.top = (1 << o.adcBits) - 1;
    this.codesPerMv = o.countsPerMv * 2 ** (12 - o.adcBits);
    this.scaleUv = o.scaleUv ?? 10;
  }

  /** Samples held (up to the window). */
  get length(): number {
    return this.filled;
  }

  /** One raw sample as the ECG task took it. Called at the ECG rate: no allocation. */
  push(counts: number, leadOff: boolean): void {
    // A rail is not ECG either (a lead off drives the AD8232 there; so does saturation).
    const code = leadOff || counts <= 0 || counts >= this.top ? MISSING : Math.min(MISSING - 1, (counts << this.shiftUp) >> this.shiftDown);
    this.put(this.head, code);
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    if (this.filled < this.capacity) this.filled++;
  }

  private put(i: number, code: number): void {
    const o = (i >> 1) * 3;
    const r = this.ring;
    if ((i & 1) === 0) {
      r[o] = code >> 4;
      r[o + 1] = ((code & 0xf) << 4) | (r[o + 1]! & 0x0f);
    } else {
      r[o + 1] = (r[o + 1]! & 0xf0) | (code >> 8);
      r[o + 2] = code & 0xff;
    }
  }

  private get(i: number): number {
    const o = (i >> 1) * 3;
    const r = this.ring;
    return (i & 1) === 0 ? (r[o]! << 4) | (r[o + 1]! >> 4) : ((r[o + 1]! & 0x0f) << 8) | r[o + 2]!;
  }

  /**
   * The strip of the samples held, oldest first, as µV about the strip's median (the AD8232's
   * high-pass centres the trace; the median ignores the QRS spikes). The last sample was taken at
   * `lastSampleEpochMs`. Null with fewer than two strip samples.
   */
  strip(lastSampleEpochMs: number): { payload: Uint8Array; samplesUv: Array<number | null>; startAt: number; rateHz: number } | null {
    const f = this.factor;
    const groups = Math.floor(this.filled / f);
    if (groups < 2) return null;
    const first = (this.head - groups * f + this.capacity) % this.capacity;
    const codes: Array<number | null> = new Array<number | null>(groups);
    for (let g = 0; g < groups; g++) {
      let sum = 0;
      let missing = false;
      for (let k = 0; k < f; k++) {
        const c = this.get((first + g * f + k) % this.capacity);
        if (c === MISSING) missing = true;
        sum += c;
      }
      // A group touching an invalid sample is missing as a whole: never half a lead-off.
      codes[g] = missing ? null : sum / f;
    }
    const present = codes.filter((c): c is number => c !== null).sort((a, b) => a - b);
    const median = present.length ? present[present.length >> 1]! : 0;
    const samplesUv = codes.map((c) => (c === null ? null : Math.round(((c - median) * 1000) / this.codesPerMv)));
    // Board time before the epoch was set would be negative: the strip is then stamped 0 (unknown).
    const startAt = Math.max(0, Math.round(lastSampleEpochMs - ((groups * f - 1) * 1000) / this.sampleRateHz));
    const payload = encodeEcgStrip({ startAt, rateHz: this.stripRateHz, samplesUv, scaleUv: this.scaleUv });
    return { payload, samplesUv, startAt, rateHz: this.stripRateHz };
  }
}

export interface EcgStripSourceOptions {
  /** Periodic strip every this many ms (default 15 min); 0 = only on alarms. */
  periodMs?: number;
  /** First periodic strip this long after start (default: one period). */
  firstAfterMs?: number;
  /** Strips waiting at most (default 4, at least 2): the oldest periodic one goes first, then the oldest. */
  maxPending?: number;
  /** Board ms → ms since the Unix epoch. */
  epochMs?: (boardMs: number) => number;
  /** Asks the uplink to send soon (Uplink.flushSoon): an alarm strip should not wait for the upload period. */
  wake?: () => void;
}

export interface StripRecord {
  readonly reason: 'alarm' | 'periodic';
  readonly startAt: number;
  readonly rateHz: number;
  readonly samplesUv: ReadonlyArray<number | null>;
  readonly payload: Uint8Array;
}

/** Strips for the uplink: on alarms and periodically; `ExtraPayloads` for uplink.ts. */
export class EcgStripSource implements ExtraPayloads {
  private readonly pending: StripRecord[] = [];
  private timer: TimerHandle | null = null;
  private readonly periodMs: number;
  private readonly maxPending: number;
  private readonly epoch: (boardMs: number) => number;
  private readonly listeners = new Set<(s: StripRecord) => void>();
  readonly stats = { alarmStrips: 0, periodicStrips: 0, delivered: 0, dropped: 0, bytesDelivered: 0 };

  constructor(private readonly sched: Scheduler, readonly recorder: EcgStripRecorder, private readonly opts: EcgStripSourceOptions = {}) {
    this.periodMs = opts.periodMs ?? 15 * 60_000;
    this.maxPending = Math.max(2, opts.maxPending ?? 4);
    this.epoch = opts.epochMs ?? ((t) => t);
  }

  /** The tap for the ECG task (SensingDevice.tapEcg). */
  readonly sample = (counts: number, leadOff: boolean): void => this.recorder.push(counts, leadOff);

  start(): void {
    if (this.timer || this.periodMs <= 0) return;
    const first = this.opts.firstAfterMs ?? this.periodMs;
    this.timer = this.sched.after(first, () => {
      this.take('periodic');
      this.timer = this.sched.every(this.periodMs, () => this.take('periodic'));
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** An alarm was raised: the strip of the seconds before it goes out at once. */
  alarm(): void {
    if (this.take('alarm')) this.opts.wake?.();
  }

  /** Called with every strip taken (for the device log, tests). */
  onStrip(listener: (s: StripRecord) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  get queued(): number {
    return this.pending.length;
  }

  /** Takes a strip now and queues it; false when the ring holds too little. */
  take(reason: StripRecord['reason']): boolean {
    const s = this.recorder.strip(this.epoch(this.sched.now()));
    if (!s) return false;
    const rec: StripRecord = { reason, startAt: s.startAt, rateHz: s.rateHz, samplesUv: s.samplesUv, payload: s.payload };
    if (reason === 'periodic') {
      // A newer periodic strip supersedes one still waiting.
      const i = this.pending.findIndex((p, k) => k > 0 && p.reason === 'periodic');
      if (i > 0) this.pending.splice(i, 1);
    }
    if (this.pending.length >= this.maxPending) {
      // Never the head (it may be in flight); a periodic strip before an alarm strip.
      let i = this.pending.findIndex((p, k) => k > 0 && p.reason === 'periodic');
      if (i < 0) i = 1;
      this.pending.splice(i, 1);
      this.stats.dropped++;
    }
    this.pending.push(rec);
    if (reason === 'alarm') this.stats.alarmStrips++;
    else this.stats.periodicStrips++;
    for (const l of [...this.listeners]) l(rec);
    return true;
  }

  peek(): Uint8Array | null {
    return this.pending[0]?.payload ?? null;
  }

  delivered(): void {
    const s = this.pending.shift();
    if (!s) return;
    this.stats.delivered++;
    this.stats.bytesDelivered += s.payload.length;
  }
}
