// Sealed data frames of one authenticated session (AES-128-OCB, 16-byte tag). Each direction has
// its own HKDF-derived key and a 64-bit frame counter that starts at 0 and is the OCB nonce, so a
// (key, nonce) pair never repeats; the nonce also carries a direction byte, and the header with
// session id and counter is the associated data. The receiver keeps a 64-entry replay window.
import { concat, u64be } from './bytes.ts';
import { constantTimeEqual } from './ct.ts';
import type { SessionKeys } from './formulas.ts';
import { createOcb, type Ocb } from './ocb.ts';
import { ReplayWindow } from './replay-window.ts';
import { err, ok, type Result } from './result.ts';
import { dataFramePrefix, decodeDataFrame, MAX_DATA_PAYLOAD, type Direction, type WireErrorCode } from './wire.ts';

export const MAX_COUNTER = 0xffffffffffffffffn;

export type SealErrorCode = 'counter-exhausted' | 'payload-too-long';
export type OpenErrorCode = WireErrorCode | 'wrong-direction' | 'wrong-session' | 'duplicate' | 'too-old' | 'auth-failed';

export interface OpenedFrame {
  readonly counter: bigint;
  readonly plaintext: Uint8Array;
}

/** nonce = direction byte (0x00 LPU to server, 0x01 server to LPU) | 0 0 0 | counter u64 BE. */
export function frameNonce(direction: Direction, counter: bigint): Uint8Array {
  return concat(Uint8Array.of(direction === 'lpu-to-server' ? 0 : 1, 0, 0, 0), u64be(counter));
}

export class DataChannel {
  readonly sessionId: Uint8Array;
  private readonly sendDirection: Direction;
  private readonly receiveDirection: Direction;
  private readonly sendKey: Uint8Array;
  private readonly receiveKey: Uint8Array;
  // OCB instances (key schedule and offset tables) are built on first use: a handshake that is
  // never followed by data costs no AES setup.
  private sealer: Ocb | null = null;
  private opener: Ocb | null = null;
  private nextCounter: bigint;
  private exhausted = false;
  private readonly window = new ReplayWindow();

  /**
   * role: which end this is. A session starts at counter 0 because its keys are fresh; the one
   * exception is the server's channel of a session whose first frame it seals unasked (the MA2
   * refill), which starts at the record version (protocol README section 9). firstCounter is also
   * used by tests of counter exhaustion.
   */
  constructor(role: 'lpu' | 'server', keys: SessionKeys, firstCounter = 0n) {
    this.sessionId = new Uint8Array(keys.sessionId);
    this.sendDirection = role === 'lpu' ? 'lpu-to-server' : 'server-to-lpu';
    this.receiveDirection = role === 'lpu' ? 'server-to-lpu' : 'lpu-to-server';
    this.sendKey = new Uint8Array(role === 'lpu' ? keys.lpuToServer : keys.serverToLpu);
    this.receiveKey = new Uint8Array(role === 'lpu' ? keys.serverToLpu : keys.lpuToServer);
    this.nextCounter = firstCounter;
  }

  /** Counter the next sealed frame will carry, or null once all 2^64 counters are used. */
  get sendCounter(): bigint | null {
    return this.exhausted ? null : this.nextCounter;
  }

  get highestReceived(): bigint | null {
    return this.window.highestSeen;
  }

  seal(plaintext: Uint8Array): Result<Uint8Array, SealErrorCode> {
    if (this.exhausted) return err('counter-exhausted', 'all 2^64 frame counters of this session are used; authenticate again');
    if (plaintext.length > MAX_DATA_PAYLOAD) return err('payload-too-long', `payload of ${plaintext.length} bytes exceeds ${MAX_DATA_PAYLOAD}`);
    const counter = this.nextCounter;
    // Advance before sealing: a counter is spent even if the caller drops the frame.
    if (counter === MAX_COUNTER) this.exhausted = true;
    else this.nextCounter = counter + 1n;
    const ad = dataFramePrefix(this.sendDirection, this.sessionId, counter, plaintext.length);
    return ok(concat(ad, (this.sealer ??= createOcb(this.sendKey, 16)).seal(frameNonce(this.sendDirection, counter), plaintext, ad)));
  }

  open(frame: Uint8Array): Result<OpenedFrame, OpenErrorCode> {
    const d = decodeDataFrame(frame);
    if (!d.ok) return d;
    const f = d.value;
    if (f.direction !== this.receiveDirection) return err('wrong-direction', `frame goes ${f.direction}, this end receives ${this.receiveDirection}`);
    if (!constantTimeEqual(f.sessionId, this.sessionId)) return err('wrong-session', 'frame belongs to another session');
    const verdict = this.window.check(f.counter);
    if (verdict === 'duplicate') return err('duplicate', `frame counter ${f.counter} was already received`);
    if (verdict === 'too-old') return err('too-old', `frame counter ${f.counter} is below the replay window`);
    const o = (this.opener ??= createOcb(this.receiveKey, 16)).open(frameNonce(f.direction, f.counter), f.sealed, f.associatedData);
    if (!o.ok) return err('auth-failed', 'frame failed authentication');
    // Only an authentic frame moves the window.
    this.window.accept(f.counter);
    return ok({ counter: f.counter, plaintext: o.plaintext });
  }
}
