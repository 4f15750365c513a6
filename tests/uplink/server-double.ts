// The server side for uplink tests: the protocol's server role (verifyMa1, confirmMa3,
// DataChannel.open) over a MemoryServerStore, storing readings de-duplicated by sequence number and
// acknowledging the highest contiguous one, as server/ingest.ts does. Reachable directly (an
// UplinkTransport) or through the SIM800 model's network (an HttpEndpoint).
import { register } from '../../protocol/registration.ts';
import { MemoryServerStore } from '../../protocol/store.ts';
import { confirmMa3, verifyMa1, type ServerSession } from '../../protocol/server.ts';
import { decodeDataFrame, decodeMa3 } from '../../protocol/wire.ts';
import { toHex } from '../../protocol/bytes.ts';
import { decodeBatch, encodeAck, type BatchItem } from '../../protocol/readings.ts';
import type { LocationAreaId } from '../../protocol/lai.ts';
import type { RandomSource } from '../../protocol/random.ts';
import type { HttpEndpoint } from '../../sim/sim800/network.ts';
import type { UplinkResponse, UplinkTransport } from '../../firmware/uplink/transport.ts';
import { encodeLpuCredential } from '../../protocol/credential.ts';

export class ServerDouble implements UplinkTransport, HttpEndpoint {
  readonly store = new MemoryServerStore();
  readonly sessions = new Map<string, ServerSession>();
  /** Stored readings by seq (one LPU). */
  readonly readings = new Map<number, BatchItem>();
  ackedSeq = 0;
  /** Every data frame body received, in order (for replay tests). */
  readonly frames: Uint8Array[] = [];
  readonly log: Array<{ path: string; status: number; code?: string }> = [];
  up = true;
  duplicatesDropped = 0;

  constructor(private readonly random: RandomSource, public observedLai: LocationAreaId) {}

  /** Registers an LPU; returns the credential record for provisioning. */
  async register(): Promise<Uint8Array> {
    const reg = register({ idL: this.random(16), idS: this.random(32), random: this.random });
    await this.store.insert(reg.record);
    return encodeLpuCredential(reg.credential);
  }

  /** HttpEndpoint (SIM800 network model): the URL's path selects the route. */
  async post(pathOrUrl: string, body: Uint8Array): Promise<UplinkResponse> {
    const path = pathOrUrl.startsWith('http') ? new URL(pathOrUrl).pathname : pathOrUrl;
    // Down: the front end answers 503 (the GSM network itself stays up for SMS and calls).
    const r = this.up ? await this.handle(path, body) : { status: 503, body: new Uint8Array(0), code: 'down' };
    this.log.push({ path, status: r.status, ...(r.code ? { code: r.code } : {}) });
    return { status: r.status, body: r.body };
  }

  private async handle(path: string, body: Uint8Array): Promise<UplinkResponse & { code?: string }> {
    const empty = new Uint8Array(0);
    if (path === '/v1/ma1') {
      const v = await verifyMa1(this.store, body, this.observedLai, this.random);
      if (!v.ok) return { status: v.error.code === 'replay' ? 409 : v.error.code === 'location-mismatch' ? 403 : 401, body: empty, code: v.error.code };
      this.sessions.set(toHex(v.value.session.keys.sessionId), v.value.session);
      return { status: 200, body: v.value.ma2 };
    }
    if (path === '/v1/ma3') {
      const d = decodeMa3(body);
      const s = d.ok ? this.sessions.get(toHex(d.value.sessionId)) : undefined;
      if (!s) return { status: 401, body: empty, code: 'unknown-session' };
      const c = await confirmMa3(this.store, s, body);
      return c.ok ? { status: 204, body: empty } : { status: 409, body: empty, code: c.error.code };
    }
    if (path === '/v1/data') {
      this.frames.push(body.slice());
      const d = decodeDataFrame(body);
      const s = d.ok ? this.sessions.get(toHex(d.value.sessionId)) : undefined;
      if (!s) return { status: 401, body: empty, code: 'unknown-session' };
      const o = s.channel.open(body);
      if (!o.ok) return { status: o.error.code === 'duplicate' || o.error.code === 'too-old' ? 409 : 401, body: empty, code: o.error.code };
      const batch = decodeBatch(o.value.plaintext);
      if (!batch.ok) return { status: 422, body: empty, code: batch.error.code };
      for (const r of batch.value) {
        if (this.readings.has(r.seq)) this.duplicatesDropped++;
        else this.readings.set(r.seq, r);
      }
      while (this.readings.has(this.ackedSeq + 1)) this.ackedSeq++;
      const sealed = s.channel.seal(encodeAck(this.ackedSeq));
      if (!sealed.ok) return { status: 409, body: empty, code: sealed.error.code };
      return { status: 200, body: sealed.value };
    }
    return { status: 404, body: empty };
  }

  /** Stored readings in seq order. */
  stored(): BatchItem[] {
    return [...this.readings.values()].sort((a, b) => a.seq - b.seq);
  }
}
