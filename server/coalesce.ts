// Opportunistic batching ("group commit"): calls that arrive while a batch is being run wait and
// go together in the next one, so a busy server makes one database round trip for many requests
// and an idle one adds no delay (a lone call runs at once, on its own). Items with the same key
// never share a batch (a second one waits for the next), so a batch statement never has to
// choose between two changes to one row.
export interface CoalescerOptions<I> {
  /** Items per batch at most (default 256). */
  readonly maxBatch?: number;
  /** Batches run at the same time at most (default 1; more for a connection pool). */
  readonly concurrency?: number;
  readonly key?: (item: I) => string;
  /**
   * With weight: a batch stops growing at maxWeight (but always takes its first item). Keeps one
   * batch statement short, so other work queued on the same connection is not held up long.
   */
  readonly weight?: (item: I) => number;
  readonly maxWeight?: number;
}

interface Waiting<I, O> {
  readonly item: I;
  readonly resolve: (o: O) => void;
  readonly reject: (e: unknown) => void;
}

export class Coalescer<I, O> {
  private queue: Array<Waiting<I, O>> = [];
  private running = 0;
  private scheduled = false;
  private readonly max: number;
  private readonly concurrency: number;

  /** run gets a batch and returns one result per item, in order (or throws for the whole batch). */
  constructor(private readonly run: (items: readonly I[]) => Promise<readonly O[]>, private readonly o: CoalescerOptions<I> = {}) {
    this.max = o.maxBatch ?? 256;
    this.concurrency = o.concurrency ?? 1;
  }

  call(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // The batch starts after the I/O callbacks that are ready now: requests that arrived
      // together get to make their calls first. (An embedded database such as PGlite answers
      // without yielding to I/O, so without this wait no two calls would ever meet.)
      if (!this.scheduled && this.running < this.concurrency) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const batch = this.take();
      this.running++;
      void this.runBatch(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private take(): Array<Waiting<I, O>> {
    const batch: Array<Waiting<I, O>> = [];
    const rest: Array<Waiting<I, O>> = [];
    const keys = new Set<string>();
    const maxWeight = this.o.maxWeight ?? Infinity;
    let weight = 0;
    for (const w of this.queue) {
      const k = this.o.key?.(w.item);
      const wt = this.o.weight?.(w.item) ?? 1;
      if (batch.length < this.max && (k === undefined || !keys.has(k)) && (batch.length === 0 || weight + wt <= maxWeight)) {
        batch.push(w);
        weight += wt;
        if (k !== undefined) keys.add(k);
      } else rest.push(w);
    }
    this.queue = rest;
    return batch;
  }

  private async runBatch(batch: ReadonlyArray<Waiting<I, O>>): Promise<void> {
    try {
      const out = await this.run(batch.map((w) => w.item));
      if (out.length !== batch.length) throw new Error(`batch of ${batch.length} got ${out.length} results`);
      batch.forEach((w, i) => w.resolve(out[i]!));
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  }
}
