// Location area identity (3GPP TS 23.003: MCC, MNC, LAC) in the protocol's fixed 8-byte encoding:
//   0..1  MCC, u16 big-endian, 0..999
//   2..3  MNC, u16 big-endian, 0..99 with 2 digits, 0..999 with 3 digits
//   4     number of MNC digits, 2 or 3 (so "01" and "001" are different networks, as in 3GPP)
//   5..6  LAC, u16 big-endian, any value except the reserved 0x0000 and 0xFFFE
//   7     reserved, 0
// The encoding is canonical (one byte string per LAI), so LAIs are compared as bytes.
import { err, ok, ProtocolParameterError, type Result } from './result.ts';

export const LAI_BYTES = 8;

export interface LocationAreaId {
  readonly mcc: number;
  readonly mnc: number;
  readonly mncDigits: 2 | 3;
  readonly lac: number;
}

export type LaiErrorCode = 'bad-length' | 'bad-mcc' | 'bad-mnc' | 'bad-mnc-digits' | 'bad-lac' | 'bad-reserved';

function check(lai: LocationAreaId): { code: LaiErrorCode; message: string } | null {
  if (!Number.isInteger(lai.mcc) || lai.mcc < 0 || lai.mcc > 999) return { code: 'bad-mcc', message: `MCC ${lai.mcc} not in 0..999` };
  if (lai.mncDigits !== 2 && lai.mncDigits !== 3) return { code: 'bad-mnc-digits', message: `MNC digit count ${String(lai.mncDigits)} is not 2 or 3` };
  const mncMax = lai.mncDigits === 2 ? 99 : 999;
  if (!Number.isInteger(lai.mnc) || lai.mnc < 0 || lai.mnc > mncMax) return { code: 'bad-mnc', message: `MNC ${lai.mnc} not in 0..${mncMax}` };
  if (!Number.isInteger(lai.lac) || lai.lac < 0 || lai.lac > 0xffff || lai.lac === 0 || lai.lac === 0xfffe) {
    return { code: 'bad-lac', message: `LAC ${lai.lac} is out of range or reserved (0x0000, 0xFFFE)` };
  }
  return null;
}

/** Encodes a valid LAI; throws ProtocolParameterError on an invalid one (our own input). */
export function encodeLai(lai: LocationAreaId): Uint8Array {
  const bad = check(lai);
  if (bad) throw new ProtocolParameterError(`LAI: ${bad.message}`);
  const b = new Uint8Array(LAI_BYTES);
  b[0] = lai.mcc >>> 8;
  b[1] = lai.mcc & 0xff;
  b[2] = lai.mnc >>> 8;
  b[3] = lai.mnc & 0xff;
  b[4] = lai.mncDigits;
  b[5] = lai.lac >>> 8;
  b[6] = lai.lac & 0xff;
  b[7] = 0;
  return b;
}

/** The encoding of a valid LAI, or null for an invalid one (for LAIs that come from outside). */
export function tryEncodeLai(lai: LocationAreaId): Uint8Array | null {
  if (typeof lai !== 'object' || lai === null || check(lai)) return null;
  return encodeLai(lai);
}

export function decodeLai(b: Uint8Array): Result<LocationAreaId, LaiErrorCode> {
  if (!(b instanceof Uint8Array) || b.length !== LAI_BYTES) return err('bad-length', `LAI must be ${LAI_BYTES} bytes`);
  if (b[7] !== 0) return err('bad-reserved', 'LAI reserved byte is not 0');
  const d = b[4]!;
  if (d !== 2 && d !== 3) return err('bad-mnc-digits', `MNC digit count ${d} is not 2 or 3`);
  const lai: LocationAreaId = { mcc: (b[0]! << 8) | b[1]!, mnc: (b[2]! << 8) | b[3]!, mncDigits: d, lac: (b[5]! << 8) | b[6]! };
  const bad = check(lai);
  return bad ? err(bad.code, bad.message) : ok(lai);
}

export function formatLai(lai: LocationAreaId): string {
  return `${String(lai.mcc).padStart(3, '0')}-${String(lai.mnc).padStart(lai.mncDigits, '0')}-0x${lai.lac.toString(16).padStart(4, '0')}`;
}
