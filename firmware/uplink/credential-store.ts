// The LPU's credential in non-volatile memory, safe against a power cut at any byte.
//
// A full credential (idL, kls, trSeq, n shadow pairs) is 58 + 64n + 8 bytes: 578 for n = 8, so two
// copies do not fit the Uno's 1 KiB EEPROM. The part that changes every session (trSeq, kls) lives
// in two small EEPROM key slots written alternately (generation counter + checksum); the shadow
// pairs, which change only on an emergency authentication or a refill, live in two pair blocks in
// the serial flash. A key slot names its pair block, how many leading pairs are used up, and a
// digest of the block, so one slot write commits everything: the block a valid slot refers to is
// never written while that slot is the newest one.
//
// An emergency authentication drops pairs[0]: that is pairSkip + 1 in the new slot, no block
// write. A refill writes the other block first, then the slot. Layouts: firmware/uplink/README.md.
import type { NonVolatileStore } from '../../hal/storage.ts';
import { decodeLpuCredential, encodeLpuCredential, type LpuCredential } from '../../protocol/credential.ts';
import { H, readU32be, u32be } from '../../protocol/bytes.ts';
import { constantTimeEqual } from '../../protocol/ct.ts';

export const KEY_SLOT_OFFSETS = [0x000, 0x060] as const;
export const KEY_SLOT_BYTES = 80;
/** Flash offsets of the two pair blocks (8 KiB each: a credential with 64 pairs is 4162 bytes). */
export const PAIR_BLOCK_OFFSETS = [0x0000, 0x2000] as const;
export const PAIR_BLOCK_BYTES = 0x2000;
/** The store-and-forward queue may use the flash from here on. */
export const CREDENTIAL_FLASH_END = 0x4000;

const SLOT_MAGIC = [0x42, 0x43, 0x4b, 0x31]; // "BCK1"
const DIGEST_BYTES = 8;
const CHECKSUM_BYTES = 8;

export interface CredentialStores {
  readonly eeprom: NonVolatileStore;
  readonly flash: NonVolatileStore;
}

export type CredentialErrorCode = 'bad-credential' | 'no-credential';
export class CredentialStoreError extends Error {
  override readonly name = 'CredentialStoreError';
  constructor(readonly code: CredentialErrorCode, message: string) {
    super(message);
  }
}

interface KeySlot {
  index: number;
  gen: number;
  idL: Uint8Array;
  kls: Uint8Array;
  trSeq: number;
  block: number;
  skip: number;
  digest: Uint8Array;
}

export interface StoredCredential {
  credential: LpuCredential;
  /** Generation of the slot it came from. */
  generation: number;
  slot: number;
}

function encodeSlot(s: Omit<KeySlot, 'index'>): Uint8Array {
  const b = new Uint8Array(KEY_SLOT_BYTES);
  b.set(SLOT_MAGIC, 0);
  b.set(u32be(s.gen), 4);
  b.set(s.idL, 8);
  b.set(s.kls, 24);
  b.set(u32be(s.trSeq), 56);
  b[60] = s.block;
  b[61] = s.skip;
  b.set(s.digest, 64);
  b.set(H(b.subarray(0, 72)).subarray(0, CHECKSUM_BYTES), 72);
  return b;
}

function decodeSlot(b: Uint8Array, index: number): KeySlot | null {
  for (let i = 0; i < 4; i++) if (b[i] !== SLOT_MAGIC[i]) return null;
  if (!constantTimeEqual(H(b.subarray(0, 72)).subarray(0, CHECKSUM_BYTES), b.subarray(72, 80))) return null;
  const block = b[60]!;
  if (block > 1 || b[62] !== 0 || b[63] !== 0) return null;
  return { index, gen: readU32be(b, 4), idL: b.slice(8, 24), kls: b.slice(24, 56), trSeq: readU32be(b, 56), block, skip: b[61]!, digest: b.slice(64, 72) };
}

function readBlock(flash: NonVolatileStore, block: number): { bytes: Uint8Array; credential: LpuCredential } | null {
  const off = PAIR_BLOCK_OFFSETS[block]!;
  const head = flash.read(off, 58);
  const n = head[57]!;
  const len = 58 + 64 * n + 8;
  if (len > PAIR_BLOCK_BYTES) return null;
  const bytes = flash.read(off, len);
  const d = decodeLpuCredential(bytes);
  return d.ok ? { bytes, credential: d.value } : null;
}

function digestOf(blockBytes: Uint8Array): Uint8Array {
  return H(blockBytes).subarray(0, DIGEST_BYTES);
}

function slotsOf(eeprom: NonVolatileStore): KeySlot[] {
  const out: KeySlot[] = [];
  for (let i = 0; i < KEY_SLOT_OFFSETS.length; i++) {
    const s = decodeSlot(eeprom.read(KEY_SLOT_OFFSETS[i]!, KEY_SLOT_BYTES), i);
    if (s) out.push(s);
  }
  return out.sort((a, b) => b.gen - a.gen);
}

/** The slot's credential if its pair block is intact and is the one it was written with. */
function resolve(flash: NonVolatileStore, s: KeySlot): LpuCredential | null {
  const blk = readBlock(flash, s.block);
  if (!blk || !constantTimeEqual(digestOf(blk.bytes), s.digest)) return null;
  if (s.skip > blk.credential.pairs.length) return null;
  if (!constantTimeEqual(blk.credential.idL, s.idL)) return null;
  return { idL: s.idL, kls: s.kls, trSeq: s.trSeq, pairs: blk.credential.pairs.slice(s.skip) };
}

/** The newest consistent credential, or null when none is stored (blank or both slots broken). */
export function loadCredential(nv: CredentialStores): StoredCredential | null {
  for (const s of slotsOf(nv.eeprom)) {
    const c = resolve(nv.flash, s);
    if (c) return { credential: c, generation: s.gen, slot: s.index };
  }
  return null;
}

function samePair(a: { sid: Uint8Array; kem: Uint8Array }, b: { sid: Uint8Array; kem: Uint8Array }): boolean {
  return constantTimeEqual(a.sid, b.sid) && constantTimeEqual(a.kem, b.kem);
}

/**
 * Persists `next` so that a power cut at any point leaves either the previous credential or
 * `next` readable. Pair blocks are rewritten only when the pair list is not a suffix of the
 * stored one.
 */
export function saveCredential(nv: CredentialStores, next: LpuCredential): void {
  const slots = slotsOf(nv.eeprom);
  let active: KeySlot | null = null;
  let activeBlock: { bytes: Uint8Array; credential: LpuCredential } | null = null;
  for (const s of slots) {
    const blk = readBlock(nv.flash, s.block);
    if (blk && constantTimeEqual(digestOf(blk.bytes), s.digest)) {
      active = s;
      activeBlock = blk;
      break;
    }
  }
  let block: number;
  let skip: number;
  let digest: Uint8Array;
  const stored = activeBlock?.credential.pairs ?? [];
  const k = stored.length - next.pairs.length;
  const isSuffix = active !== null && activeBlock !== null && k >= active.skip && next.pairs.every((p, i) => samePair(p, stored[k + i]!)) && constantTimeEqual(activeBlock.credential.idL, next.idL);
  if (isSuffix && active && activeBlock) {
    block = active.block;
    skip = k;
    digest = digestOf(activeBlock.bytes);
  } else {
    block = active ? 1 - active.block : 0;
    const bytes = encodeLpuCredential(next);
    if (bytes.length > PAIR_BLOCK_BYTES) throw new CredentialStoreError('bad-credential', 'credential larger than a pair block');
    nv.flash.write(PAIR_BLOCK_OFFSETS[block]!, bytes);
    skip = 0;
    digest = digestOf(bytes);
  }
  const slotIndex = active ? 1 - active.index : 0;
  const gen = active ? (active.gen + 1) >>> 0 : 1;
  nv.eeprom.write(KEY_SLOT_OFFSETS[slotIndex]!, encodeSlot({ gen, idL: next.idL, kls: next.kls, trSeq: next.trSeq, block, skip, digest }));
}

/**
 * Provisioning (`bsn-care provision`): writes the credential record the server's registration
 * returned (protocol format, `encodeLpuCredential`), replacing whatever was stored. Both key slots
 * are cleared first, so an interrupted provisioning leaves no credential rather than a mix.
 */
export function writeCredential(nv: CredentialStores, bytes: Uint8Array): void {
  const d = decodeLpuCredential(bytes);
  if (!d.ok) throw new CredentialStoreError('bad-credential', `credential record rejected: ${d.error.code}`);
  const blank = new Uint8Array(KEY_SLOT_BYTES).fill(0xff);
  for (const off of KEY_SLOT_OFFSETS) nv.eeprom.write(off, blank);
  saveCredential(nv, d.value);
}

/** The stored credential as a protocol record (for backup or inspection), or null. */
export function readCredential(nv: CredentialStores): Uint8Array | null {
  const s = loadCredential(nv);
  return s ? encodeLpuCredential(s.credential) : null;
}
