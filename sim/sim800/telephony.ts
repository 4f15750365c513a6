// A test double for the phone network: how each called number behaves (answers after a delay,
// with some probability, is busy, or never answers), a record of every call, and an outbox of
// delivered SMS that other components (escalation tests) read.
import type { Rng } from '../rng.ts';

export interface CalleeBehaviour {
  /** Probability the callee answers (0 = never, 1 = always). */
  answerProbability: number;
  /** Ringing time before answering, ms: fixed or a uniform [min, max] range. */
  answerDelayMs: number | [number, number];
  /** The line is busy: BUSY shortly after dialling. */
  busy?: boolean;
  /** After answering, the callee hangs up after this long, ms (default: never; ATH ends the call). */
  talkMs?: number;
}

export type CallOutcome = 'answered' | 'busy' | 'no-answer' | 'hung-up-by-caller' | 'no-network';

export interface CallRecord {
  number: string;
  dialledAt: number;
  answeredAt?: number;
  endedAt?: number;
  outcome?: CallOutcome;
}

/** Which part of a concatenated SMS a submission is (TS 23.040 §9.2.3.24.1). */
export interface ConcatInfo {
  ref: number;
  total: number;
  seq: number;
}

export interface SmsRecord {
  number: string;
  text: string;
  at: number;
  messageRef: number;
}

/** What the network will do with one call, decided when it is dialled. */
export type CallPlan =
  | { kind: 'answer'; afterMs: number; talkMs?: number }
  | { kind: 'busy'; afterMs: number }
  | { kind: 'no-answer'; afterMs: number };

export interface TelephonyOptions {
  defaultBehaviour?: CalleeBehaviour;
  behaviours?: Record<string, CalleeBehaviour>;
  /** The network gives up on an unanswered call after this long, ms. */
  noAnswerTimeoutMs?: number;
  /** Time from submit to the SMSC acknowledging, ms range. */
  smsDelayMs?: [number, number];
}

export class TelephonyModel {
  readonly calls: CallRecord[] = [];
  readonly outbox: SmsRecord[] = [];
  private readonly behaviours = new Map<string, CalleeBehaviour>();
  private readonly defaultBehaviour: CalleeBehaviour;
  readonly noAnswerTimeoutMs: number;
  readonly smsDelayMs: [number, number];
  private nextRef = 1;
  /** Parts of concatenated SMS waiting for the rest, by recipient, reference and count. */
  private readonly partial = new Map<string, Map<number, string>>();
  private readonly smsListeners = new Set<(sms: SmsRecord) => void>();
  private readonly incomingListeners = new Set<(from: string, text: string) => void>();

  constructor(private readonly rng: Rng, opts: TelephonyOptions = {}) {
    this.defaultBehaviour = opts.defaultBehaviour ?? { answerProbability: 1, answerDelayMs: [3000, 8000] };
    for (const [n, b] of Object.entries(opts.behaviours ?? {})) this.behaviours.set(n, b);
    this.noAnswerTimeoutMs = opts.noAnswerTimeoutMs ?? 60_000;
    this.smsDelayMs = opts.smsDelayMs ?? [1500, 4000];
  }

  setBehaviour(number: string, b: CalleeBehaviour): void {
    this.behaviours.set(number, b);
  }

  plan(number: string): CallPlan {
    const b = this.behaviours.get(number) ?? this.defaultBehaviour;
    if (b.busy) return { kind: 'busy', afterMs: this.rng.uniform(1500, 4000) };
    if (!this.rng.chance(b.answerProbability)) return { kind: 'no-answer', afterMs: this.noAnswerTimeoutMs };
    const d = b.answerDelayMs;
    const afterMs = typeof d === 'number' ? d : this.rng.uniform(d[0], d[1]);
    if (afterMs >= this.noAnswerTimeoutMs) return { kind: 'no-answer', afterMs: this.noAnswerTimeoutMs };
    return b.talkMs === undefined ? { kind: 'answer', afterMs } : { kind: 'answer', afterMs, talkMs: b.talkMs };
  }

  smsDelay(): number {
    return this.rng.uniform(this.smsDelayMs[0], this.smsDelayMs[1]);
  }

  /**
   * The network takes one submitted SMS (each part of a concatenated one gets its own message
   * reference) and the recipient's phone shows the whole text once every part has arrived: only
   * whole messages reach the outbox and the listeners. A part sent twice (a retried submit) shows
   * once, as a phone shows it.
   */
  deliverSms(number: string, text: string, at: number, concat?: ConcatInfo): SmsRecord {
    const messageRef = this.nextRef;
    this.nextRef = (this.nextRef + 1) % 256;
    if (concat && concat.total > 1) {
      const key = `${number}|${concat.ref}|${concat.total}`;
      const parts = this.partial.get(key) ?? new Map<number, string>();
      parts.set(concat.seq, text);
      this.partial.set(key, parts);
      if (parts.size < concat.total) return { number, text, at, messageRef };
      this.partial.delete(key);
      text = [...parts.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t).join('');
    }
    const rec: SmsRecord = { number, text, at, messageRef };
    this.outbox.push(rec);
    for (const l of [...this.smsListeners]) l(rec);
    return rec;
  }

  /** Someone (a family member, the clinic) texts the device. */
  textDevice(from: string, text: string): void {
    for (const l of [...this.incomingListeners]) l(from, text);
  }

  /** The modem model listens here for SMS addressed to it. */
  onIncomingSms(listener: (from: string, text: string) => void): () => void {
    this.incomingListeners.add(listener);
    return () => void this.incomingListeners.delete(listener);
  }

  onSms(listener: (sms: SmsRecord) => void): () => void {
    this.smsListeners.add(listener);
    return () => void this.smsListeners.delete(listener);
  }
}
