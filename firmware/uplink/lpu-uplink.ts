// The LPU's uplink half, assembled once for every target: the sensing device's summaries and
// alarms go into the flash queue and up through the SIM800 over an authenticated session, and the
// fallback calls and texts the contacts from the modem itself when a critical condition meets an
// unreachable server. The simulator (cli/e2e-run.ts) and the hardware host (`bsn-care run`) both
// build it here, so they run the same firmware by construction; only the board, the serial port
// under the Sim800 driver, the clock and the entropy differ.
import type { Scheduler } from '../../hal/clock.ts';
import type { RandomSource } from '../../protocol/random.ts';
import type { Sim800 } from '../modem/sim800.ts';
import type { DeviceEvent } from '../sensing/device.ts';
import type { CredentialStores } from './credential-store.ts';
import { Fallback, type FallbackOptions } from './fallback.ts';
import { FlashQueue } from './queue.ts';
import { SeqCounter } from './seq-counter.ts';
import { UplinkSession } from './session.ts';
import { Sim800Uplink } from './sim800-transport.ts';
import type { UplinkTransport } from './transport.ts';
import { Uplink } from './uplink.ts';
import { alarmReading, criticalOf, snapshotSource, type SnapshotLike } from './vitals-summary.ts';
import { EcgStripRecorder, EcgStripSource, type EcgStripSourceOptions } from './ecg-strip-source.ts';

/** What the uplink needs of the sensing application (SensingDevice). */
export interface UplinkDevice {
  snapshot(): SnapshotLike;
  onEvent(listener: (e: DeviceEvent) => void): () => void;
  /** The ECG as sampled (for the strips), its rate and its ADC scale. */
  readonly ecgHz: number;
  readonly ecgAdc: { readonly bits: number; readonly countsPerMv: number };
  tapEcg(listener: ((counts: number, leadOff: boolean) => void) | null): void;
}

export interface LpuUplinkDeps {
  scheduler: Scheduler;
  /** The board's EEPROM and serial flash (credential, sequence counter, queue). */
  nv: CredentialStores;
  /** The SIM800 driver on the modem's serial port (init() is the caller's, before start()). */
  modem: Sim800;
  device: UplinkDevice;
  /** Entropy for the protocol's nonces. */
  random: RandomSource;
  /** Entropy for the back-off jitter (default: `random`). */
  jitterRandom?: RandomSource;
  /** Board ms to ms since the Unix epoch. */
  epochMs: (boardMs: number) => number;
}

export interface LpuUplinkOptions {
  /** Server base URL without a trailing slash, as the modem's HTTP client reaches it. */
  baseUrl: string;
  apn: string;
  /** Summary period (default 5 s) and upload period for summaries (default 60 s; events go at once). */
  summaryPeriodMs?: number;
  uploadPeriodMs?: number;
  fallback?: FallbackOptions;
  /** 10 s ECG strips on every raised alarm and periodically (default every 15 min); false: none. */
  ecgStrips?: Omit<EcgStripSourceOptions, 'epochMs' | 'wake'> | false;
}

export interface LpuUplink {
  link: Sim800Uplink;
  seq: SeqCounter;
  queue: FlashQueue;
  session: UplinkSession;
  uplink: Uplink;
  fallback: Fallback;
  strips: EcgStripSource | null;
  /** Starts the summaries, the upload loop and the fallback's watch (the modem initialised). */
  start(): void;
  /** Stops them; an exchange in flight finishes, no new one starts (see idle()). */
  stop(): void;
  /** Resolves once no request to the server is in flight (and what followed it has run). */
  idle(): Promise<void>;
}

/** The uplink was stopped: no new request goes to the server. */
export class UplinkStoppedError extends Error {
  override readonly name = 'UplinkStoppedError';
}

export function composeLpuUplink(deps: LpuUplinkDeps, opts: LpuUplinkOptions): LpuUplink {
  const { scheduler, nv, device, epochMs } = deps;
  const link = new Sim800Uplink(deps.modem, { baseUrl: opts.baseUrl, apn: opts.apn });
  const seq = new SeqCounter(nv.eeprom);
  // The queue's recovery scan runs here: what a power cut left in flash is sent first.
  const queue = new FlashQueue(nv.flash, { seqFloor: seq.assigned });
  // Requests are counted so a shutdown can wait for the one in flight: its answer commits state
  // (the new credential after MA2, the acknowledged part of the queue).
  let inFlight = 0;
  let stopped = false;
  const transport: UplinkTransport = {
    post(path, body, o) {
      if (stopped) return Promise.reject(new UplinkStoppedError(`uplink stopped: ${path} not sent`));
      inFlight++;
      return link.post(path, body, o).finally(() => void inFlight--);
    },
  };
  const session = new UplinkSession({ transport, cell: link, nv, random: deps.random });
  const strips = opts.ecgStrips === false ? null : new EcgStripSource(
    scheduler,
    new EcgStripRecorder({ sampleRateHz: device.ecgHz, adcBits: device.ecgAdc.bits, countsPerMv: device.ecgAdc.countsPerMv }),
    { ...opts.ecgStrips, epochMs, wake: () => uplink.flushSoon() },
  );
  if (strips) device.tapEcg(strips.sample);
  const uplink: Uplink = new Uplink(
    { scheduler, queue, seq, session, network: link, random: deps.jitterRandom ?? deps.random, vitals: snapshotSource(() => device.snapshot(), epochMs), ...(strips ? { extras: strips } : {}) },
    { epochMs, summaryPeriodMs: opts.summaryPeriodMs ?? 5000, uploadPeriodMs: opts.uploadPeriodMs ?? 60_000 },
  );
  const fallback = new Fallback({ scheduler, modem: link, epochMs, report: (r) => uplink.event(r), cell: () => session.lastCell }, opts.fallback);
  uplink.onContact((ok) => fallback.serverContact(ok));
  device.onEvent((e) => {
    if (e.kind !== 'alarm') return;
    // The summary first, so the reading that raised the alarm goes up with it at once.
    uplink.takeSummary();
    uplink.event([alarmReading(e.change, e.alarm, epochMs(e.atMs))]);
    fallback.setCritical(criticalOf(device.snapshot()));
    // The 10 s of ECG before the alarm, for the physician's page.
    if (e.change === 'raised') strips?.alarm();
  });
  return {
    link, seq, queue, session, uplink, fallback, strips,
    start() {
      stopped = false;
      uplink.start();
      fallback.start();
      strips?.start();
    },
    stop() {
      stopped = true;
      uplink.stop();
      fallback.stop();
      strips?.stop();
    },
    async idle() {
      // Checked a macrotask later: the session and the upload loop finish their synchronous work
      // on an answer (the store writes) in the microtasks before it.
      for (;;) {
        await deps.scheduler.sleep(0);
        if (inFlight === 0) return;
        await deps.scheduler.sleep(20);
      }
    },
  };
}
