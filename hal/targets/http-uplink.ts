// The uplink transport straight over HTTP (fetch), for an LPU running on a host with its own
// network (the johnny-five target on a PC) and for fleet simulations against a real server. The
// modem's part of secure localisation (the serving LAI the network reports) is a header the
// caller supplies, as a gateway in front of the server would.
import type { UplinkResponse, UplinkTransport } from '../../firmware/uplink/transport.ts';

export interface HttpUplinkOptions {
  /** e.g. "http://127.0.0.1:8080" (no trailing slash). */
  baseUrl: string;
  /** Extra headers on every request (e.g. x-bsn-serving-lai: 234-15-0x1a2b). */
  headers?: Record<string, string>;
  /** Abort a request after this long, ms (default 30 s). */
  timeoutMs?: number;
}

export class HttpUplinkTransport implements UplinkTransport {
  constructor(private readonly opts: HttpUplinkOptions) {}

  async post(path: string, body: Uint8Array): Promise<UplinkResponse> {
    const res = await fetch(this.opts.baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...this.opts.headers },
      body: body.slice(),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
    });
    return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
  }
}
