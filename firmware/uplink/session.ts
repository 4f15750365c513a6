// One authenticated session with the server over an UplinkTransport: MA1 with the LAI the modem
// reports, MA2, the new credential persisted (both key slots' rule: before MA3 and before any use
// of the session), MA3, then sealed data frames. Fresh emergency pairs that come inside MA2 are
// part of the credential acceptMa2 returns, so they are persisted with the new key pair; sealed
// 0xC1 top-ups in a data reply are adopted and persisted here too.
import { LpuClient } from '../../protocol/lpu.ts';
import type { RandomSource } from '../../protocol/random.ts';
import type { DataChannel, OpenedFrame } from '../../protocol/data-channel.ts';
import { loadCredential, saveCredential, type CredentialStores } from './credential-store.ts';
import { UPLINK_ROUTES, type CellSource, type PostOptions, type ServingCell, type UplinkTransport } from './transport.ts';

export type UplinkErrorCode =
  | 'no-credential' // nothing provisioned (or both slots unreadable)
  | 'no-cell' // the modem is not registered: no LAI for MA1
  | 'unreachable' // no HTTP answer, or a 5xx
  | 'rejected' // the server refused (4xx) the handshake
  | 'bad-reply' // an answer that does not verify or decode
  | 'session-lost'; // the server no longer knows the session (restart, expiry): authenticate again

/** Typed uplink failure. Messages carry codes and statuses only, never keys or payloads. */
export class UplinkError extends Error {
  override readonly name = 'UplinkError';
  constructor(readonly code: UplinkErrorCode, message: string, readonly status?: number) {
    super(message);
  }
}

export interface SessionDeps {
  transport: UplinkTransport;
  cell: CellSource;
  nv: CredentialStores;
  random: RandomSource;
}

const SHADOW_PAIRS_PREFIX = 0xc1;

export class UplinkSession {
  private client: LpuClient | null = null;
  private channel: DataChannel | null = null;
  /** Handshakes completed, frames exchanged, pair refills adopted (for tests and the LCD). */
  readonly stats = { handshakes: 0, emergencyHandshakes: 0, frames: 0, refills: 0, ma3Failures: 0 };
  lastCell: ServingCell | null = null;

  constructor(private readonly deps: SessionDeps) {}

  get established(): boolean {
    return this.channel !== null;
  }

  /** Forgets the session (the next exchange authenticates again). */
  drop(): void {
    this.channel = null;
  }

  private getClient(): LpuClient {
    if (!this.client) {
      const stored = loadCredential(this.deps.nv);
      if (!stored) throw new UplinkError('no-credential', 'no valid credential in the non-volatile store');
      this.client = new LpuClient(stored.credential, { random: this.deps.random });
    }
    return this.client;
  }

  private async post(path: string, body: Uint8Array, opts?: PostOptions) {
    try {
      return await this.deps.transport.post(path, body, opts);
    } catch (err) {
      throw new UplinkError('unreachable', `POST ${path}: ${err instanceof Error ? err.name : 'error'}`);
    }
  }

  async authenticate(): Promise<void> {
    this.channel = null;
    const client = this.getClient();
    const cell = await this.deps.cell.servingCell().catch(() => null);
    if (!cell) throw new UplinkError('no-cell', 'not registered on a network: no location area for MA1');
    this.lastCell = cell;
    const b = client.begin(cell.lai);
    if (!b.ok) throw new UplinkError('no-cell', `MA1: ${b.error.code}`);
    let res;
    try {
      res = await this.post(UPLINK_ROUTES.ma1, b.value.ma1);
    } catch (err) {
      // The MA1 may never have reached the server: that is no sign of desynchronisation, so it
      // does not count towards the switch to the emergency form.
      this.client = new LpuClient(client.credential, { random: this.deps.random });
      throw err;
    }
    if (res.status >= 500) {
      this.client = new LpuClient(client.credential, { random: this.deps.random });
      throw new UplinkError('unreachable', `MA1: HTTP ${res.status}`, res.status);
    }
    if (res.status !== 200) throw new UplinkError('rejected', `MA1: HTTP ${res.status}`, res.status);
    const a = client.accept(res.body);
    if (!a.ok) throw new UplinkError('bad-reply', `MA2: ${a.error.code}`);
    // Persist before MA3 or any use of the session: a power cut now leaves the old pair (still the
    // server's current one) or the new one (its pending one) readable.
    saveCredential(this.deps.nv, a.value.credential);
    this.stats.handshakes++;
    // Fresh emergency pairs came with MA2 and were stored with the new pair in the same slot write.
    if (a.value.refilled) this.stats.refills++;
    if (b.value.form === 'emergency') this.stats.emergencyHandshakes++;
    this.channel = a.value.channel;
    // MA3 is an optimisation: if it is lost, the next MA1 (made with the new pair) promotes it.
    try {
      const r3 = await this.post(UPLINK_ROUTES.ma3, a.value.ma3);
      if (r3.status >= 300) this.stats.ma3Failures++;
    } catch {
      this.stats.ma3Failures++;
    }
  }

  /**
   * Sends one sealed payload and returns the server's opened reply (not a shadow-pair refill:
   * those are adopted here). Authenticates first if there is no session.
   */
  async exchange(payload: Uint8Array): Promise<Uint8Array> {
    if (!this.channel) await this.authenticate();
    const ch = this.channel!;
    const sealed = ch.seal(payload);
    if (!sealed.ok) {
      this.channel = null;
      throw new UplinkError('session-lost', `seal: ${sealed.error.code}`);
    }
    // The reply is opened inside the transport's integrity check, so a frame damaged on the
    // serial line is read from the modem again; opening twice would count as a replay.
    let opened: OpenedFrame | null = null;
    const accept = (b: Uint8Array) => {
      if (opened) return true;
      const o = ch.open(b);
      if (o.ok) opened = o.value;
      return o.ok;
    };
    const res = await this.post(UPLINK_ROUTES.data, sealed.value, { acceptReply: accept });
    if (res.status === 401) {
      this.channel = null;
      throw new UplinkError('session-lost', 'server does not know the session', 401);
    }
    if (res.status >= 500) throw new UplinkError('unreachable', `data: HTTP ${res.status}`, res.status);
    // Status 0: the modem's report of the status was garbled, the body is the server's answer.
    if (res.status !== 200 && res.status !== 0) throw new UplinkError('rejected', `data: HTTP ${res.status}`, res.status);
    if (!opened && !accept(res.body)) throw new UplinkError('bad-reply', 'reply frame does not open');
    const frame = opened as OpenedFrame | null;
    if (!frame) throw new UplinkError('bad-reply', 'reply frame does not open');
    this.stats.frames++;
    const p = frame.plaintext;
    if (p[0] === SHADOW_PAIRS_PREFIX) {
      const client = this.getClient();
      const r = client.adoptShadowPairs(p);
      if (!r.ok) throw new UplinkError('bad-reply', `shadow pairs: ${r.error.code}`);
      saveCredential(this.deps.nv, r.value);
      this.stats.refills++;
    }
    return p;
  }
}
