// How the uplink reaches the server: one HTTP POST with a binary body. Implemented over the SIM800
// driver (sim800-transport.ts) and, for tests and the fleet benchmark, directly over HTTP.
import type { LocationAreaId } from '../../protocol/lai.ts';

export interface UplinkResponse {
  status: number;
  body: Uint8Array;
}

export interface PostOptions {
  /**
   * The reply's integrity check (the session opens the sealed frame): a transport that can read
   * a reply again without resending the request (the SIM800 keeps it until HTTPTERM) does so
   * when it fails, since the serial line may have damaged it.
   */
  acceptReply?: (body: Uint8Array) => boolean;
}

export interface UplinkTransport {
  /** Rejects when the request got no HTTP answer (no network, modem failure). */
  post(path: string, body: Uint8Array, opts?: PostOptions): Promise<UplinkResponse>;
}

/** The serving cell as the modem reports it (+CREG, +COPS): the LAI that goes into MA1. */
export interface ServingCell {
  lai: LocationAreaId;
  cellId: number | null;
}

export interface CellSource {
  /** The serving cell, or null when not registered. */
  servingCell(): Promise<ServingCell | null>;
}

export interface RegistrationWatch {
  /**
   * Calls `listener` when the modem registers on a network again after it had lost it (its own
   * report, no traffic): the uplink's cue to retry at once instead of sleeping out its back-off.
   */
  onRegained(listener: () => void): () => void;
}

/** Server routes (server/app.ts ROUTES). */
export const UPLINK_ROUTES = { ma1: '/v1/ma1', ma3: '/v1/ma3', data: '/v1/data' } as const;

/** One operation at a time on a shared resource (the modem: HTTP, SMS and calls interleave otherwise). */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(task: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await task();
    } finally {
      release();
    }
  }
}
