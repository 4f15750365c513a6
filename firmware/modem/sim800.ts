// SIM800 driver: power-up and autobaud, SIM and registration state with the location area
// identity (LAI) and cell id, signal quality, the GPRS bearer, HTTP POST with a binary body, SMS in
// text mode, voice calls and the SIM phonebook. Everything goes through the AtEngine; the driver
// only builds arguments and parses answers, and every parse failure is a typed error.
import type { Scheduler } from '../../hal/clock.ts';
import type { DigitalOut } from '../../hal/digital.ts';
import { FRAMING_8N1, type SerialPort } from '../../hal/serial.ts';
import { AtEngine, type AtEngineOptions, type AtResponse } from './at-engine.ts';
import { AT } from './commands.ts';
import type { Urc } from './digester.ts';
import { encodeSubmit, MAX_PARTS, PART_SEPTETS, splitForSms, type SubmitPdu } from './sms-pdu.ts';
import { ModemError, ModemLineError, ModemProtocolError, ModemTimeout } from './errors.ts';

export type SimState = 'READY' | 'SIM PIN' | 'SIM PUK' | 'PH_SIM PIN' | 'PH_SIM PUK' | 'SIM PIN2' | 'SIM PUK2' | 'NOT INSERTED' | 'NOT READY';

/** +CREG <stat> (3GPP TS 27.007 §7.2). */
export type RegistrationState = 'not-registered' | 'home' | 'searching' | 'denied' | 'unknown' | 'roaming';
const REG_STATES: readonly RegistrationState[] = ['not-registered', 'home', 'searching', 'denied', 'unknown', 'roaming'];

export interface Registration {
  state: RegistrationState;
  /** Location area code (16 bits), when registered and +CREG=2 is on. */
  lac?: number;
  cellId?: number;
}

/** Location area identity (3GPP TS 23.003 §4.1): what the protocol's secure localisation uses. */
export interface Lai {
  mcc: string;
  mnc: string;
  lac: number;
}

export interface CellLocation {
  lai: Lai;
  cellId: number;
}

export interface SignalQuality {
  /** +CSQ <rssi> 0..31, 99 = unknown. */
  rssi: number;
  /** Received signal strength, dBm; null when unknown. */
  rssiDbm: number | null;
  /** 0..4 bars: <10 marginal, 10-14 ok, 15-19 good, 20+ excellent. */
  bars: number;
  /** +CSQ <ber> 0..7 (RXQUAL), 99 = unknown. */
  berClass: number;
}

export type BearerState = 'connecting' | 'connected' | 'closing' | 'closed';

export interface Bearer {
  state: BearerState;
  ip: string | null;
}

export interface HttpResult {
  /**
   * The server's HTTP status; 0 when the request completed but its +HTTPACTION report was
   * garbled on the line (the body is still the server's answer, read from the modem).
   */
  status: number;
  body: Uint8Array;
}

export interface HttpPostOptions {
  /** Time for the +HTTPACTION report, ms (default 120 s). */
  actionTimeoutMs?: number;
  /**
   * The application's integrity check of the reply (e.g. its AES-OCB tag): a reply that fails
   * it is read from the modem again (up to `readAttempts` reads), as the UART may have damaged it.
   */
  acceptReply?: (body: Uint8Array) => boolean;
  readAttempts?: number;
}

export type CallOutcome = 'answered' | 'busy' | 'no-answer' | 'no-carrier' | 'no-dialtone' | 'failed';

export interface CallResult {
  outcome: CallOutcome;
  /** From dialling to the outcome, ms. */
  elapsedMs: number;
}

/** +CLCC <stat>. */
export type CallState = 'active' | 'held' | 'dialing' | 'alerting' | 'incoming' | 'waiting' | 'disconnect';
const CALL_STATES: readonly CallState[] = ['active', 'held', 'dialing', 'alerting', 'incoming', 'waiting', 'disconnect'];

export interface CallInfo {
  index: number;
  outgoing: boolean;
  state: CallState;
  number: string;
}

export interface IncomingSms {
  from: string;
  text: string;
  timestamp: string;
}

export interface PhonebookEntry {
  index: number;
  number: string;
  /** 145 = international (+ prefix), 129 = national/unknown. */
  type: number;
  name: string;
}

export interface ModemStatus {
  sim: SimState;
  registration: Registration;
  location: CellLocation | null;
  signal: SignalQuality;
  gprsAttached: boolean;
  bearer: Bearer;
}

export interface Sim800Options extends AtEngineOptions {
  baud?: number;
  /** PWRKEY through a transistor: driving it high for ~1.2 s toggles the module's power. */
  powerKey?: DigitalOut;
  /** Attempts of "AT" while the module boots and locks onto the baud rate. */
  syncAttempts?: number;
  /** HTTPREAD chunk size, bytes (bounded by the digester's raw limit). */
  readChunkBytes?: number;
  /**
   * SMS submission: 'text' (AT+CMGF=1, the default) or 'pdu' (AT+CMGF=0), which a noisy line
   * cannot cut short or garble into a sent message (the modem checks the PDU). Incoming SMS
   * (+CMT) are read in text mode only.
   */
  smsMode?: 'text' | 'pdu';
}

/** SIM800 phonebook: 250 entries on a typical SIM; names up to 14 characters here. */
export const PHONEBOOK_SIZE = 250;
const CTRL_Z = 0x1a;

/** +CSQ rssi to dBm (3GPP TS 27.007 §8.5): 0 -> <= -115, 1 -> -111, 2..30 -> -110..-54, 31 -> >= -52. */
export function rssiToDbm(rssi: number): number | null {
  if (rssi === 0) return -115;
  if (rssi === 1) return -111;
  if (rssi >= 2 && rssi <= 30) return -114 + 2 * rssi;
  if (rssi === 31) return -52;
  return null;
}

export function rssiToBars(rssi: number): number {
  if (rssi === 99 || rssi < 2) return 0;
  if (rssi < 10) return 1;
  if (rssi < 15) return 2;
  if (rssi < 20) return 3;
  return 4;
}

/** Splits an AT parameter list, honouring quotes; quotes are removed. */
export function splitParams(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function paramsOf(res: AtResponse, prefix: string, cmd: string): string[] {
  const line = res.lines.find((l) => l.startsWith(prefix));
  if (line === undefined) throw new ModemProtocolError(cmd, res.lines.join(' | ') || '(no response line)');
  return splitParams(line.slice(prefix.length));
}

/** Parses +CREG: [n,]stat[,"lac","ci"] (URC form has no n). */
export function parseCreg(line: string, hasMode: boolean): Registration | undefined {
  const m = /^\+C(?:G)?REG: (.*)$/.exec(line);
  if (!m) return undefined;
  const p = splitParams(m[1]!);
  const fields = hasMode ? p.slice(1) : p;
  const stat = Number(fields[0]);
  if (!Number.isInteger(stat) || stat < 0 || stat >= REG_STATES.length) return undefined;
  const reg: Registration = { state: REG_STATES[stat]! };
  if (fields.length >= 3) {
    const lac = parseInt(fields[1]!, 16);
    const ci = parseInt(fields[2]!, 16);
    if (/^[0-9A-Fa-f]{1,4}$/.test(fields[1]!) && /^[0-9A-Fa-f]{1,8}$/.test(fields[2]!)) {
      reg.lac = lac;
      reg.cellId = ci;
    }
  }
  return reg;
}

function quote(s: string): string {
  return `"${s}"`;
}

/** Text allowed in SMS text mode and phonebook names here: printable ASCII without quotes. */
/** AT+CMGS arguments in PDU mode: the TPDU length, then the PDU in hex as the payload. */
const pduArgs = (pdu: SubmitPdu): [string, string] => [String(pdu.tpduLength), pdu.hex];

function checkText(what: string, s: string, max: number): void {
  if (s.length > max) throw new RangeError(`${what} is ${s.length} characters, at most ${max}`);
  if (!/^[\x20-\x7e]*$/.test(s)) throw new RangeError(`${what} must be printable ASCII`);
}

function checkNumber(n: string): void {
  if (!/^\+?[0-9*#]{1,20}$/.test(n)) throw new RangeError(`not a dialable number: ${JSON.stringify(n)}`);
}

export class Sim800 {
  readonly at: AtEngine;
  private readonly baud: number;
  private readonly syncAttempts: number;
  private readonly readChunk: number;

  constructor(readonly port: SerialPort, readonly scheduler: Scheduler, private readonly opts: Sim800Options = {}) {
    this.at = new AtEngine(port, scheduler, opts);
    this.baud = opts.baud ?? 9600;
    this.syncAttempts = opts.syncAttempts ?? 20;
    this.readChunk = Math.min(opts.readChunkBytes ?? 512, opts.maxRawBytes ?? 2048);
  }

  /** Subscribes to a URC by name (see digester URC_RULES). */
  onUrc(name: string, handler: (u: Urc) => void): () => void {
    return this.at.onUrc(name, handler);
  }

  /**
   * Registration changes as the module reports them unasked (+CREG URC, enabled by init with
   * AT+CREG=2): lost coverage, and coverage back after an outage. A garbled line is skipped.
   */
  onRegistration(handler: (reg: Registration) => void): () => void {
    return this.at.onUrc('+CREG', (u) => {
      const reg = parseCreg(u.line, false);
      if (reg) handler(reg);
    });
  }

  /** Toggles PWRKEY (if wired): >1 s high through the transistor = key held low at the module. */
  async pressPowerKey(): Promise<void> {
    const key = this.opts.powerKey;
    if (!key) return;
    key.write(true);
    await this.scheduler.sleep(1200);
    key.write(false);
  }

  /**
   * Brings the modem to a known state: opens the port, sends "AT" until the module answers
   * (it may be booting, or locking onto our baud rate), then echo off, verbose errors,
   * registration URCs with location, numeric operator format and SMS text mode.
   */
  async init(): Promise<void> {
    if (!this.port.isOpen) await this.port.open(this.baud, FRAMING_8N1);
    let synced = false;
    for (let i = 0; i < this.syncAttempts && !synced; i++) {
      try {
        await this.at.run(AT.at);
        synced = true;
      } catch (err) {
        if (!(err instanceof ModemTimeout) && !(err instanceof ModemError)) throw err;
        await this.scheduler.sleep(500);
      }
    }
    if (!synced) throw new ModemTimeout('AT (sync)', this.syncAttempts * (AT.at.timeoutMs + 500));
    await this.at.run(AT.echoOff);
    await this.at.run(AT.verboseErrors);
    await this.at.run(AT.cregMode, '2');
    await this.at.run(AT.copsFormat);
    this.smsReady = false;
    await this.configureSms().catch((err: unknown) => {
      // No SIM yet, or PIN-locked: SMS set-up is retried before the first SMS.
      if (!(err instanceof ModemError)) throw err;
    });
  }

  private smsReady = false;
  /** Reference of the next concatenated SMS (8-bit, per TS 23.040). */
  private concatRef = 0;

  /** Text mode and +CMT routing; needs a usable SIM on some firmware. */
  private async configureSms(): Promise<void> {
    await this.at.run(this.opts.smsMode === 'pdu' ? AT.smsPduMode : AT.smsTextMode);
    await this.at.run(AT.smsRouting);
    this.smsReady = true;
  }

  /**
   * Incoming SMS (text mode, routed as +CMT by init): sender, text and the service centre's time
   * stamp as sent ("yy/MM/dd,hh:mm:ss+zz").
   */
  onSms(handler: (sms: IncomingSms) => void): () => void {
    return this.at.onUrc('+CMT', (u) => {
      const p = splitParams(u.line.slice('+CMT:'.length));
      if (!p[0] || u.data === undefined) return;
      handler({ from: p[0], text: u.data, timestamp: p.length >= 4 ? `${p[2]},${p[3]}` : (p[2] ?? '') });
    });
  }

  /** Power cycle through PWRKEY (off, then on) and re-initialise. */
  async powerCycle(): Promise<void> {
    await this.pressPowerKey();
    await this.scheduler.sleep(2000);
    await this.pressPowerKey();
    await this.init();
  }

  async simState(): Promise<SimState> {
    const res = await this.at.run(AT.cpinQuery);
    return paramsOf(res, '+CPIN:', 'CPIN?')[0] as SimState;
  }

  async enterPin(pin: string): Promise<void> {
    if (!/^\d{4,8}$/.test(pin)) throw new RangeError('PIN must be 4-8 digits');
    await this.at.run(AT.cpinEnter, quote(pin));
  }

  async registration(): Promise<Registration> {
    const res = await this.at.run(AT.cregQuery);
    const line = res.lines.find((l) => l.startsWith('+CREG:')) ?? '';
    const reg = parseCreg(line, true);
    if (!reg) throw new ModemProtocolError('CREG?', line);
    return reg;
  }

  /** MCC and MNC of the registered network (AT+COPS? in numeric format). */
  async operator(): Promise<{ mcc: string; mnc: string } | null> {
    const p = paramsOf(await this.at.run(AT.copsQuery), '+COPS:', 'COPS?');
    if (p.length < 3) return null; // not registered: "+COPS: 0"
    const plmn = p[2]!;
    if (p[1] !== '2' || !/^\d{5,6}$/.test(plmn)) throw new ModemProtocolError('COPS?', p.join(','));
    return { mcc: plmn.slice(0, 3), mnc: plmn.slice(3) };
  }

  /** The serving cell's LAI and cell id, or null when not registered. */
  async location(): Promise<CellLocation | null> {
    const reg = await this.registration();
    if ((reg.state !== 'home' && reg.state !== 'roaming') || reg.lac === undefined || reg.cellId === undefined) return null;
    const op = await this.operator();
    if (!op) return null;
    return { lai: { mcc: op.mcc, mnc: op.mnc, lac: reg.lac }, cellId: reg.cellId };
  }

  async signal(): Promise<SignalQuality> {
    const p = paramsOf(await this.at.run(AT.csq), '+CSQ:', 'CSQ');
    const rssi = Number(p[0]);
    const ber = Number(p[1]);
    if (!Number.isInteger(rssi) || !Number.isInteger(ber)) throw new ModemProtocolError('CSQ', p.join(','));
    return { rssi, rssiDbm: rssiToDbm(rssi), bars: rssiToBars(rssi), berClass: ber };
  }

  async gprsAttached(): Promise<boolean> {
    return paramsOf(await this.at.run(AT.cgattQuery), '+CGATT:', 'CGATT?')[0] === '1';
  }

  async bearer(): Promise<Bearer> {
    const p = paramsOf(await this.at.run(AT.sapbrQuery), '+SAPBR:', 'SAPBR=2');
    const states: BearerState[] = ['connecting', 'connected', 'closing', 'closed'];
    const state = states[Number(p[1])];
    if (!state) throw new ModemProtocolError('SAPBR=2', p.join(','));
    return { state, ip: state === 'connected' ? (p[2] ?? null) : null };
  }

  /** Configures and opens GPRS bearer 1 (no-op when already connected). */
  async openBearer(apn: string): Promise<Bearer> {
    checkText('APN', apn, 64);
    const now = await this.bearer();
    if (now.state === 'connected') return now;
    await this.at.run(AT.sapbrSet, '"CONTYPE","GPRS"');
    await this.at.run(AT.sapbrSet, `"APN",${quote(apn)}`);
    await this.at.run(AT.sapbrOpen);
    return this.bearer();
  }

  async closeBearer(): Promise<void> {
    await this.at.run(AT.sapbrClose);
  }

  /**
   * HTTP POST of a binary body over the open bearer. Resolves with the server's status and body;
   * SIM800 network-level failures (status 600-699, e.g. 601 network error, 603 DNS error, 604
   * stack busy) reject as ModemError kind 'status' with that code.
   */
  async httpPost(url: string, body: Uint8Array, contentType = 'application/octet-stream', opts: HttpPostOptions = {}): Promise<HttpResult> {
    const actionTimeoutMs = opts.actionTimeoutMs ?? 120_000;
    checkText('URL', url, 500);
    checkText('content type', contentType, 100);
    try {
      await this.at.run(AT.httpInit);
    } catch (err) {
      // A previous session left open: terminate it and start again.
      if (!(err instanceof ModemError)) throw err;
      await this.at.run(AT.httpTerm).catch(() => undefined);
      await this.at.run(AT.httpInit);
    }
    try {
      await this.at.run(AT.httpPara, '"CID",1');
      await this.at.run(AT.httpPara, `"URL",${quote(url)}`);
      await this.at.run(AT.httpPara, `"CONTENT",${quote(contentType)}`);
      // The modem's wait for the body: twice its time on the line at our baud, at least 10 s
      // (HTTPDATA accepts 1 000 .. 120 000 ms).
      const dataMs = Math.min(120_000, Math.max(10_000, Math.ceil((2 * body.length * 10 * 1000) / this.baud)));
      await this.at.run(AT.httpData, `${body.length},${dataMs}`, { payload: body, timeoutMs: dataMs + 2000 });
      const outcome = await this.httpAction(actionTimeoutMs);
      if (outcome !== 'lost' && outcome.status >= 600 && outcome.status < 700) throw new ModemError('HTTPACTION', 'status', outcome.status, 'SIM800 network-level failure');
      const read = async () => {
        if (outcome === 'lost') return this.readAll();
        const out = new Uint8Array(outcome.len);
        let off = 0;
        while (off < outcome.len) {
          const chunk = await this.readChunkOnce(off, Math.min(this.readChunk, outcome.len - off));
          if (chunk.length === 0) break; // shorter than announced (a garbled length)
          out.set(chunk, off);
          off += chunk.length;
        }
        return out.subarray(0, off);
      };
      // The modem keeps the answer until HTTPTERM: one damaged on the UART is read again, never
      // fetched by sending the request twice.
      let reply = await read();
      for (let i = 1; opts.acceptReply && !opts.acceptReply(reply) && i < (opts.readAttempts ?? 3); i++) reply = await read();
      return { status: outcome === 'lost' ? 0 : outcome.status, body: reply };
    } finally {
      await this.at.run(AT.httpTerm).catch(() => undefined);
    }
  }

  /**
   * AT+HTTPACTION=1 and its +HTTPACTION URC. If the URC may have been garbled (noise on the line
   * while waiting) or does not come in time, AT+HTTPSTATUS? tells whether the request has
   * finished: then the URC was lost ('lost'), and the request must not be sent again.
   */
  private async httpAction(timeoutMs: number): Promise<{ status: number; len: number } | 'lost'> {
    let urc: Urc | undefined;
    let noisy = false;
    let expired = false;
    let wake = () => {};
    const offUrc = this.at.onUrc('+HTTPACTION', (u) => {
      if (!u.line.startsWith('+HTTPACTION: 1,') || urc) return;
      urc = u;
      wake();
    });
    // Something garbled arrived: give the line a moment to finish, then ask.
    const offNoise = this.at.onNoise(() => {
      if (!noisy) this.scheduler.after(500, () => wake());
      noisy = true;
    });
    let deadline: { cancel(): void } | undefined;
    /** False while we do not know whether the modem took AT+HTTPACTION (its OK was lost). */
    let started = true;
    try {
      try {
        await this.at.run(AT.httpAction, '1');
      } catch (err) {
        if (!(err instanceof ModemTimeout || err instanceof ModemLineError)) throw err;
        // No (intact) answer: the request may be under way. Never send it twice: ask.
        started = false;
        noisy = true;
        wake = () => {};
      }
      deadline = this.scheduler.after(timeoutMs, () => {
        expired = true;
        wake();
      });
      for (;;) {
        if (!urc && !noisy) await new Promise<void>((resolve) => (wake = resolve));
        if (urc) {
          const [, statusS, lenS] = splitParams(urc.line.slice('+HTTPACTION:'.length));
          const status = Number(statusS);
          const len = Number(lenS);
          // A report garbled on the line still says the request ran: read what came back.
          if (!Number.isInteger(status) || !Number.isInteger(len) || len < 0 || status < 100 || status > 999) return 'lost';
          return { status, len };
        }
        if (noisy || expired) {
          noisy = false;
          const st = await this.at.run(AT.httpStatus).catch(() => null);
          const p = st ? paramsOf(st, '+HTTPSTATUS:', 'HTTPSTATUS?') : null;
          if (urc) continue;
          if (p && p[1] !== '0') started = true; // busy with our request: keep waiting
          if (p && p[1] === '0') {
            if (started) return 'lost';
            // Idle, and we never knew it started: a response to read means it ran (and its
            // report was lost); none means the command never arrived, and sending again is safe.
            const probe = await this.at.run(AT.httpRead, `0,${this.readChunk}`).then(
              () => true,
              (err: unknown) => (err instanceof ModemError ? false : true),
            );
            if (probe) return 'lost';
            throw new ModemTimeout('HTTPACTION (not taken by the modem)', timeoutMs);
          }
          if (expired) throw new ModemTimeout('URC +HTTPACTION', timeoutMs);
        }
      }
    } finally {
      deadline?.cancel();
      offUrc();
      offNoise();
    }
  }

  /** Reads a response of unknown length: chunks until a short one (or the modem has no more). */
  private async readAll(): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      let chunk: Uint8Array;
      try {
        chunk = await this.readChunkOnce(total, this.readChunk);
      } catch (err) {
        if (err instanceof ModemProtocolError || err instanceof ModemError) break; // nothing (more) to read
        throw err;
      }
      if (chunk.length === 0) break;
      parts.push(chunk);
      total += chunk.length;
      if (chunk.length < this.readChunk || total > 1 << 20) break;
    }
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /**
   * Opens a TCP connection (single-connection mode) over GPRS: CIPSHUT, CIPMUX=0, CIPRXGET=1
   * (manual, length-delimited reception), CSTT, CIICR, CIFSR, CIPSTART and its CONNECT OK.
   * Resolves with the local IP address.
   */
  async tcpOpen(apn: string, host: string, port: number, connectTimeoutMs = 75_000): Promise<{ localIp: string }> {
    checkText('APN', apn, 64);
    checkText('host', host, 255);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`bad TCP port ${port}`);
    await this.at.run(AT.cipShut);
    await this.at.run(AT.cipMux);
    await this.at.run(AT.cipRxGetMode);
    await this.at.run(AT.cstt, quote(apn));
    await this.at.run(AT.ciicr);
    const ip = (await this.at.run(AT.cifsr)).final.line;
    const wait = this.at.waitUrc('CONNECT', connectTimeoutMs);
    try {
      await this.at.run(AT.cipStart, `"TCP",${quote(host)},${port}`);
    } catch (err) {
      wait.cancel();
      throw err;
    }
    const urc = await wait.promise;
    if (!/CONNECT OK|ALREADY CONNECT/.test(urc.line)) throw new ModemError('CIPSTART', 'error', undefined, urc.line);
    return { localIp: ip };
  }

  /** Sends bytes on the open TCP connection, in CIPSEND blocks of at most 1460 bytes. */
  async tcpSend(data: Uint8Array): Promise<void> {
    for (let off = 0; off < data.length; off += 1460) {
      const block = data.subarray(off, Math.min(data.length, off + 1460));
      await this.at.run(AT.cipSend, String(block.length), { payload: block });
    }
  }

  /** Reads up to `max` received bytes (empty when none are waiting). */
  async tcpRead(max = 512): Promise<Uint8Array> {
    const res = await this.at.run(AT.cipRxGet, String(Math.min(max, 1460)));
    return res.raw[0] ?? new Uint8Array(0);
  }

  /** Called when TCP data is waiting (+CIPRXGET: 1): read it with tcpRead. */
  onTcpData(handler: () => void): () => void {
    return this.at.onUrc('+CIPRXGET', (u) => {
      if (/^\+CIPRXGET: 1$/.test(u.line)) handler();
    });
  }

  /** Called when the connection or the PDP context is gone (CLOSED, +PDP: DEACT). */
  onTcpClosed(handler: (why: string) => void): () => void {
    const a = this.at.onUrc('CLOSED', (u) => handler(u.line));
    const b = this.at.onUrc('+PDP: DEACT', (u) => handler(u.line));
    return () => {
      a();
      b();
    };
  }

  async tcpClose(): Promise<void> {
    await this.at.run(AT.cipClose);
  }

  /** Deactivates the GPRS PDP context of the TCP stack. */
  async tcpShut(): Promise<void> {
    await this.at.run(AT.cipShut);
  }

  /**
   * One HTTPREAD chunk. The modem keeps the response until HTTPTERM, so a chunk whose header was
   * garbled on the line is simply read again (never the whole request sent again).
   */
  private async readChunkOnce(off: number, size: number): Promise<Uint8Array> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.at.run(AT.httpRead, `${off},${size}`);
        // A bare OK: nothing at that offset (the announced length was longer than the answer).
        if (res.raw.length === 0 && res.lines.length === 0) return new Uint8Array(0);
        const chunk = res.raw[0];
        if (!chunk || chunk.length === 0 || chunk.length > size) throw new ModemProtocolError('HTTPREAD', res.lines.join(' | '));
        return chunk;
      } catch (err) {
        // A plain ERROR too: a garbled line end merges our command with the next one.
        const again = err instanceof ModemProtocolError || err instanceof ModemLineError || err instanceof ModemTimeout || (err instanceof ModemError && err.kind === 'error');
        if (!again || attempt >= 4) throw err;
        await this.scheduler.sleep(100);
      }
    }
  }

  /**
   * Sends an SMS; resolves with the message reference (null when OK came back but the reference
   * was damaged on the line: the message was sent, so do not send it again). Text mode carries
   * one SMS of 160 characters. PDU mode sends longer text as a concatenated SMS of up to
   * MAX_PARTS parts (the recipient's phone joins them); the reference is the last part's.
   */
  async sendSms(number: string, text: string, opts: { attempts?: number } = {}): Promise<{ messageRef: number | null; parts: number }> {
    checkNumber(number);
    if (this.opts.smsMode !== 'pdu') {
      checkText('SMS text', text, 160);
      return { messageRef: await this.submitSms(quote(number), text, opts.attempts ?? 3), parts: 1 };
    }
    checkText('SMS text', text, PART_SEPTETS * MAX_PARTS);
    const chunks = splitForSms(text);
    if (chunks.length === 1) return { messageRef: await this.submitSms(...pduArgs(encodeSubmit(number, text)), opts.attempts ?? 3), parts: 1 };
    // One reference per concatenated message, so the phone does not mix two alerts' parts.
    const ref = this.concatRef;
    this.concatRef = (this.concatRef + 1) & 0xff;
    let messageRef: number | null = null;
    for (let seq = 1; seq <= chunks.length; seq++) {
      const pdu = encodeSubmit(number, chunks[seq - 1]!, { ref, total: chunks.length, seq });
      messageRef = await this.submitSms(...pduArgs(pdu), opts.attempts ?? 3);
    }
    return { messageRef, parts: chunks.length };
  }

  private async submitSms(arg: string, payloadText: string, attempts: number): Promise<number | null> {
    const payload = new Uint8Array(payloadText.length);
    for (let i = 0; i < payloadText.length; i++) payload[i] = payloadText.charCodeAt(i);
    // The text is checked against the modem's echo before Ctrl-Z commits it: a character garbled
    // on the line would otherwise go out in a medical alert. A mismatch aborts with ESC (nothing
    // sent), so that attempt is safe to repeat.
    if (!this.smsReady) await this.configureSms();
    for (let i = 1; ; i++) {
      await this.at.run(AT.echoOn);
      try {
        const res = await this.at.run(AT.cmgs, arg, { payload, verifiedTerminator: CTRL_Z });
        const line = [res.final.line, ...res.lines].find((l) => l.startsWith('+CMGS:'));
        const mr = line === undefined ? NaN : Number(splitParams(line.slice(6))[0]);
        if (Number.isInteger(mr)) return mr;
        // OK with a garbled reference line (or line errors) means the message went. A bare OK
        // is what ESC answers: a byte garbled into ESC on the way aborted the entry, so nothing
        // was sent and it is tried again.
        if (res.damaged || res.lines.length > 0) return null;
        throw new ModemLineError('CMGS', 'entry aborted');
      } catch (err) {
        // Our arguments are validated, so "invalid parameter" means the command was garbled on
        // its way in: nothing was sent either.
        const garbled = (err instanceof ModemLineError && (err.reason === 'echo mismatch' || err.reason === 'entry aborted')) || (err instanceof ModemError && (err.kind === 'error' || (err.kind === 'cms' && (err.code === 304 || err.code === 305))));
        if (!garbled || i >= attempts) throw err;
      } finally {
        await this.at.run(AT.echoOff).catch(() => undefined);
      }
    }
  }

  async calls(): Promise<CallInfo[]> {
    const res = await this.at.run(AT.clcc);
    const out: CallInfo[] = [];
    for (const l of res.lines) {
      if (!l.startsWith('+CLCC:')) throw new ModemProtocolError('CLCC', l);
      const p = splitParams(l.slice(6));
      const state = CALL_STATES[Number(p[2])];
      if (!state) throw new ModemProtocolError('CLCC', l);
      out.push({ index: Number(p[0]), outgoing: p[1] === '0', state, number: p[5] ?? '' });
    }
    return out;
  }

  /**
   * Places a voice call and waits until it is answered, refused or not answered within
   * `answerTimeoutMs` (then hangs up). Progress is polled with AT+CLCC; the call-end result codes
   * (BUSY, NO ANSWER, NO CARRIER) arrive as URCs and end the wait at once. `giveUpIf` is asked
   * at every poll: true hangs up an unanswered call early (outcome 'no-answer').
   */
  async call(number: string, opts: { answerTimeoutMs?: number; pollMs?: number; giveUpIf?: () => boolean } = {}): Promise<CallResult> {
    checkNumber(number);
    const answerTimeoutMs = opts.answerTimeoutMs ?? 45_000;
    const pollMs = opts.pollMs ?? 1000;
    const t0 = this.scheduler.now();
    let ended: CallOutcome | null = null;
    let missing = 0;
    const offs = (['BUSY', 'NO ANSWER', 'NO CARRIER', 'NO DIALTONE'] as const).map((name) =>
      this.at.onUrc(name, () => void (ended ??= name === 'BUSY' ? 'busy' : name === 'NO ANSWER' ? 'no-answer' : name === 'NO DIALTONE' ? 'no-dialtone' : 'no-carrier')),
    );
    const result = (outcome: CallOutcome): CallResult => ({ outcome, elapsedMs: this.scheduler.now() - t0 });
    try {
      try {
        await this.dialVerified(number);
      } catch (err) {
        if (err instanceof ModemError && ['busy', 'no-answer', 'no-carrier', 'no-dialtone'].includes(err.kind)) {
          return result(err.kind as CallOutcome);
        }
        throw err;
      }
      const ringingSince = this.scheduler.now();
      while (this.scheduler.now() - ringingSince < answerTimeoutMs) {
        if (ended) return result(ended);
        await this.scheduler.sleep(pollMs);
        if (ended) return result(ended);
        // The caller needs the line for something more urgent (an emergency call): stop ringing.
        if (opts.giveUpIf?.()) break;
        let calls: CallInfo[];
        try {
          calls = await this.calls();
        } catch (err) {
          if (err instanceof ModemTimeout || err instanceof ModemError || err instanceof ModemLineError || err instanceof ModemProtocolError) continue;
          throw err;
        }
        const mine = calls.find((c) => c.outgoing);
        if (mine?.state === 'active') return result('answered');
        // The call is gone but its result code was lost on the line (twice running, since a
        // +CLCC line garbled into something else also looks like an empty list).
        if (!mine && !ended && ++missing >= 2) return result('failed');
        if (mine) missing = 0;
      }
      await this.hangUp();
      return result('no-answer');
    } finally {
      for (const off of offs) off();
    }
  }

  /**
   * ATD with echo on: if the echo of the dial string does not come back intact, the number the
   * modem dialled may not be ours, so that call is hung up at once and dialled again.
   */
  private async dialVerified(number: string, attempts = 3): Promise<void> {
    for (let i = 1; ; i++) {
      await this.at.run(AT.echoOn);
      try {
        await this.at.run(AT.dial, `${number};`, { requireEcho: true });
        return;
      } catch (err) {
        const mismatch = err instanceof ModemLineError && err.reason === 'echo mismatch';
        const garbled = err instanceof ModemError && err.kind === 'error';
        // No answer at all: a call may be up (to whichever number the modem heard). Hang up
        // either way, so the modem is idle for the next attempt.
        const silent = err instanceof ModemTimeout;
        if (mismatch || silent) await this.at.run(AT.hangUp).catch(() => undefined);
        if (!(mismatch || garbled || silent) || i >= attempts) throw err;
      } finally {
        await this.at.run(AT.echoOff).catch(() => undefined);
      }
    }
  }

  async hangUp(): Promise<void> {
    await this.at.run(AT.hangUp);
  }

  /** Reads SIM phonebook entries `from`..`to` (only the used ones come back). */
  async phonebookRead(from = 1, to = PHONEBOOK_SIZE): Promise<PhonebookEntry[]> {
    await this.at.run(AT.cpbs, '"SM"');
    const res = await this.at.run(AT.cpbr, `${from},${to}`);
    const out: PhonebookEntry[] = [];
    for (const l of res.lines) {
      if (!l.startsWith('+CPBR:')) continue;
      const p = splitParams(l.slice(6));
      const index = Number(p[0]);
      const type = Number(p[2]);
      if (!Number.isInteger(index) || !Number.isInteger(type) || p.length < 4) throw new ModemProtocolError('CPBR', l);
      out.push({ index, number: p[1]!, type, name: p[3]! });
    }
    return out;
  }

  async phonebookWrite(index: number, number: string, name: string): Promise<void> {
    if (!Number.isInteger(index) || index < 1 || index > PHONEBOOK_SIZE) throw new RangeError(`phonebook index must be 1..${PHONEBOOK_SIZE}`);
    checkNumber(number);
    checkText('name', name, 14);
    await this.at.run(AT.cpbs, '"SM"');
    await this.at.run(AT.cpbw, `${index},${quote(number)},${number.startsWith('+') ? 145 : 129},${quote(name)}`);
  }

  async phonebookDelete(index: number): Promise<void> {
    await this.at.run(AT.cpbs, '"SM"');
    await this.at.run(AT.cpbw, String(index));
  }

  /** Everything `bsn-care modem status` shows. */
  async status(): Promise<ModemStatus> {
    // Without a usable SIM some queries answer +CME ERROR: that part is reported as unknown.
    const optional = <T>(p: Promise<T>): Promise<T | null> => p.catch((err: unknown) => {
      if (err instanceof ModemError) return null;
      throw err;
    });
    const sim = (await optional(this.simState())) ?? 'NOT INSERTED';
    const registration = await this.registration();
    const location = await optional(this.location());
    const signal = await this.signal();
    const gprsAttached = (await optional(this.gprsAttached())) ?? false;
    const bearer = (await optional(this.bearer())) ?? { state: 'closed', ip: null };
    return { sim, registration, location, signal, gprsAttached, bearer };
  }
}
