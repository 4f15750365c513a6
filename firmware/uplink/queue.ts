// Store-and-forward queue in serial flash: a log of records, each with a CRC, in 4 KiB sectors
// used round-robin. Readings enter as records (a 5 s summary, or an event such as an alarm) with a
// record id in enqueue order; sequence numbers are given only when a record is first put in a
// batch, so a summary evicted while the server was unreachable never leaves a hole in the
// sequence (the server acknowledges the highest contiguous sequence number).
//
// Delivery is one batch at a time. Forming a batch appends a BATCH mark (first sequence number,
// record id range) before anything is sent, so after a power cut the same records go out again
// with the same sequence numbers and the server de-duplicates them. When the server acknowledges
// the batch's last sequence number a COMMIT mark (records up to id X delivered) is appended; only
// then are those records dead. Nothing else deletes a record, except eviction of the oldest
// summaries that were never in a batch when the flash is full. Events are never evicted: cleaning
// copies them forward.
//
// Power cuts: a record written partly fails its CRC; the recovery scan stops reading that sector
// there and the writer continues in a fresh sector, so at most the record being written is lost.
// Sector erase clears the header first, so a half-erased sector is never taken for live data.
import type { NonVolatileStore } from '../../hal/storage.ts';
import { readU32be, u32be } from '../../protocol/bytes.ts';
import { decodeBatch, encodeBatch, type BatchItem, type EventValue, type ReadingValue } from '../../protocol/readings.ts';
import { crc32 } from './crc32.ts';

export const SECTOR_BYTES = 4096;
const SECTOR_MAGIC = 0x42515331; // "BQS1"
const SECTOR_HEADER = 8;
const REC_HEADER = 16;
const REC_MAGIC0 = 0xb5;
const REC_MAGIC1 = 0x51;
const T_DATA = 1;
const T_BATCH = 2;
const T_COMMIT = 3;
const F_EVENT = 1;
/** Readings per record (a summary has at most a handful). */
export const MAX_RECORD_READINGS = 32;

export type QueuedReading = (ReadingValue | EventValue) & { readonly measuredAt: number };
export type RecordClass = 'summary' | 'event';

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}
export class QueueParameterError extends RangeError {
  override readonly name = 'QueueParameterError';
}

export interface QueueOptions {
  /** Region of the flash the queue owns (default: from 16 KiB, after the credential blocks, to the end). */
  offset?: number;
  size?: number;
  /** Sectors kept erased so that cleaning always has room to copy into (default 3). */
  reserveSectors?: number;
  /** Readings per batch (default 200; at most 255, the payload's limit). */
  maxBatchReadings?: number;
  /** Highest sequence number assigned before, from the EEPROM counter (a floor for new batches). */
  seqFloor?: number;
}

interface Entry {
  id: number;
  sector: number;
  offset: number;
  /** Record bytes including the header. */
  length: number;
  event: boolean;
  readings: number;
}

export interface PendingBatch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstId: number;
  readonly lastId: number;
}

export interface Batch extends PendingBatch {
  readonly readings: BatchItem[];
}

export interface QueueStats {
  enqueued: number;
  evictedSummaries: number;
  delivered: number;
  sectorErases: number;
  cleanings: number;
  /** Recovery scan: records whose bytes failed their check (torn writes). */
  tornRecords: number;
}

export type AckOutcome =
  | { readonly kind: 'committed'; readonly records: number }
  | { readonly kind: 'partial' } // the server has part of the batch: send it again
  | { readonly kind: 'behind'; readonly ackedSeq: number } // the server lacks numbers before this batch
  | { readonly kind: 'no-batch' };

export class FlashQueue {
  private readonly base: number;
  private readonly nSectors: number;
  private readonly reserve: number;
  private readonly maxBatch: number;
  /** Sector sequence numbers; -1 = erased (free), -2 = needs erase before use. */
  private readonly sectorSeq: number[];
  private entries: Entry[] = [];
  private head = -1;
  private headOffset = SECTOR_BYTES;
  private nextSectorSeq = 1;
  private nextId = 1;
  private deliveredId = 0;
  private ackedSeq = 0;
  private batch: PendingBatch | null = null;
  private lastAssignedSeq = 0;
  private cleaning = false;
  readonly stats: QueueStats = { enqueued: 0, evictedSummaries: 0, delivered: 0, sectorErases: 0, cleanings: 0, tornRecords: 0 };

  constructor(private readonly flash: NonVolatileStore, opts: QueueOptions = {}) {
    this.base = opts.offset ?? 0x4000;
    const size = opts.size ?? flash.size - this.base;
    if (this.base % SECTOR_BYTES !== 0 || size < SECTOR_BYTES * 8 || this.base + size > flash.size) throw new QueueParameterError('queue region must be sector-aligned, at least 8 sectors, inside the flash');
    this.nSectors = Math.floor(size / SECTOR_BYTES);
    this.reserve = opts.reserveSectors ?? 3;
    this.maxBatch = Math.min(opts.maxBatchReadings ?? 200, 255);
    this.sectorSeq = new Array<number>(this.nSectors).fill(-1);
    this.recover(opts.seqFloor ?? 0);
  }

  // ---- public API ----

  /** Records waiting for delivery (including a batch in flight). */
  get length(): number {
    return this.entries.length;
  }

  get pendingReadings(): number {
    let n = 0;
    for (const e of this.entries) n += e.readings;
    return n;
  }

  /** The highest sequence number the server acknowledged (as far as this queue has committed). */
  get acknowledgedSeq(): number {
    return this.ackedSeq;
  }

  /** The batch in flight, if any (it is sent again, unchanged, until acknowledged). */
  get pending(): PendingBatch | null {
    return this.batch;
  }

  /** Highest sequence number ever assigned (for the EEPROM counter). */
  get assignedSeq(): number {
    return this.lastAssignedSeq;
  }

  /** Bytes free in erased sectors and the head sector. */
  get freeBytes(): number {
    const free = this.sectorSeq.filter((s) => s < 0).length;
    return free * (SECTOR_BYTES - SECTOR_HEADER) + (this.head >= 0 ? SECTOR_BYTES - this.headOffset : 0);
  }

  /** Appends one record; returns its id. Throws QueueFullError only if events fill the flash. */
  enqueue(readings: readonly QueuedReading[], cls: RecordClass): number {
    if (readings.length < 1 || readings.length > MAX_RECORD_READINGS) throw new QueueParameterError(`a record holds 1..${MAX_RECORD_READINGS} readings`);
    // Sequence numbers are placeholders here; the real ones are given at batch time.
    const payload = encodeBatch(readings.map((r, i) => ({ ...r, seq: i + 1 }) as BatchItem));
    const id = this.nextId++;
    const at = this.append(T_DATA, cls === 'event' ? F_EVENT : 0, readings.length, id, payload, this.reserve);
    this.entries.push({ id, sector: at.sector, offset: at.offset, length: REC_HEADER + payload.length, event: cls === 'event', readings: readings.length });
    this.stats.enqueued++;
    return id;
  }

  /**
   * The batch to send: the one in flight if there is one (same records, same sequence numbers),
   * else a new one from the oldest records, made durable (BATCH mark) before it is returned.
   */
  nextBatch(): Batch | null {
    if (!this.batch) {
      if (this.entries.length === 0) return null;
      // Make room for the mark first: cleaning may evict summaries, and must not do so between
      // choosing the batch's records and protecting them.
      while (this.head < 0 || this.headOffset + REC_HEADER + 16 > SECTOR_BYTES) this.advance(2);
      if (this.entries.length === 0) return null;
      const take: Entry[] = [];
      let n = 0;
      for (const e of this.entries) {
        if (take.length > 0 && n + e.readings > this.maxBatch) break;
        take.push(e);
        n += e.readings;
      }
      const firstSeq = Math.max(this.ackedSeq, this.lastAssignedSeq) + 1;
      const b: PendingBatch = { firstSeq, lastSeq: firstSeq + n - 1, firstId: take[0]!.id, lastId: take[take.length - 1]!.id };
      this.appendBatchMark(b);
      this.batch = b;
      this.lastAssignedSeq = b.lastSeq;
    }
    const b = this.batch;
    const readings: BatchItem[] = [];
    let seq = b.firstSeq;
    for (const e of this.entries) {
      if (e.id < b.firstId) continue;
      if (e.id > b.lastId) break;
      const bytes = this.flash.read(this.base + e.sector * SECTOR_BYTES + e.offset + REC_HEADER, e.length - REC_HEADER);
      const d = decodeBatch(bytes);
      // The record passed its CRC, so it decodes; anything else is a firmware bug.
      if (!d.ok) throw new Error(`queue record ${e.id} does not decode: ${d.error.code}`);
      for (const r of d.value) readings.push({ ...r, seq: seq++ });
    }
    return { ...b, readings };
  }

  /** Applies the server's acknowledgement (highest contiguous sequence number it stores). */
  acknowledge(ackedSeq: number): AckOutcome {
    const b = this.batch;
    if (!b) return { kind: 'no-batch' };
    if (ackedSeq >= b.lastSeq) {
      this.appendCommit(b.lastId, b.lastSeq);
      let n = 0;
      this.entries = this.entries.filter((e) => {
        if (e.id <= b.lastId) {
          n++;
          return false;
        }
        return true;
      });
      this.deliveredId = b.lastId;
      this.ackedSeq = b.lastSeq;
      this.batch = null;
      this.stats.delivered += n;
      return { kind: 'committed', records: n };
    }
    if (ackedSeq < b.firstSeq - 1) return { kind: 'behind', ackedSeq };
    return { kind: 'partial' };
  }

  // ---- log writing ----

  private sectorAddr(sector: number): number {
    return this.base + sector * SECTOR_BYTES;
  }

  /**
   * Data keeps `reserve` sectors free; marks (small, and needed to free space) may use all but
   * two, so acknowledging a batch never evicts a summary while dead sectors are about to appear.
   */
  private append(type: number, flags: number, readings: number, id: number, payload: Uint8Array, minFree = 2): { sector: number; offset: number } {
    const len = REC_HEADER + payload.length;
    if (len > SECTOR_BYTES - SECTOR_HEADER) throw new QueueParameterError('record larger than a sector');
    if (minFree > 2 && !this.cleaning && this.freeSectors() < minFree) this.clean(minFree);
    // Cleaning (also inside advance) copies records to the head: check the fit again after it.
    for (let i = 0; this.head < 0 || this.headOffset + len > SECTOR_BYTES; i++) {
      if (i >= 3) throw new QueueFullError('no room for the record (the flash is full of undelivered events)');
      this.advance(minFree);
    }
    const h = new Uint8Array(REC_HEADER);
    h[0] = REC_MAGIC0;
    h[1] = REC_MAGIC1;
    h[2] = type;
    h[3] = flags;
    h[4] = payload.length >>> 8;
    h[5] = payload.length & 0xff;
    h[6] = readings >>> 8;
    h[7] = readings & 0xff;
    h.set(u32be(id), 8);
    h.set(u32be(crc32(h.subarray(0, 12), payload)), 12);
    const rec = new Uint8Array(len);
    rec.set(h, 0);
    rec.set(payload, REC_HEADER);
    const at = { sector: this.head, offset: this.headOffset };
    this.flash.write(this.sectorAddr(this.head) + this.headOffset, rec);
    this.headOffset += len;
    return at;
  }

  private appendBatchMark(b: PendingBatch): void {
    const p = new Uint8Array(16);
    p.set(u32be(b.firstSeq), 0);
    p.set(u32be(b.lastSeq), 4);
    p.set(u32be(b.firstId), 8);
    p.set(u32be(b.lastId), 12);
    this.append(T_BATCH, 0, 0, 0, p);
  }

  private appendCommit(deliveredId: number, ackedSeq: number): void {
    const p = new Uint8Array(8);
    p.set(u32be(deliveredId), 0);
    p.set(u32be(ackedSeq), 4);
    this.append(T_COMMIT, 0, 0, 0, p);
  }

  /** Moves the head to a fresh sector, cleaning the oldest sectors if too few are free. */
  private advance(minFree = 2): void {
    const start = this.head < 0 ? 0 : (this.head + 1) % this.nSectors;
    let next = -1;
    for (let i = 0; i < this.nSectors; i++) {
      const s = (start + i) % this.nSectors;
      if (this.sectorSeq[s]! < 0) {
        next = s;
        break;
      }
    }
    if (next < 0) throw new QueueFullError('no free sector (the flash is full of undelivered events)');
    if (this.sectorSeq[next] === -2 || !this.isBlank(next)) this.erase(next);
    const hdr = new Uint8Array(SECTOR_HEADER);
    hdr.set(u32be(SECTOR_MAGIC), 0);
    hdr.set(u32be(this.nextSectorSeq), 4);
    this.flash.write(this.sectorAddr(next), hdr);
    this.sectorSeq[next] = this.nextSectorSeq++;
    this.head = next;
    this.headOffset = SECTOR_HEADER;
    if (!this.cleaning) this.clean(minFree);
  }

  private isBlank(sector: number): boolean {
    const b = this.flash.read(this.sectorAddr(sector), SECTOR_BYTES);
    for (let i = 0; i < b.length; i++) if (b[i] !== 0xff) return false;
    return true;
  }

  private erase(sector: number): void {
    // Header first: from then on the sector is not part of the log, whatever the rest holds.
    this.flash.write(this.sectorAddr(sector), new Uint8Array(SECTOR_HEADER).fill(0xff));
    this.flash.write(this.sectorAddr(sector) + SECTOR_HEADER, new Uint8Array(SECTOR_BYTES - SECTOR_HEADER).fill(0xff));
    this.sectorSeq[sector] = -1;
    this.stats.sectorErases++;
  }

  private freeSectors(): number {
    let n = 0;
    for (const s of this.sectorSeq) if (s < 0) n++;
    return n;
  }

  /**
   * Frees sectors, oldest first: delivered records are dropped, summaries never put in a batch
   * are evicted (oldest data first), events and the batch in flight are copied to the head; then
   * the queue's state marks are written again and the sector is erased.
   */
  private clean(minFree: number): void {
    this.cleaning = true;
    try {
      for (let guard = 0; this.freeSectors() < minFree && guard < this.nSectors; guard++) {
        // A sector holding nothing live is freed first; otherwise the oldest one whose cleaning
        // frees something (a sector of events only would just be copied round for ever).
        const inBatch = (e: Entry) => this.batch !== null && e.id >= this.batch.firstId && e.id <= this.batch.lastId;
        const live = new Map<number, { kept: number; evictable: number }>();
        for (const e of this.entries) {
          const st = live.get(e.sector) ?? { kept: 0, evictable: 0 };
          if (e.event || inBatch(e)) st.kept += e.length;
          else st.evictable++;
          live.set(e.sector, st);
        }
        const order: number[] = [];
        for (let s = 0; s < this.nSectors; s++) if (this.sectorSeq[s]! >= 0 && s !== this.head) order.push(s);
        order.sort((a, b) => this.sectorSeq[a]! - this.sectorSeq[b]!);
        const useful = (s: number) => {
          const st = live.get(s);
          return !st || st.evictable > 0 || st.kept <= (SECTOR_BYTES * 3) / 4;
        };
        const victim = order.find((s) => !live.has(s)) ?? order.find(useful) ?? -1;
        if (victim < 0) break;
        this.stats.cleanings++;
        const keep: Entry[] = [];
        const evict = new Set<number>();
        for (const e of this.entries) {
          if (e.sector !== victim) continue;
          if (e.event || inBatch(e)) keep.push(e);
          else evict.add(e.id);
        }
        for (const e of keep) {
          const rec = this.flash.read(this.sectorAddr(victim) + e.offset, e.length);
          if (this.head < 0 || this.headOffset + rec.length > SECTOR_BYTES) this.advance();
          this.flash.write(this.sectorAddr(this.head) + this.headOffset, rec);
          e.sector = this.head;
          e.offset = this.headOffset;
          this.headOffset += rec.length;
        }
        if (evict.size > 0) {
          this.entries = this.entries.filter((e) => !evict.has(e.id));
          this.stats.evictedSummaries += evict.size;
        }
        // The marks may have been in the victim: write the current state again.
        if (this.deliveredId > 0) this.appendCommit(this.deliveredId, this.ackedSeq);
        if (this.batch) this.appendBatchMark(this.batch);
        this.erase(victim);
      }
      if (this.freeSectors() === 0) throw new QueueFullError('no free sector after cleaning (the flash is full of undelivered events)');
    } finally {
      this.cleaning = false;
    }
  }

  // ---- recovery ----

  private recover(seqFloor: number): void {
    const byId = new Map<number, Entry>();
    let batch: PendingBatch | null = null;
    let tornTail = false;
    const live: Array<{ s: number; q: number }> = [];
    for (let s = 0; s < this.nSectors; s++) {
      const h = this.flash.read(this.sectorAddr(s), SECTOR_HEADER);
      if (readU32be(h, 0) === SECTOR_MAGIC) live.push({ s, q: readU32be(h, 4) });
      else if (h.every((x) => x === 0xff)) this.sectorSeq[s] = -1;
      else this.sectorSeq[s] = -2;
    }
    live.sort((a, b) => a.q - b.q);
    for (const { s, q } of live) {
      this.sectorSeq[s] = q;
      this.nextSectorSeq = Math.max(this.nextSectorSeq, q + 1);
      const sec = this.flash.read(this.sectorAddr(s), SECTOR_BYTES);
      let o = SECTOR_HEADER;
      let bad = false;
      while (o + REC_HEADER <= SECTOR_BYTES) {
        if (sec[o] === 0xff && sec[o + 1] === 0xff) break;
        const len = (sec[o + 4]! << 8) | sec[o + 5]!;
        if (sec[o] !== REC_MAGIC0 || sec[o + 1] !== REC_MAGIC1 || o + REC_HEADER + len > SECTOR_BYTES) {
          bad = true;
          break;
        }
        const payload = sec.subarray(o + REC_HEADER, o + REC_HEADER + len);
        if (crc32(sec.subarray(o, o + 12), payload) !== readU32be(sec, o + 12)) {
          bad = true;
          break;
        }
        const type = sec[o + 2]!;
        const id = readU32be(sec, o + 8);
        if (type === T_DATA) {
          byId.set(id, { id, sector: s, offset: o, length: REC_HEADER + len, event: (sec[o + 3]! & F_EVENT) !== 0, readings: (sec[o + 6]! << 8) | sec[o + 7]! });
          this.nextId = Math.max(this.nextId, id + 1);
        } else if (type === T_BATCH && len === 16) {
          const b = { firstSeq: readU32be(payload, 0), lastSeq: readU32be(payload, 4), firstId: readU32be(payload, 8), lastId: readU32be(payload, 12) };
          if (!batch || b.firstSeq > batch.firstSeq) batch = b;
        } else if (type === T_COMMIT && len === 8) {
          const d = readU32be(payload, 0);
          if (d > this.deliveredId) {
            this.deliveredId = d;
            this.ackedSeq = readU32be(payload, 4);
          }
        }
        o += REC_HEADER + len;
      }
      if (bad) this.stats.tornRecords++;
      this.head = s;
      this.headOffset = o;
      tornTail = bad;
    }
    // Never write after damaged bytes: continue in a fresh sector.
    if (tornTail) this.headOffset = SECTOR_BYTES;
    this.entries = [...byId.values()].filter((e) => e.id > this.deliveredId).sort((a, b) => a.id - b.id);
    this.nextId = Math.max(this.nextId, this.deliveredId + 1);
    if (batch) {
      this.lastAssignedSeq = batch.lastSeq;
      if (batch.lastId > this.deliveredId) this.batch = batch;
      this.nextId = Math.max(this.nextId, batch.lastId + 1);
    }
    this.lastAssignedSeq = Math.max(this.lastAssignedSeq, this.ackedSeq, seqFloor);
  }
}
