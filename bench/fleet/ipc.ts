// Messages between the fleet benchmark (bench/fleet.ts), its server process
// (bench/fleet/server-child.ts) and its client workers (bench/fleet/client-worker.ts).

export interface DialInstant {
  readonly channel: 'call' | 'sms';
  readonly to: string;
  /** performance.timeOrigin + performance.now() in the server process (ms since the epoch). */
  readonly atMs: number;
}

export interface StoredLpu {
  readonly patientId: number;
  readonly ackedSeq: number;
  readonly rows: number;
  readonly maxSeq: number;
  readonly distinctSeqs: number;
}

export type ChildRequest =
  | { readonly type: 'stats'; readonly id: number }
  | { readonly type: 'dials'; readonly id: number }
  | { readonly type: 'stored'; readonly id: number }
  | { readonly type: 'stop'; readonly id: number };

export type ChildReply =
  | { readonly type: 'ready'; readonly port: number; readonly database: string }
  | { readonly type: 'stats'; readonly id: number; readonly rssBytes: number; readonly peakRssBytes: number; readonly cpuUserUs: number; readonly cpuSystemUs: number }
  | { readonly type: 'dials'; readonly id: number; readonly dials: readonly DialInstant[] }
  | { readonly type: 'stored'; readonly id: number; readonly perLpu: readonly StoredLpu[] }
  | { readonly type: 'stop'; readonly id: number };

/** One simulated LPU as the benchmark hands it to a client worker. */
export interface LpuSpec {
  readonly index: number;
  readonly patientId: number;
  /** The encoded credential record the server issued at registration. */
  readonly credential: Uint8Array;
  /** Offset into the data phase (ms) at which this LPU's patient crosses a threshold, or null. */
  readonly alertAtMs: number | null;
}

export interface WorkerInit {
  readonly base: string;
  readonly lpus: readonly LpuSpec[];
  readonly batch: number;
  readonly seed: number;
}

export type WorkerRequest =
  | { readonly type: 'handshakes'; readonly ms: number }
  | { readonly type: 'data'; readonly ms: number }
  | { readonly type: 'paced'; readonly ms: number; readonly intervalMs: number }
  | { readonly type: 'exit' };

export interface AlertSent {
  readonly index: number;
  /** Wall instant of the threshold crossing (same clock as DialInstant.atMs); the LPU sends at once. */
  readonly crossedAtMs: number;
  /** Simulated GPRS round trip added to the timeline (not slept). */
  readonly gprsMs: number;
  readonly kind: string;
}

export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'handshakes'; readonly completed: number; readonly failed: number; readonly errors: readonly string[]}
  | {
    readonly type: 'data';
    readonly batches: number;
    /** Readings the server acknowledged (sum over this worker's LPUs of their ackedSeq gain). */
    readonly readingsAcked: number;
    readonly failed: number;
    readonly errors: readonly string[];
    readonly acked: ReadonlyArray<{ readonly index: number; readonly ackedSeq: number }>;
    readonly alerts: readonly AlertSent[];
    /** Client-measured round trip of each acknowledged batch (ms). */
    readonly latenciesMs: readonly number[];
  };
