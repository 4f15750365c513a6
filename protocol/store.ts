// The server's view of its database. The real server implements ServerStore on PostgreSQL; the
// in-memory store here has the same contract and real async boundaries (every call yields before
// it reads and before it writes), so code that reads, awaits, then writes without
// compare-and-swap loses updates here exactly as it would against a database.
import { toHex } from './bytes.ts';
import { cloneServerRecord, encodeServerRecord, type ServerRecord } from './credential.ts';

export type CasOutcome = 'ok' | 'conflict' | 'missing';

export interface ServerStore {
  /** Records whose current or pending trSeq equals trSeq (different LPUs may share a trSeq). */
  getByTrSeq(trSeq: number): Promise<readonly ServerRecord[]>;
  /** The record that holds shadow identity sid (spent or not), or null. */
  getBySid(sid: Uint8Array): Promise<ServerRecord | null>;
  getById(idL: Uint8Array): Promise<ServerRecord | null>;
  /** Adds a new record (version 0); false if a record for that idL exists. */
  insert(record: ServerRecord): Promise<boolean>;
  /**
   * Replaces the record for next.idL with next if and only if the stored version is still
   * expectedVersion; next.version must be expectedVersion + 1. Atomic with respect to other calls.
   */
  compareAndSwap(next: ServerRecord, expectedVersion: number): Promise<CasOutcome>;
}

/** Resolves after `turns` trips through the microtask queue: a real await point. */
async function yieldTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}

export interface MemoryServerStoreOptions {
  /** Microtask turns each call waits before reading and before writing (default 2). */
  readonly latencyTurns?: number;
}

interface Row {
  readonly bytes: Uint8Array;
  /** A private deep copy of what was written; reads hand out further copies. */
  readonly record: ServerRecord;
  readonly version: number;
  /** The index keys this row is filed under, so an update can unfile it without decoding. */
  readonly trSeqs: readonly number[];
  readonly sids: readonly string[];
}

export class MemoryServerStore implements ServerStore {
  // Records are kept encoded (what a database row would hold, and what snapshots compare) and as a
  // private deep copy that reads clone; nothing outside can alias or mutate stored state.
  private readonly rows = new Map<string, Row>();
  private readonly byTrSeq = new Map<number, Set<string>>();
  private readonly bySid = new Map<string, string>();
  private readonly turns: number;

  constructor(options: MemoryServerStoreOptions = {}) {
    this.turns = options.latencyTurns ?? 2;
  }

  get size(): number {
    return this.rows.size;
  }

  /** The stored bytes of a record (synchronous, for tests and snapshots), or null. */
  recordBytes(idL: Uint8Array): Uint8Array | null {
    const row = this.rows.get(toHex(idL));
    return row ? new Uint8Array(row.bytes) : null;
  }

  async getByTrSeq(trSeq: number): Promise<readonly ServerRecord[]> {
    await yieldTurns(this.turns);
    const ids = this.byTrSeq.get(trSeq >>> 0);
    return ids ? [...ids].map((id) => this.load(id)) : [];
  }

  async getBySid(sid: Uint8Array): Promise<ServerRecord | null> {
    await yieldTurns(this.turns);
    const id = this.bySid.get(toHex(sid));
    return id === undefined ? null : this.load(id);
  }

  async getById(idL: Uint8Array): Promise<ServerRecord | null> {
    await yieldTurns(this.turns);
    const id = toHex(idL);
    return this.rows.has(id) ? this.load(id) : null;
  }

  async insert(record: ServerRecord): Promise<boolean> {
    await yieldTurns(this.turns);
    const id = toHex(record.idL);
    if (this.rows.has(id)) return false;
    this.put(id, record);
    return true;
  }

  async compareAndSwap(next: ServerRecord, expectedVersion: number): Promise<CasOutcome> {
    await yieldTurns(this.turns);
    // From here to the end nothing awaits: the check and the write are one atomic step.
    const id = toHex(next.idL);
    const old = this.rows.get(id);
    if (!old) return 'missing';
    if (old.version !== expectedVersion || next.version !== expectedVersion + 1) return 'conflict';
    this.unindex(id, old);
    this.put(id, next);
    return 'ok';
  }

  private load(id: string): ServerRecord {
    return cloneServerRecord(this.rows.get(id)!.record);
  }

  private put(id: string, record: ServerRecord): void {
    const trSeqs = record.pending ? [record.current.trSeq, record.pending.trSeq] : [record.current.trSeq];
    const sids = record.pairs.map((p) => toHex(p.sid));
    this.rows.set(id, { bytes: encodeServerRecord(record), record: cloneServerRecord(record), version: record.version, trSeqs, sids });
    for (const t of trSeqs) {
      let s = this.byTrSeq.get(t);
      if (!s) this.byTrSeq.set(t, (s = new Set()));
      s.add(id);
    }
    for (const sid of sids) this.bySid.set(sid, id);
  }

  private unindex(id: string, row: Row): void {
    for (const t of row.trSeqs) {
      const s = this.byTrSeq.get(t);
      if (s) {
        s.delete(id);
        if (s.size === 0) this.byTrSeq.delete(t);
      }
    }
    for (const sid of row.sids) if (this.bySid.get(sid) === id) this.bySid.delete(sid);
  }
}
