// Local escalation when the server cannot take over: a critical condition has lasted 60 s and no
// upload has reached the server since it began. The LPU then texts and calls the contacts stored
// on the SIM phonebook, family first, then the clinic, then the emergency unit: for each, one SMS
// (condition, serving cell) and calls repeated until answered (bounded). Every action is queued
// as an 'escalation' event, so the server learns what was already done when it is back. The chain
// stops as soon as an upload succeeds again or the condition clears.
//
// Phonebook naming: an entry belongs to a tier when its name, upper-cased, starts with FAMILY,
// CLINIC or EMERGENCY (e.g. "FAMILY", "FAMILY 2", "CLINIC DR LEE", "EMERGENCY"). Several entries
// of one tier are tried in phonebook index order.
import type { Scheduler, TimerHandle } from '../../hal/clock.ts';
import type { AlarmConditionCode, Contact, EscalationChannel, EscalationOutcome } from '../../protocol/readings.ts';
import type { QueuedReading } from './queue.ts';
import type { ServingCell } from './transport.ts';

export interface PhoneEntry {
  name: string;
  number: string;
}

export type CallOutcomeKind = 'answered' | 'busy' | 'no-answer' | 'failed';

/** What the fallback needs from the modem (Sim800Uplink implements it). */
export interface FallbackModem {
  sendSms(number: string, text: string): Promise<void>;
  call(number: string, answerTimeoutMs: number): Promise<CallOutcomeKind>;
  phonebook(): Promise<PhoneEntry[]>;
}

export const PHONEBOOK_TIERS: ReadonlyArray<{ contact: Contact; prefix: string }> = [
  { contact: 'family', prefix: 'FAMILY' },
  { contact: 'clinic', prefix: 'CLINIC' },
  { contact: 'emergency', prefix: 'EMERGENCY' },
];

export interface CriticalCondition {
  condition: AlarmConditionCode;
  /** Value with units, e.g. "no QRS for > 4 s" or "BP 172/104 mmHg". */
  detail: string;
}

export interface FallbackOptions {
  /** How long a critical condition must go without the server being reached, ms (default 60 s). */
  unreachableMs?: number;
  /** Calls per contact until one is answered (default 3). */
  callAttempts?: number;
  answerTimeoutMs?: number;
  /** Pause between calls to one contact, ms (default 20 s). */
  retryGapMs?: number;
  /** How often the condition is checked, ms (default 1 s). */
  checkPeriodMs?: number;
}

export interface FallbackDeps {
  scheduler: Scheduler;
  modem: FallbackModem;
  /** Queues the record of an action (an 'escalation' event reading). */
  report: (readings: QueuedReading[]) => void;
  epochMs: (boardMs: number) => number;
  /** The last serving cell the modem reported (for the SMS). */
  cell: () => ServingCell | null;
}

export interface FallbackAction {
  atMs: number;
  contact: Contact;
  channel: EscalationChannel;
  number: string;
  outcome: EscalationOutcome;
}

export type FallbackState = 'idle' | 'escalating' | 'done' | 'stopped';

function ascii(s: string): string {
  return s.replace(/°/g, ' deg').replace(/[^\x20-\x7e]/g, '?').replace(/"/g, "'");
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

export class Fallback {
  private readonly o: Required<FallbackOptions>;
  private critical: CriticalCondition | null = null;
  private criticalSince = 0;
  private lastOkAt = Number.NEGATIVE_INFINITY;
  private timer: TimerHandle | null = null;
  private run: Promise<void> | null = null;
  state: FallbackState = 'idle';
  readonly actions: FallbackAction[] = [];
  /** Why the last chain stopped early, if it did. */
  stopReason: 'server-back' | 'condition-cleared' | null = null;

  constructor(private readonly deps: FallbackDeps, opts: FallbackOptions = {}) {
    this.o = {
      unreachableMs: opts.unreachableMs ?? 60_000,
      callAttempts: opts.callAttempts ?? 3,
      answerTimeoutMs: opts.answerTimeoutMs ?? 45_000,
      retryGapMs: opts.retryGapMs ?? 20_000,
      checkPeriodMs: opts.checkPeriodMs ?? 1000,
    };
  }

  start(): void {
    this.timer ??= this.deps.scheduler.every(this.o.checkPeriodMs, () => this.check());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** The most severe active critical condition, or null (from the device's alarms). */
  setCritical(c: CriticalCondition | null): void {
    if (c && !this.critical) {
      this.criticalSince = this.deps.scheduler.now();
      if (this.state !== 'escalating') this.state = 'idle';
    }
    this.critical = c;
  }

  /** Upload outcome (Uplink.onContact): a success means the server has the alarm and takes over. */
  serverContact(ok: boolean): void {
    if (ok) this.lastOkAt = this.deps.scheduler.now();
  }

  /** Resolves when a running chain has finished (tests). */
  async settled(): Promise<void> {
    await this.run;
  }

  private shouldStop(): 'server-back' | 'condition-cleared' | null {
    if (this.lastOkAt >= this.criticalSince) return 'server-back';
    if (!this.critical) return 'condition-cleared';
    return null;
  }

  private check(): void {
    if (this.state !== 'idle' || !this.critical) return;
    const now = this.deps.scheduler.now();
    if (now - this.criticalSince < this.o.unreachableMs || this.lastOkAt >= this.criticalSince) return;
    this.state = 'escalating';
    this.stopReason = null;
    this.run = this.escalate().catch(() => {
      this.state = 'done';
    });
  }

  private record(contact: Contact, channel: EscalationChannel, number: string, outcome: EscalationOutcome): void {
    const atMs = this.deps.scheduler.now();
    this.actions.push({ atMs, contact, channel, number, outcome });
    this.deps.report([{ kind: 'escalation', contact, channel, outcome, measuredAt: this.deps.epochMs(atMs) }]);
  }

  private message(c: CriticalCondition): string {
    const cell = this.deps.cell();
    const where = cell ? ` Cell ${cell.lai.mcc}-${String(cell.lai.mnc).padStart(cell.lai.mncDigits, '0')} LAC ${hex4(cell.lai.lac)}${cell.cellId !== null ? ` CI ${hex4(cell.cellId)}` : ''}.` : ' Location unknown.';
    const text = `BSN-Care ALERT: ${c.condition} (${c.detail}) since ${new Date(this.deps.epochMs(this.criticalSince)).toISOString().slice(0, 16)}Z. Server unreachable.${where}`;
    return ascii(text).slice(0, 160);
  }

  private async escalate(): Promise<void> {
    let book: PhoneEntry[] = [];
    try {
      book = await this.deps.modem.phonebook();
    } catch {
      book = [];
    }
    for (const tier of PHONEBOOK_TIERS) {
      const entries = book.filter((e) => e.name.trim().toUpperCase().startsWith(tier.prefix));
      for (const e of entries) {
        const why = this.shouldStop();
        if (why) return this.halt(why);
        const c = this.critical!;
        try {
          await this.deps.modem.sendSms(e.number, this.message(c));
          this.record(tier.contact, 'sms', e.number, 'sent');
        } catch {
          this.record(tier.contact, 'sms', e.number, 'failed');
        }
        for (let attempt = 1; attempt <= this.o.callAttempts; attempt++) {
          const w = this.shouldStop();
          if (w) return this.halt(w);
          let outcome: CallOutcomeKind;
          try {
            outcome = await this.deps.modem.call(e.number, this.o.answerTimeoutMs);
          } catch {
            outcome = 'failed';
          }
          this.record(tier.contact, 'call', e.number, outcome);
          if (outcome === 'answered') break;
          if (attempt < this.o.callAttempts) await this.deps.scheduler.sleep(this.o.retryGapMs);
        }
      }
    }
    this.state = 'done';
  }

  private halt(why: 'server-back' | 'condition-cleared'): void {
    this.stopReason = why;
    this.state = 'stopped';
  }
}
