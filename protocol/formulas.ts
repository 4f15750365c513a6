// Every formula of the protocol in one place, named after the paper's symbols. Which kls goes in
// is the caller's decision and is spelled out in protocol/README.md ("Which kls").
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ascii, H, u32be, xor } from './bytes.ts';
import { REPLAY_FINGERPRINT_BYTES } from './credential.ts';
import { CONFIRM_TAG_BYTES, SESSION_ID_BYTES } from './wire.ts';

const EMPTY = new Uint8Array(0);

/** Registration: kls = H(idL || R) XOR idS. */
export const registrationKls = (idL: Uint8Array, R: Uint8Array, idS: Uint8Array): Uint8Array => xor(H(idL, R), idS);

/** Registration: sid_j = H(idL || r_j || kls). */
export const shadowId = (idL: Uint8Array, rj: Uint8Array, kls: Uint8Array): Uint8Array => H(idL, rj, kls);

/** Normal-form one-time alias: aidL = H(idL || kls || Nl || trSeq). */
export const aliasId = (idL: Uint8Array, kls: Uint8Array, nl: Uint8Array, trSeq: number): Uint8Array => H(idL, kls, nl, u32be(trSeq));

/** Nx = kls XOR Nl (and Nl = Nx XOR kls). */
export const maskNonce = (kls: Uint8Array, nlOrNx: Uint8Array): Uint8Array => xor(kls, nlOrNx);

/** EL = LAI XOR H(kls || Nl), the hash truncated to the 8 LAI bytes (and back: LAI = EL XOR ...). */
export const maskLai = (laiOrEl: Uint8Array, kls: Uint8Array, nl: Uint8Array): Uint8Array => xor(laiOrEl, H(kls, nl));

/**
 * V1 = H(Nl || LAI || kls || header || aidL || Nx || trSeq || EL), trSeq absent in the emergency
 * form. The paper's V1 = H(Nl || LAI || kls) is a prefix; the rest binds every MA1 field and the
 * message type, so no field can be swapped or replaced.
 */
export function v1(nl: Uint8Array, lai: Uint8Array, kls: Uint8Array, hdr: Uint8Array, aidL: Uint8Array, nx: Uint8Array, trSeq: number | null, el: Uint8Array): Uint8Array {
  return H(nl, lai, kls, hdr, aidL, nx, trSeq === null ? EMPTY : u32be(trSeq), el);
}

/** Tr = H(kls || idL || Nl) XOR trSeq_new, the hash truncated to 4 bytes. */
export const maskTrSeq = (kls: Uint8Array, idL: Uint8Array, nl: Uint8Array, trSeqBytes: Uint8Array): Uint8Array => xor(trSeqBytes, H(kls, idL, nl));

/** V2 = H(Tr || kls || idL || Nl || header || x), x only in the emergency form (strengthened). */
export const v2 = (tr: Uint8Array, kls: Uint8Array, idL: Uint8Array, nl: Uint8Array, hdr: Uint8Array, x: Uint8Array | null): Uint8Array =>
  H(tr, kls, idL, nl, hdr, x ?? EMPTY);

/** kls_new = H(kls || idL || trSeq_new), kls being the server's current or pending key. */
export const nextKls = (kls: Uint8Array, idL: Uint8Array, trSeqNew: number): Uint8Array => H(kls, idL, u32be(trSeqNew));

/** x = kls_new XOR H(idL || kem_j || Nl) (Nl added so retries never reuse a mask). */
export const maskNewKls = (klsNewOrX: Uint8Array, idL: Uint8Array, kem: Uint8Array, nl: Uint8Array): Uint8Array => xor(klsNewOrX, H(idL, kem, nl));

/** Replay-cache fingerprint of an MA1's Nl. */
export const replayFingerprint = (nl: Uint8Array): Uint8Array => H(ascii('bsn-care/1 replay'), nl).slice(0, REPLAY_FINGERPRINT_BYTES);

export const DATA_KEY_BYTES = 16; // AES-128-OCB

export interface SessionKeys {
  readonly sessionId: Uint8Array;
  readonly lpuToServer: Uint8Array;
  readonly serverToLpu: Uint8Array;
  readonly confirmTag: Uint8Array;
}

const SESSION_INFO = ascii('bsn-care/1 session keys');
const KEY_BLOCK_BYTES = SESSION_ID_BYTES + 2 * DATA_KEY_BYTES + CONFIRM_TAG_BYTES; // 56

/**
 * HKDF-SHA256 with IKM = kls_new, salt = Nl, info = "bsn-care/1 session keys", 56 bytes of output
 * split in order into session id (8), LPU-to-server key (16), server-to-LPU key (16) and MA3
 * confirmation tag (16). Never kls itself; one key per direction.
 */
export function sessionKeys(klsNew: Uint8Array, nl: Uint8Array): SessionKeys {
  const block = expand(sha256, extract(sha256, klsNew, nl), SESSION_INFO, KEY_BLOCK_BYTES);
  let o = 0;
  const take = (n: number) => block.slice(o, (o += n));
  return { sessionId: take(SESSION_ID_BYTES), lpuToServer: take(DATA_KEY_BYTES), serverToLpu: take(DATA_KEY_BYTES), confirmTag: take(CONFIRM_TAG_BYTES) };
}
