// Notification channels behind one interface. Voice and SMS go through a Telephony adapter (in
// production the SIM800 modem driver, wired in by cli/; server/ never imports firmware/), email
// through SMTP with nodemailer.
import nodemailer, { type Transporter } from 'nodemailer';
import { appendFileSync } from 'node:fs';
import type { CallOutcome } from './escalation.ts';

export type SendOutcome = 'sent' | 'failed';

export interface Telephony {
  /** Places a voice call that plays `message`; resolves when it was answered or gave up. */
  call(to: string, message: string): Promise<CallOutcome>;
  sms(to: string, text: string): Promise<SendOutcome>;
}

export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<SendOutcome>;
}

export interface Notifier extends Telephony {
  email(mail: Mail): Promise<SendOutcome>;
}

export function composeNotifier(telephony: Telephony, mailer: Mailer | null): Notifier {
  return {
    call: (to, message) => telephony.call(to, message),
    sms: (to, text) => telephony.sms(to, text),
    email: (mail) => (mailer ? mailer.send(mail) : Promise.resolve('failed')),
  };
}

/** Email over SMTP (smtp://user:pass@host:port or smtps://...). */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  constructor(url: string, private readonly from = 'BSN-Care <bsn-care@localhost>') {
    this.transport = nodemailer.createTransport(url);
  }
  async send(mail: Mail): Promise<SendOutcome> {
    try {
      await this.transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text });
      return 'sent';
    } catch {
      return 'failed';
    }
  }
  close(): void {
    this.transport.close();
  }
}

/** Telephony when no modem is wired: every call and SMS fails, so escalations keep retrying. */
export const noTelephony: Telephony = {
  call: async () => 'failed',
  sms: async () => 'failed',
};

export interface DialRecord {
  readonly channel: 'call' | 'sms';
  readonly to: string;
  readonly text: string;
  readonly outcome: CallOutcome | SendOutcome;
}

/**
 * A telephony double for tests and simulations (a phone picking up cannot happen here): records
 * every call and SMS and answers calls per a script, number -> outcomes in order (the last one
 * repeats; 'no-answer' when the number is not in the script). With a log file every dial is
 * appended synchronously before it returns, as a phone network's own record would be.
 */
export class ScriptedTelephony implements Telephony {
  readonly log: DialRecord[] = [];
  private readonly used = new Map<string, number>();
  constructor(
    private readonly script: Readonly<Record<string, readonly CallOutcome[]>> = {},
    private readonly logFile: string | null = null,
    private readonly callDelayMs: (() => Promise<void>) | null = null,
  ) {}

  /** Counts a call made before (e.g. by a previous process) towards the script. */
  countPrevious(to: string): void {
    this.used.set(to, (this.used.get(to) ?? 0) + 1);
  }

  private record(r: DialRecord): void {
    this.log.push(r);
    if (this.logFile) appendFileSync(this.logFile, JSON.stringify(r) + '\n');
  }

  async call(to: string, message: string): Promise<CallOutcome> {
    const outcomes = this.script[to] ?? [];
    const n = this.used.get(to) ?? 0;
    this.used.set(to, n + 1);
    const outcome = outcomes.length === 0 ? 'no-answer' : outcomes[Math.min(n, outcomes.length - 1)]!;
    this.record({ channel: 'call', to, text: message, outcome });
    if (this.callDelayMs) await this.callDelayMs();
    return outcome;
  }

  async sms(to: string, text: string): Promise<SendOutcome> {
    this.record({ channel: 'sms', to, text, outcome: 'sent' });
    return 'sent';
  }
}
