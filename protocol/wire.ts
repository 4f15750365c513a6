// Binary wire format of the authentication messages and sealed data frames. Every message starts
// with a 4-byte header: magic "BC" (0x42 0x43), format version (1), message type. Lengths are
// fixed per type except for data frames, which carry an explicit payload length; every length is
// checked and decoders never throw (they return typed errors). Layouts are in protocol/README.md.
import { concat, readU32be, readU64be, take, u32be, u64be } from './bytes.ts';
import { LAI_BYTES } from './lai.ts';
import { err, ok, ProtocolParameterError, type Result } from './result.ts';

export const MAGIC_0 = 0x42;
export const MAGIC_1 = 0x43;
export const WIRE_VERSION = 1;
export const HEADER_BYTES = 4;

export const MessageType = {
  ma1Normal: 0x01,
  ma1Emergency: 0x02,
  ma2Normal: 0x03,
  ma2Emergency: 0x04,
  ma3Confirm: 0x05,
  ma2NormalRefill: 0x06,
  ma2EmergencyRefill: 0x07,
  dataLpuToServer: 0x10,
  dataServerToLpu: 0x11,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const ID_BYTES = 16; // idL
export const KEY_BYTES = 32; // kls, kem_j, sid_j, Nl, idS, H outputs
export const TRSEQ_BYTES = 4;
export const SESSION_ID_BYTES = 8;
export const CONFIRM_TAG_BYTES = 16;
export const DATA_TAG_BYTES = 16;
export const COUNTER_BYTES = 8;
export const MAX_DATA_PAYLOAD = 0xffff;

export const MA1_NORMAL_BYTES = HEADER_BYTES + KEY_BYTES + KEY_BYTES + TRSEQ_BYTES + LAI_BYTES + KEY_BYTES; // 112
export const MA1_EMERGENCY_BYTES = HEADER_BYTES + KEY_BYTES + KEY_BYTES + LAI_BYTES + KEY_BYTES; // 108
export const MA2_NORMAL_BYTES = HEADER_BYTES + TRSEQ_BYTES + KEY_BYTES; // 40
export const MA2_EMERGENCY_BYTES = HEADER_BYTES + TRSEQ_BYTES + KEY_BYTES + KEY_BYTES; // 72
export const MA3_BYTES = HEADER_BYTES + SESSION_ID_BYTES + CONFIRM_TAG_BYTES; // 28
export const DATA_PREFIX_BYTES = HEADER_BYTES + SESSION_ID_BYTES + COUNTER_BYTES + 2; // 22

export type WireErrorCode = 'truncated' | 'bad-magic' | 'bad-version' | 'bad-type' | 'bad-length';

export function header(type: MessageType): Uint8Array {
  return Uint8Array.of(MAGIC_0, MAGIC_1, WIRE_VERSION, type);
}

/** Checks magic and version and returns the message type (any known type). */
export function peekType(b: Uint8Array): Result<MessageType, WireErrorCode> {
  if (!(b instanceof Uint8Array) || b.length < HEADER_BYTES) return err('truncated', `frame shorter than the ${HEADER_BYTES}-byte header`);
  if (b[0] !== MAGIC_0 || b[1] !== MAGIC_1) return err('bad-magic', 'frame does not start with "BC"');
  if (b[2] !== WIRE_VERSION) return err('bad-version', `wire version ${b[2]} is not ${WIRE_VERSION}`);
  const t = b[3]!;
  if (!(Object.values(MessageType) as number[]).includes(t)) return err('bad-type', `unknown message type 0x${t.toString(16)}`);
  return ok(t as MessageType);
}

function expectType(b: Uint8Array, allowed: readonly MessageType[], what: string): Result<MessageType, WireErrorCode> {
  const t = peekType(b);
  if (!t.ok) return t;
  if (!allowed.includes(t.value)) return err('bad-type', `message type 0x${t.value.toString(16)} is not ${what}`);
  return t;
}

function expectLength(b: Uint8Array, n: number, what: string): Result<true, WireErrorCode> {
  if (b.length < n) return err('truncated', `${what} is ${b.length} bytes, expected ${n}`);
  if (b.length > n) return err('bad-length', `${what} is ${b.length} bytes, expected ${n}`);
  return ok(true);
}

const slice = (b: Uint8Array, o: number, n: number): Uint8Array => take(b, o, o + n);

// ---- MA1 ----

export type Ma1 =
  | { readonly form: 'normal'; readonly aidL: Uint8Array; readonly nx: Uint8Array; readonly trSeq: number; readonly el: Uint8Array; readonly v1: Uint8Array }
  | { readonly form: 'emergency'; readonly aidL: Uint8Array; readonly nx: Uint8Array; readonly el: Uint8Array; readonly v1: Uint8Array };

/** normal: header | aidL 32 | Nx 32 | trSeq 4 | EL 8 | V1 32; emergency: the same without trSeq. */
export function encodeMa1(m: Ma1): Uint8Array {
  if (m.form === 'normal') return concat(header(MessageType.ma1Normal), m.aidL, m.nx, u32be(m.trSeq), m.el, m.v1);
  return concat(header(MessageType.ma1Emergency), m.aidL, m.nx, m.el, m.v1);
}

export function decodeMa1(b: Uint8Array): Result<Ma1, WireErrorCode> {
  const t = expectType(b, [MessageType.ma1Normal, MessageType.ma1Emergency], 'MA1');
  if (!t.ok) return t;
  if (t.value === MessageType.ma1Normal) {
    const l = expectLength(b, MA1_NORMAL_BYTES, 'MA1');
    if (!l.ok) return l;
    return ok({ form: 'normal', aidL: slice(b, 4, 32), nx: slice(b, 36, 32), trSeq: readU32be(b, 68), el: slice(b, 72, 8), v1: slice(b, 80, 32) });
  }
  const l = expectLength(b, MA1_EMERGENCY_BYTES, 'emergency MA1');
  if (!l.ok) return l;
  return ok({ form: 'emergency', aidL: slice(b, 4, 32), nx: slice(b, 36, 32), el: slice(b, 68, 8), v1: slice(b, 76, 32) });
}

// ---- MA2 ----

/** `refill`: a whole server-to-LPU data frame (counter 0 of the new session) carrying shadow pairs. */
export type Ma2 =
  | { readonly form: 'normal'; readonly tr: Uint8Array; readonly v2: Uint8Array; readonly refill?: Uint8Array }
  | { readonly form: 'emergency'; readonly tr: Uint8Array; readonly x: Uint8Array; readonly v2: Uint8Array; readonly refill?: Uint8Array };

/** The MA2 type: the refill variants (0x06, 0x07) differ in type so V2, which covers the header, binds whether a refill is attached. */
export function ma2Type(form: 'normal' | 'emergency', refill: boolean): MessageType {
  if (form === 'normal') return refill ? MessageType.ma2NormalRefill : MessageType.ma2Normal;
  return refill ? MessageType.ma2EmergencyRefill : MessageType.ma2Emergency;
}

/** normal: header | Tr 4 | V2 32; emergency: header | Tr 4 | x 32 | V2 32; either followed by the refill frame (types 0x06, 0x07). */
export function encodeMa2(m: Ma2): Uint8Array {
  const h = header(ma2Type(m.form, m.refill !== undefined));
  const tail = m.refill ? [m.refill] : [];
  if (m.form === 'normal') return concat(h, m.tr, m.v2, ...tail);
  return concat(h, m.tr, m.x, m.v2, ...tail);
}

export function decodeMa2(b: Uint8Array): Result<Ma2, WireErrorCode> {
  const t = expectType(b, [MessageType.ma2Normal, MessageType.ma2Emergency, MessageType.ma2NormalRefill, MessageType.ma2EmergencyRefill], 'MA2');
  if (!t.ok) return t;
  const normal = t.value === MessageType.ma2Normal || t.value === MessageType.ma2NormalRefill;
  const base = normal ? MA2_NORMAL_BYTES : MA2_EMERGENCY_BYTES;
  let refill: Uint8Array | undefined;
  if (t.value === MessageType.ma2NormalRefill || t.value === MessageType.ma2EmergencyRefill) {
    if (b.length < base) return err('truncated', `MA2 with refill is ${b.length} bytes, shorter than ${base}`);
    // The rest must be exactly one server-to-LPU data frame (its own length field decides).
    const f = decodeDataFrame(take(b, base));
    if (!f.ok) return f.error.code === 'bad-type' ? err('bad-length', 'the refill after MA2 is not a data frame') : f;
    if (f.value.direction !== 'server-to-lpu') return err('bad-length', 'the refill after MA2 is not a server-to-LPU frame');
    refill = take(b, base);
  } else {
    const l = expectLength(b, base, normal ? 'MA2' : 'emergency MA2');
    if (!l.ok) return l;
  }
  const r = refill ? { refill } : {};
  if (normal) return ok({ form: 'normal', tr: slice(b, 4, 4), v2: slice(b, 8, 32), ...r });
  return ok({ form: 'emergency', tr: slice(b, 4, 4), x: slice(b, 8, 32), v2: slice(b, 40, 32), ...r });
}

// ---- MA3 (key confirmation, LPU to server) ----

export interface Ma3 {
  readonly sessionId: Uint8Array;
  readonly tag: Uint8Array;
}

/** header | session id 8 | confirmation tag 16. */
export function encodeMa3(m: Ma3): Uint8Array {
  return concat(header(MessageType.ma3Confirm), m.sessionId, m.tag);
}

export function decodeMa3(b: Uint8Array): Result<Ma3, WireErrorCode> {
  const t = expectType(b, [MessageType.ma3Confirm], 'MA3');
  if (!t.ok) return t;
  const l = expectLength(b, MA3_BYTES, 'MA3');
  if (!l.ok) return l;
  return ok({ sessionId: slice(b, 4, 8), tag: slice(b, 12, 16) });
}

// ---- sealed data frames ----

export type Direction = 'lpu-to-server' | 'server-to-lpu';

export interface DataFrame {
  readonly direction: Direction;
  readonly sessionId: Uint8Array;
  readonly counter: bigint;
  /** The 22 cleartext bytes before the sealed part: the OCB associated data. */
  readonly associatedData: Uint8Array;
  /** ciphertext || 16-byte tag. */
  readonly sealed: Uint8Array;
}

export function dataType(direction: Direction): MessageType {
  return direction === 'lpu-to-server' ? MessageType.dataLpuToServer : MessageType.dataServerToLpu;
}

/** header | session id 8 | counter u64 BE | payload length u16 BE; this is also the associated data. */
export function dataFramePrefix(direction: Direction, sessionId: Uint8Array, counter: bigint, payloadLength: number): Uint8Array {
  if (!Number.isInteger(payloadLength) || payloadLength < 0 || payloadLength > MAX_DATA_PAYLOAD) {
    throw new ProtocolParameterError(`data payload of ${payloadLength} bytes exceeds ${MAX_DATA_PAYLOAD}`);
  }
  return concat(header(dataType(direction)), sessionId, u64be(counter), Uint8Array.of(payloadLength >>> 8, payloadLength & 0xff));
}

export function decodeDataFrame(b: Uint8Array): Result<DataFrame, WireErrorCode> {
  const t = expectType(b, [MessageType.dataLpuToServer, MessageType.dataServerToLpu], 'a data frame');
  if (!t.ok) return t;
  if (b.length < DATA_PREFIX_BYTES + DATA_TAG_BYTES) return err('truncated', `data frame of ${b.length} bytes is shorter than ${DATA_PREFIX_BYTES + DATA_TAG_BYTES}`);
  const len = (b[20]! << 8) | b[21]!;
  const l = expectLength(b, DATA_PREFIX_BYTES + len + DATA_TAG_BYTES, 'data frame');
  if (!l.ok) return l;
  return ok({
    direction: t.value === MessageType.dataLpuToServer ? 'lpu-to-server' : 'server-to-lpu',
    sessionId: slice(b, 4, 8),
    counter: readU64be(b, 12),
    associatedData: slice(b, 0, DATA_PREFIX_BYTES),
    sealed: take(b, DATA_PREFIX_BYTES),
  });
}
