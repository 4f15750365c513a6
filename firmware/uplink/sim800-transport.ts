// Adapters from the SIM800 driver to the uplink: HTTP POST over the GPRS bearer (opened on
// demand), the serving cell's LAI for MA1, and SMS, calls and the phonebook for the fallback. All
// share one Mutex so an HTTP exchange (several AT commands) is never interleaved with an SMS.
import type { Sim800 } from '../modem/sim800.ts';
import type { LocationAreaId } from '../../protocol/lai.ts';
import { Mutex, type CellSource, type RegistrationWatch, type PostOptions, type ServingCell, type UplinkResponse, type UplinkTransport } from './transport.ts';
import type { FallbackModem, PhoneEntry, CallOutcomeKind } from './fallback.ts';

export interface Sim800UplinkOptions {
  /** Server base URL without a trailing slash, e.g. "http://bsn.example:8080". */
  baseUrl: string;
  apn: string;
  /** Time for the +HTTPACTION report, ms. */
  actionTimeoutMs?: number;
}

/** The driver's LAI (MCC/MNC as digit strings) in the protocol's form; null if not a valid one. */
export function toLai(lai: { mcc: string; mnc: string; lac: number }): LocationAreaId | null {
  if (!/^\d{3}$/.test(lai.mcc) || !/^\d{2,3}$/.test(lai.mnc)) return null;
  return { mcc: Number(lai.mcc), mnc: Number(lai.mnc), mncDigits: lai.mnc.length as 2 | 3, lac: lai.lac };
}

export class Sim800Uplink implements UplinkTransport, CellSource, FallbackModem, RegistrationWatch {
  readonly lock = new Mutex();

  constructor(private readonly modem: Sim800, private readonly opts: Sim800UplinkOptions) {}

  post(path: string, body: Uint8Array, opts: PostOptions = {}): Promise<UplinkResponse> {
    return this.lock.run(async () => {
      await this.modem.openBearer(this.opts.apn);
      const r = await this.modem.httpPost(this.opts.baseUrl + path, body, 'application/octet-stream', {
        ...(this.opts.actionTimeoutMs ? { actionTimeoutMs: this.opts.actionTimeoutMs } : {}),
        ...(opts.acceptReply ? { acceptReply: opts.acceptReply } : {}),
      });
      return { status: r.status, body: r.body };
    });
  }

  onRegained(listener: () => void): () => void {
    // The module reports only changes; 'searching' or 'denied' after a lost cell, then home or
    // roaming when it is back. Unknown before the first report: a first "registered" counts too.
    let registered: boolean | null = null;
    return this.modem.onRegistration((reg) => {
      const now = reg.state === 'home' || reg.state === 'roaming';
      const was = registered;
      registered = now;
      if (now && was !== true) listener();
    });
  }

  servingCell(): Promise<ServingCell | null> {
    return this.lock.run(async () => {
      const loc = await this.modem.location();
      if (!loc) return null;
      const lai = toLai(loc.lai);
      return lai ? { lai, cellId: loc.cellId } : null;
    });
  }

  sendSms(number: string, text: string): Promise<void> {
    return this.lock.run(async () => {
      await this.modem.sendSms(number, text);
    });
  }

  call(number: string, answerTimeoutMs: number): Promise<CallOutcomeKind> {
    return this.lock.run(async () => {
      const r = await this.modem.call(number, { answerTimeoutMs });
      // The fallback only needs to know the callee picked up (the alert is the ringing and the
      // SMS; there is no voice channel here), so an answered call is hung up at once.
      if (r.outcome === 'answered') await this.modem.hangUp().catch(() => undefined);
      return r.outcome === 'answered' ? 'answered' : r.outcome === 'busy' ? 'busy' : r.outcome === 'no-answer' ? 'no-answer' : 'failed';
    });
  }

  phonebook(): Promise<PhoneEntry[]> {
    return this.lock.run(async () => (await this.modem.phonebookRead()).map((e) => ({ name: e.name, number: e.number })));
  }
}
