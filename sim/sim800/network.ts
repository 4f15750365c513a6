// The cellular network as the modem sees it: the serving cell (MCC, MNC, LAC, CI), signal,
// scheduled outages, and GPRS carrying HTTP to a pluggable endpoint (later the BSN-Care server)
// with a lognormal round-trip time and injected SIM800 failure statuses (601 network error,
// 603 DNS error, 604 stack busy).
import type { Scheduler } from '../../hal/clock.ts';
import type { Rng } from '../rng.ts';

export interface HttpEndpoint {
  post(url: string, body: Uint8Array, contentType: string): Promise<{ status: number; body: Uint8Array }>;
}

/** A TCP server reachable over GPRS (a test double, or a bridge to a local socket). */
export interface TcpEndpoint {
  /** Resolves with a connection, or null when the server refuses. */
  connect(host: string, port: number): Promise<TcpConnection | null>;
}

export interface TcpConnection {
  /** Bytes from the device to the server. */
  send(data: Uint8Array): Promise<void>;
  /** Bytes from the server to the device. */
  onData(listener: (data: Uint8Array) => void): void;
  /** The server closed the connection. */
  onClose(listener: () => void): void;
  close(): void;
}

export interface Cell {
  mcc: string;
  mnc: string;
  /** Location area code, 16 bits. */
  lac: number;
  /** Cell identity, 16 bits in GSM. */
  ci: number;
}

export interface Outage {
  startMs: number;
  endMs: number;
}

export interface NetworkOptions {
  cell?: Cell;
  /** +CSQ rssi 0..31. */
  rssi?: number;
  /** Lognormal GPRS round-trip time: median and log-space sigma (defaults 500 ms, 0.3: 5-95 % ~ 300-800 ms). */
  rttMedianMs?: number;
  rttSigma?: number;
  /** GPRS uplink throughput for the request body, bit/s. */
  uplinkBps?: number;
  outages?: Outage[];
  /** Per-request probabilities of SIM800 failure statuses. */
  failures?: { network601?: number; dns603?: number; stackBusy604?: number };
  /** Host names whose DNS lookup fails (603). */
  dnsFailHosts?: string[];
  endpoint?: HttpEndpoint;
  tcp?: TcpEndpoint;
  /** Time to register after power-on or after an outage ends, ms. */
  registrationDelayMs?: number;
}

export interface PostRecord {
  url: string;
  body: Uint8Array;
  contentType: string;
  at: number;
  status: number;
}

export class NetworkModel {
  readonly cell: Cell;
  rssi: number;
  endpoint: HttpEndpoint | undefined;
  tcp: TcpEndpoint | undefined;
  readonly posts: PostRecord[] = [];
  private readonly outages: Outage[];
  private readonly listeners = new Set<(up: boolean) => void>();
  readonly registrationDelayMs: number;

  constructor(private readonly scheduler: Scheduler, private readonly rng: Rng, private readonly opts: NetworkOptions = {}) {
    this.cell = opts.cell ?? { mcc: '234', mnc: '15', lac: 0x1a2b, ci: 0x00c3 };
    this.rssi = opts.rssi ?? 18;
    this.endpoint = opts.endpoint;
    this.tcp = opts.tcp;
    this.outages = [...(opts.outages ?? [])].sort((a, b) => a.startMs - b.startMs);
    this.registrationDelayMs = opts.registrationDelayMs ?? 2000;
    const now = scheduler.now();
    for (const o of this.outages) {
      if (o.startMs >= now) scheduler.after(o.startMs - now, () => this.notify(false));
      if (o.endMs >= now) scheduler.after(o.endMs - now, () => this.notify(true));
    }
  }

  /** Adds an outage from now on (tests and scenarios). */
  addOutage(o: Outage): void {
    this.outages.push(o);
    const now = this.scheduler.now();
    this.scheduler.after(Math.max(0, o.startMs - now), () => this.notify(false));
    this.scheduler.after(Math.max(0, o.endMs - now), () => this.notify(true));
  }

  isUp(at = this.scheduler.now()): boolean {
    return !this.outages.some((o) => at >= o.startMs && at < o.endMs);
  }

  /** Called when the network goes down or comes back. */
  onChange(listener: (up: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private notify(up: boolean): void {
    if (up !== this.isUp()) return; // overlapping outages
    for (const l of [...this.listeners]) l(up);
  }

  rttMs(): number {
    const median = this.opts.rttMedianMs ?? 500;
    const sigma = this.opts.rttSigma ?? 0.3;
    return median * Math.exp(this.rng.normal(0, sigma));
  }

  /** Opens a TCP connection over GPRS (one round trip for the handshake); null on failure. */
  async connectTcp(host: string, port: number, track: <T>(p: Promise<T>) => Promise<T>): Promise<TcpConnection | null> {
    await this.scheduler.sleep(this.rttMs() * (host.match(/^[\d.]+$/) ? 1 : 2));
    if (!this.isUp() || !this.tcp) return null;
    return track(this.tcp.connect(host, port));
  }

  /**
   * Carries an HTTP POST over GPRS. Resolves after the virtual time it takes with the server's
   * answer or a SIM800 failure status (600-699) and an empty body.
   */
  async post(url: string, body: Uint8Array, contentType: string, track: <T>(p: Promise<T>) => Promise<T>): Promise<{ status: number; body: Uint8Array }> {
    const fail = async (status: number, afterMs: number) => {
      await this.scheduler.sleep(afterMs);
      this.posts.push({ url, body, contentType, at: this.scheduler.now(), status });
      return { status, body: new Uint8Array(0) };
    };
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return fail(603, 10);
    }
    const f = this.opts.failures ?? {};
    if (this.rng.chance(f.stackBusy604 ?? 0)) return fail(604, 20);
    if ((this.opts.dnsFailHosts ?? []).includes(host) || this.rng.chance(f.dns603 ?? 0)) return fail(603, this.rttMs() * 2);
    if (!this.isUp() || !this.endpoint || this.rng.chance(f.network601 ?? 0)) return fail(601, this.rttMs() * 3);
    // DNS + TCP handshake + request upload.
    const upMs = (body.length * 8 * 1000) / (this.opts.uplinkBps ?? 20_000);
    await this.scheduler.sleep(this.rttMs() * 2 + upMs);
    if (!this.isUp()) return fail(601, this.rttMs());
    const res = await track(this.endpoint.post(url, body, contentType));
    await this.scheduler.sleep(this.rttMs() / 2);
    this.posts.push({ url, body, contentType, at: this.scheduler.now(), status: res.status });
    return res;
  }
}
