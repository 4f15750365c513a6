// Typed errors for WFDB decoding. Decoders return a WfdbResult and never throw on bad input, so a
// corrupt record is reported with a reason instead of being read as garbage.

export type WfdbErrorCode =
  | 'io' // the file could not be read
  | 'header-syntax' // a .hea line does not follow the header grammar
  | 'unsupported' // valid WFDB, but a feature this reader does not implement (format, multi-segment)
  | 'truncated' // the .dat or .atr file ends before the header says it should
  | 'initial-value-mismatch' // first sample of a signal differs from the header's initial value
  | 'checksum-mismatch' // 16-bit sum of a signal's samples differs from the header's checksum
  | 'annotation-syntax'; // a .atr byte stream that cannot be a valid annotation file

export class WfdbError extends Error {
  override readonly name = 'WfdbError';
  constructor(
    readonly code: WfdbErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export type WfdbResult<T> = { ok: true; value: T } | { ok: false; error: WfdbError };

export const ok = <T>(value: T): WfdbResult<T> => ({ ok: true, value });
export const fail = <T>(code: WfdbErrorCode, message: string): WfdbResult<T> => ({ ok: false, error: new WfdbError(code, message) });
