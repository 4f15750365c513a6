// Results for everything that handles outside input: decoders and verifiers never throw on bad
// bytes, they return `{ ok: false, error: { code, message } }` with a code the caller can switch on.

export interface ProtocolError<C extends string = string> {
  readonly code: C;
  readonly message: string;
}

export type Result<T, C extends string = string> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ProtocolError<C> };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<C extends string>(code: C, message: string): { readonly ok: false; readonly error: ProtocolError<C> } {
  return { ok: false, error: { code, message } };
}

/** Bad arguments from our own code (wrong key size, count out of range): a programmer error, thrown. */
export class ProtocolParameterError extends RangeError {
  override readonly name = 'ProtocolParameterError';
}
