// The LPU uplink: a vitals summary every 5 s and events (alarms, fallback actions) go into the
// flash queue; an upload loop sends the queue in batches over an authenticated session and
// deletes only what the server acknowledged. Failures back off exponentially (bounded, with
// jitter); an event cuts the wait short, and so does the modem registering again after the
// network was lost (the back-off restarts; a server answering with errors keeps it). It takes readings through VitalsSource, so it does not
// depend on the sensing application.
import type { Scheduler, TimerHandle } from '../../hal/clock.ts';
import { decodeAck, encodeBatch } from '../../protocol/readings.ts';
import type { RandomSource } from '../../protocol/random.ts';
import { QueueFullError, type FlashQueue, type QueuedReading } from './queue.ts';
import type { ExtraPayloads } from './ecg-strip-source.ts';
import type { SeqCounter } from './seq-counter.ts';
import { UplinkError, type UplinkErrorCode, type UplinkSession } from './session.ts';
import type { RegistrationWatch } from './transport.ts';

/** What the uplink needs from the device application. */
const MIN_CHUNK = 8;

export interface VitalsSource {
  /** The readings of one summary now (heart rate, temperature, last BP, rhythm, faults); [] if none. */
  summary(epochMs: number): QueuedReading[];
}

export interface UplinkOptions {
  /** Summary period, ms (default 5 000). */
  summaryPeriodMs?: number;
  /** Upload period for summaries, ms (default 60 000); events upload at once. */
  uploadPeriodMs?: number;
  /** Back-off after a failure: first wait, cap (defaults 2 s, 5 min), doubled each time, ±25 % jitter. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** After the modem registers again: retry within this random delay, ms (default 3 000). */
  regainJitterMs?: number;
  /** Readings per data frame at most (default 200; the batch size of the queue). */
  maxFrameReadings?: number;
  /** Board ms to ms since the Unix epoch (the device sets it from the network time). */
  epochMs?: (boardMs: number) => number;
}

export interface UplinkStatus {
  queued: number;
  /** Board time of the last acknowledged batch (or handshake), null if never. */
  lastServerContactMs: number | null;
  consecutiveFailures: number;
  lastError: UplinkErrorCode | null;
  acknowledgedSeq: number;
}

export interface UplinkDeps {
  scheduler: Scheduler;
  queue: FlashQueue;
  seq: SeqCounter;
  session: UplinkSession;
  random: RandomSource;
  vitals?: VitalsSource;
  /** Payloads sent after the readings, e.g. ECG strips (ecg-strip-source.ts). */
  extras?: ExtraPayloads;
  /** The modem's registration reports: a network back after an outage ends the back-off. */
  network?: RegistrationWatch;
}

export class Uplink {
  private readonly sched: Scheduler;
  private readonly opts: Required<UplinkOptions>;
  private timers: TimerHandle[] = [];
  private wake: TimerHandle | null = null;
  private running = false;
  private busy = false;
  private dueAt = 0;
  private failures = 0;
  /** Failures since the back-off last (re)started: the exponent of the next wait. */
  private backoffLevel = 0;
  /** The last failure was the network's (no answer, no cell), not the server's (an HTTP status). */
  private networkFailure = false;
  private offRegained: (() => void) | null = null;
  private lastContact: number | null = null;
  private lastError: UplinkErrorCode | null = null;
  /** Highest seq the server has acknowledged in this power cycle (0 until the first ack). */
  private serverAcked = 0;
  private chunk: number;
  private readonly maxChunk: number;
  private readonly contactListeners = new Set<(ok: boolean) => void>();
  readonly stats = { frames: 0, batches: 0, readingsAcked: 0, failures: 0, summaries: 0, events: 0, dropped: 0, regained: 0 };

  constructor(private readonly deps: UplinkDeps, options: UplinkOptions = {}) {
    this.sched = deps.scheduler;
    this.opts = {
      summaryPeriodMs: options.summaryPeriodMs ?? 5000,
      uploadPeriodMs: options.uploadPeriodMs ?? 60_000,
      backoffMinMs: options.backoffMinMs ?? 2000,
      backoffMaxMs: options.backoffMaxMs ?? 300_000,
      regainJitterMs: options.regainJitterMs ?? 3000,
      epochMs: options.epochMs ?? ((t) => t),
      maxFrameReadings: options.maxFrameReadings ?? 200,
    };
    this.maxChunk = Math.min(255, this.opts.maxFrameReadings);
    this.chunk = this.maxChunk;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.deps.vitals) this.timers.push(this.sched.every(this.opts.summaryPeriodMs, () => this.takeSummary()));
    this.offRegained = this.deps.network?.onRegained(() => this.networkRegained()) ?? null;
    this.schedule(this.deps.queue.length > 0 ? 0 : this.opts.uploadPeriodMs);
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) t.cancel();
    this.timers = [];
    this.offRegained?.();
    this.offRegained = null;
    this.wake?.cancel();
    this.wake = null;
  }

  status(): UplinkStatus {
    return { queued: this.deps.queue.length, lastServerContactMs: this.lastContact, consecutiveFailures: this.failures, lastError: this.lastError, acknowledgedSeq: this.deps.queue.acknowledgedSeq };
  }

  /** Called after every upload attempt: true when the server answered and acknowledged. */
  onContact(listener: (ok: boolean) => void): () => void {
    this.contactListeners.add(listener);
    return () => void this.contactListeners.delete(listener);
  }

  /** Queues one summary now (also called by the 5 s timer). */
  takeSummary(): void {
    const v = this.deps.vitals;
    if (!v) return;
    const r = v.summary(this.opts.epochMs(this.sched.now()));
    if (r.length === 0) return;
    try {
      this.deps.queue.enqueue(r, 'summary');
      this.stats.summaries++;
    } catch (err) {
      if (!(err instanceof QueueFullError)) throw err;
      this.stats.dropped++;
    }
  }

  /** Queues an event (alarm raised/changed/cleared, fallback action) and uploads it at once. */
  event(readings: QueuedReading[]): void {
    try {
      this.deps.queue.enqueue(readings, 'event');
      this.stats.events++;
    } catch (err) {
      // Only when undelivered events fill the whole flash (about 100,000 of them).
      if (!(err instanceof QueueFullError)) throw err;
      this.stats.dropped++;
    }
    // An event does not wait for the upload period, but it does respect a failure back-off.
    if (this.backoffLevel === 0) this.schedule(0);
  }

  /**
   * The modem is registered again. If the uplink is backing off because the network was gone, the
   * back-off restarts and it retries within a few seconds (random, so a cell's devices coming back
   * together do not all call at once). A server that answered with an error keeps its back-off.
   */
  networkRegained(): void {
    if (!this.running || this.backoffLevel === 0 || !this.networkFailure) return;
    this.backoffLevel = 0;
    this.stats.regained++;
    const r = this.deps.random(2);
    this.schedule(Math.round((((r[0]! << 8) | r[1]!) / 65535) * this.opts.regainJitterMs));
  }

  /** Upload soon (an extra payload such as an alarm's ECG strip is waiting); respects a back-off. */
  flushSoon(): void {
    if (this.backoffLevel === 0) this.schedule(0);
  }

  /** Board ms → epoch ms as the uplink stamps readings. */
  epoch(boardMs = this.sched.now()): number {
    return this.opts.epochMs(boardMs);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    const at = this.sched.now() + delayMs;
    if (this.wake && this.dueAt <= at) return;
    this.wake?.cancel();
    this.dueAt = at;
    this.wake = this.sched.after(delayMs, () => {
      this.wake = null;
      void this.pump();
    });
  }

  private backoffMs(): number {
    const base = Math.min(this.opts.backoffMaxMs, this.opts.backoffMinMs * 2 ** Math.min(this.backoffLevel - 1, 20));
    const r = this.deps.random(2);
    const u = ((r[0]! << 8) | r[1]!) / 65535;
    return Math.round(base * (0.75 + 0.5 * u));
  }

  /** Sends batches until the queue is empty or something fails; then sleeps. */
  async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        const batch = this.deps.queue.nextBatch();
        if (!batch) break;
        // The EEPROM counter is the floor if the flash is ever lost (one write per batch).
        this.deps.seq.record(batch.lastSeq);
        // The batch goes out in frames of up to `chunk` readings, skipping what the server has
        // already stored (it de-duplicates by seq, so any part of the batch may be sent again).
        // The frame size halves after a failure and grows back after successes: on a noisy line
        // or a poor GPRS link a long request rarely gets through whole.
        const from = Math.max(batch.firstSeq, this.serverAcked + 1);
        const part = batch.readings.filter((r) => r.seq >= from).slice(0, this.chunk);
        const reply = await this.deps.session.exchange(encodeBatch(part));
        const ack = decodeAck(reply);
        if (!ack.ok) throw new UplinkError('bad-reply', `ack: ${ack.error.code}`);
        const acked = ack.value.ackedSeq;
        this.lastContact = this.sched.now();
        const outcome = this.deps.queue.acknowledge(acked);
        if (outcome.kind === 'committed') {
          this.stats.batches++;
          this.stats.readingsAcked += batch.readings.length;
        } else if (outcome.kind !== 'partial' || acked < part[part.length - 1]!.seq) {
          throw new UplinkError('bad-reply', `server acknowledged ${acked}, sent ${part[0]!.seq}..${part[part.length - 1]!.seq} (${outcome.kind})`);
        }
        this.serverAcked = Math.max(this.serverAcked, acked);
        this.stats.frames++;
        this.chunk = Math.min(this.maxChunk, this.chunk * 2);
        this.failures = 0;
        this.backoffLevel = 0;
        this.networkFailure = false;
        this.lastError = null;
        for (const l of [...this.contactListeners]) l(true);
      }
      // Then the extras (ECG strips): answered with the same ack, nothing to commit in the queue.
      for (let p = this.deps.extras?.peek(); p; p = this.deps.extras!.peek()) {
        const reply = await this.deps.session.exchange(p).catch((err: unknown) => {
          // The server refused this payload itself (422): drop it rather than block the uplink.
          if (err instanceof UplinkError && err.status === 422) return null;
          throw err;
        });
        if (reply === null) {
          this.deps.extras!.delivered();
          continue;
        }
        const ack = decodeAck(reply);
        if (!ack.ok) throw new UplinkError('bad-reply', `ack: ${ack.error.code}`);
        this.lastContact = this.sched.now();
        this.deps.extras!.delivered();
        this.stats.frames++;
      }
      this.schedule(this.opts.uploadPeriodMs);
    } catch (err) {
      if (!(err instanceof UplinkError)) throw err;
      this.failures++;
      this.backoffLevel++;
      this.networkFailure = err.status === undefined && (err.code === 'unreachable' || err.code === 'no-cell');
      this.stats.failures++;
      this.chunk = Math.max(MIN_CHUNK, Math.floor(this.chunk / 2));
      this.lastError = err.code;
      if (err.code === 'bad-reply') this.deps.session.drop();
      for (const l of [...this.contactListeners]) l(false);
      this.schedule(this.backoffMs());
    } finally {
      this.busy = false;
    }
  }
}
