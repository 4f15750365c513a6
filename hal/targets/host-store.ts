// The LPU's non-volatile memory on real hardware. StandardFirmata gives the host no access to the
// ATmega's EEPROM (and the Uno has no serial flash), so the host keeps both stores as files in one
// directory (`bsn-care run --store DIR`, default ~/.local/state/bsn-care):
//   eeprom.bin  1 KiB   the key slots and the sequence counter (firmware/uplink/README.md layout)
//   flash.bin   4 MiB   the credential's pair blocks and the store-and-forward queue
//   lock               the pid of the bsn-care process using the directory
//
// Durability: each write() is one positional write of just those bytes followed by fdatasync, so
// writes reach the disk in program order, which is the order the credential store and the queue
// rely on (pair block before the key slot that names it; record before its commit mark). A write
// cut short by a host power loss looks like a torn EEPROM or flash write, which those formats
// already survive (checksummed alternate slots, CRC per record). Whole-file replacement (write a
// temporary file, rename) would make single writes atomic but cost a 4 MiB copy per queue record.
//
// The lock: two processes on one store would run one LPU identity twice, each advancing the
// session state (trSeq, kls) behind the other's back; the second is refused.
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { checkRange, type NonVolatileStore } from '../storage.ts';

export const HOST_EEPROM_BYTES = 1024;
export const HOST_FLASH_BYTES = 4 * 1024 * 1024;
const ERASED = 0xff;

/** A NonVolatileStore in a file (or in memory without a path); erased bytes read 0xFF. */
export class FileStore implements NonVolatileStore {
  private readonly mem: Uint8Array;
  private fd: number | null = null;
  /** fdatasync calls so far (for the figures in tests). */
  syncs = 0;
  /** Writes refused after close() (a shutdown that did not wait for the firmware). */
  writesAfterClose = 0;
  private closed = false;

  constructor(readonly size: number, readonly path?: string, private readonly durable = true) {
    if (!Number.isInteger(size) || size <= 0) throw new RangeError(`store size must be a positive integer, got ${size}`);
    this.mem = new Uint8Array(size).fill(ERASED);
    if (path === undefined) return;
    closeSync(openSync(path, 'a', 0o600)); // create if missing, keep if present
    this.fd = openSync(path, 'r+');
    const have = fstatSync(this.fd).size;
    if (have > 0) readSync(this.fd, this.mem, 0, Math.min(have, size), 0);
    if (have !== size) {
      // A new (or resized) file: erased beyond what it held.
      ftruncateSync(this.fd, size);
      if (size > have) writeSync(this.fd, this.mem, have, size - have, have);
      this.sync();
    }
  }

  read(offset: number, length: number): Uint8Array {
    checkRange(this, offset, length);
    return this.mem.slice(offset, offset + length);
  }

  write(offset: number, bytes: Uint8Array): void {
    checkRange(this, offset, bytes.length);
    if (this.closed) {
      // Power is off: like the chip, the store takes nothing more. The formats on it survive a
      // cut at any write, so this is the state a power cut at this point would leave.
      this.writesAfterClose++;
      return;
    }
    this.mem.set(bytes, offset);
    if (this.fd === null) return;
    writeSync(this.fd, this.mem, offset, bytes.length, offset);
    this.sync();
  }

  private sync(): void {
    if (this.fd === null || !this.durable) return;
    fdatasyncSync(this.fd);
    this.syncs++;
  }

  /** Power-off: releases the file; reads still work, writes are dropped. */
  close(): void {
    this.closed = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Another live process holds the store directory. */
export class StoreBusyError extends Error {
  override readonly name = 'StoreBusyError';
  constructor(readonly dir: string, readonly pid: number) {
    super(`the LPU store ${dir} is in use by another bsn-care (pid ${pid}); one store is one LPU identity, so run a second device with its own --store`);
  }
}

export interface HostStores {
  readonly dir: string;
  readonly eeprom: FileStore;
  readonly flash: FileStore;
  /** Releases the files and the lock. */
  close(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock (a stale lock of a dead process is taken over) and opens both stores. */
export function openHostStores(dir: string, opts: { durable?: boolean } = {}): HostStores {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = join(dir, 'lock');
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(lock, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) throw new StoreBusyError(dir, pid);
      unlinkSync(lock);
    }
  }
  let eeprom: FileStore | undefined;
  try {
    eeprom = new FileStore(HOST_EEPROM_BYTES, join(dir, 'eeprom.bin'), opts.durable ?? true);
    const flash = new FileStore(HOST_FLASH_BYTES, join(dir, 'flash.bin'), opts.durable ?? true);
    let closed = false;
    return {
      dir, eeprom, flash,
      close() {
        if (closed) return;
        closed = true;
        eeprom!.close();
        flash.close();
        try {
          unlinkSync(lock);
        } catch {
          // already gone: nothing to release
        }
      },
    };
  } catch (e) {
    eeprom?.close();
    unlinkSync(lock);
    throw e;
  }
}
