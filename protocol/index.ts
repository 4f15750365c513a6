// Public surface of the protocol package (firmware and server import from here).
export * from './result.ts';
export { H, toHex } from './bytes.ts';
export * from './random.ts';
export * from './lai.ts';
export * from './wire.ts';
export * from './credential.ts';
export { sessionKeys, DATA_KEY_BYTES, type SessionKeys } from './formulas.ts';
export * from './registration.ts';
export * from './store.ts';
export * from './replay-window.ts';
export * from './data-channel.ts';
export * from './shadow-pairs.ts';
export * from './lpu.ts';
export * from './server.ts';
export { constantTimeEqual } from './ct.ts';
export { createOcb, OcbParameterError, type Ocb, type OcbOpenResult, type OcbTagLength } from './ocb.ts';
