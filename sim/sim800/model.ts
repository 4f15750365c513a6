// A SIM800 AT interpreter behind a hal SerialPort (the far end of the UART model, or a real pty
// through serialport). It answers as the SIM800 AT command manual specifies: echo on until ATE0,
// "\r\n<line>\r\n" framing, +CME/+CMS errors in the format AT+CMEE selects, the "> " prompt for
// SMS text, DOWNLOAD for HTTP data, +HTTPREAD binary blocks, registration URCs, call progress
// result codes, and delays on the Scheduler. All randomness comes from the seeded Rng.
import type { Scheduler } from '../../hal/clock.ts';
import type { DigitalOut } from '../../hal/digital.ts';
import type { SerialPort } from '../../hal/serial.ts';
import type { Rng } from '../rng.ts';
import type { NetworkModel, TcpConnection } from './network.ts';
import { SimPhonebook } from './phonebook.ts';
import { TelephonyModel, type CallRecord, type ConcatInfo } from './telephony.ts';
import { decodeSubmit } from './sms-pdu.ts';

const CME_TEXT: Record<number, string> = {
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  16: 'incorrect password',
  21: 'invalid index',
  24: 'text string too long',
  26: 'dial string too long',
  30: 'no network service',
  50: 'Incorrect parameters',
  100: 'unknown',
};
const CMS_TEXT: Record<number, string> = { 310: 'SIM not inserted', 302: 'operation not allowed', 304: 'invalid PDU mode parameter', 305: 'invalid text mode parameter', 331: 'no network service', 500: 'unknown error' };

const CR = 0x0d;
const LF = 0x0a;
const CTRL_Z = 0x1a;
const ESC = 0x1b;
const BACKSPACE = 0x08;
/** Longest command line the SIM800 accepts (manual §1.4.4: 556 characters). */
const MAX_COMMAND = 556;

export interface Sim800ModelOptions {
  rng: Rng;
  network: NetworkModel;
  telephony?: TelephonyModel;
  phonebook?: SimPhonebook;
  /** SIM PIN; undefined = no PIN lock. */
  simPin?: string;
  simInserted?: boolean;
  /** Time from power-on to RDY, ms. */
  bootMs?: number;
  /** Power on at construction (default true). */
  poweredOn?: boolean;
  /** Holds virtual time while outside work (the HTTP endpoint) runs; default: the scheduler's own track() if it has one (VirtualClock). */
  track?: <T>(p: Promise<T>) => Promise<T>;
}

type Power = 'off' | 'booting' | 'on' | 'hung';
type Mode =
  | { kind: 'command' }
  | { kind: 'sms'; number: string; text: number[]; pduLength?: number }
  | { kind: 'http-data'; want: number; got: number[]; timer: { cancel(): void } }
  | { kind: 'tcp-data'; want: number; got: number[] };

/** AT+CIPSTATUS states of the single-connection TCP stack (SIM800 manual §8.2). */
type TcpState = 'IP INITIAL' | 'IP START' | 'IP GPRSACT' | 'IP STATUS' | 'TCP CONNECTING' | 'CONNECT OK' | 'TCP CLOSED' | 'PDP DEACT';
/** Receive buffer of the TCP stack for AT+CIPRXGET mode, bytes. */
const TCP_RX_BUFFER = 1460 * 4;

interface Call {
  record: CallRecord;
  /** +CLCC stat: 0 active, 2 dialing, 3 alerting. */
  stat: 0 | 2 | 3;
  timers: Array<{ cancel(): void }>;
}

interface Http {
  url: string;
  content: string;
  cid: number;
  data: Uint8Array;
  response: Uint8Array | null;
  busy: boolean;
  method: number;
}

export class Sim800Model {
  readonly telephony: TelephonyModel;
  readonly phonebook: SimPhonebook;
  /** Every command line received, in order (for tests). */
  readonly commandLog: string[] = [];
  /** When each command of commandLog arrived, ms. */
  readonly commandTimes: number[] = [];
  private readonly rng: Rng;
  private readonly net: NetworkModel;
  private readonly track: <T>(p: Promise<T>) => Promise<T>;
  private power: Power = 'off';
  private powerEpoch = 0;
  private mode: Mode = { kind: 'command' };
  private line: number[] = [];
  private overlong = false;
  /** Responses go out in order and not before the previous one. */
  private outAt = 0;
  // Settings that a power cycle resets.
  private echo = true;
  private cmee = 0;
  private cregMode = 0;
  private copsFormat = 0;
  private cmgf = 0;
  /** AT+CNMI <mt>: 2 = deliver new SMS straight to the host as +CMT. */
  private cnmiMt = 0;
  /** SMS that arrived while they could not be delivered as +CMT (counted, not stored). */
  droppedIncomingSms = 0;
  private cfun = 1;
  private pinOk = false;
  private registered = false;
  private bearer: { contype: string; apn: string; state: 'closed' | 'connecting' | 'connected' | 'closing'; ip: string } = { contype: '', apn: '', state: 'closed', ip: '0.0.0.0' };
  private http: Http | null = null;
  private tcp: { state: TcpState; apn: string; ip: string; conn: TcpConnection | null; rxManual: boolean; rx: number[]; epoch: number } = this.freshTcp();
  /** Bytes a TCP server sent that did not fit the receive buffer. */
  tcpRxDropped = 0;
  private call: Call | null = null;
  private regTimer: { cancel(): void } | undefined;
  private readonly simPin: string | undefined;
  private readonly simInserted: boolean;
  private readonly bootMs: number;

  constructor(readonly port: SerialPort, readonly scheduler: Scheduler, opts: Sim800ModelOptions) {
    this.rng = opts.rng;
    this.net = opts.network;
    this.telephony = opts.telephony ?? new TelephonyModel(opts.rng.fork('telephony'));
    this.phonebook = opts.phonebook ?? new SimPhonebook();
    this.simPin = opts.simPin;
    this.simInserted = opts.simInserted ?? true;
    this.bootMs = opts.bootMs ?? 3000;
    // On the VirtualClock, outside work (the server) holds virtual time still while it runs.
    const tracker = scheduler as Partial<{ track<T>(p: Promise<T>): Promise<T> }>;
    this.track = opts.track ?? (tracker.track ? <T>(p: Promise<T>): Promise<T> => tracker.track!(p) : <T>(p: Promise<T>): Promise<T> => p);
    port.onData((bytes) => this.receive(bytes));
    this.net.onChange((up) => this.networkChanged(up));
    this.telephony.onIncomingSms((from, text) => this.incomingSms(from, text));
    if (opts.poweredOn ?? true) this.powerOn();
  }

  get powerState(): Power {
    return this.power;
  }

  /** Power-up: boot, then RDY and the start-up URCs, then network registration. */
  powerOn(): void {
    if (this.power === 'on' || this.power === 'booting') return;
    this.reset();
    this.power = 'booting';
    const epoch = this.powerEpoch;
    this.scheduler.after(this.bootMs, () => {
      if (epoch !== this.powerEpoch) return;
      this.power = 'on';
      this.urc('RDY');
      this.urc('+CFUN: 1');
      this.urc(`+CPIN: ${this.simStatus()}`);
      if (this.pinOk) this.afterSimReady();
    });
  }

  powerOff(): void {
    if (this.power === 'on' && this.port.isOpen) this.port.write(ascii('\r\nNORMAL POWER DOWN\r\n'));
    this.reset();
    this.power = 'off';
  }

  /** A supply dip resets the module without a word: it boots again (RDY) with default settings. */
  brownOut(): void {
    this.reset();
    this.power = 'off';
    this.powerOn();
  }

  /** The module's firmware locks up: it stops answering until power-cycled. */
  hang(): void {
    this.power = 'hung';
  }

  /** PWRKEY wired through a transistor from `pin`: a high pulse >= 1 s toggles power. */
  attachPowerKey(pin: DigitalOut & { onChange(l: (high: boolean) => void): () => void }): void {
    let pressedAt = 0;
    pin.onChange((high) => {
      if (high) pressedAt = this.scheduler.now();
      else if (this.scheduler.now() - pressedAt >= 1000) {
        if (this.power === 'off') this.powerOn();
        else this.powerOff();
      }
    });
  }

  private reset(): void {
    this.powerEpoch++;
    this.regTimer?.cancel();
    this.endCall('hung-up-by-caller');
    if (this.mode.kind === 'http-data') this.mode.timer.cancel();
    this.mode = { kind: 'command' };
    this.line = [];
    this.echo = true;
    this.cmee = 0;
    this.cregMode = 0;
    this.copsFormat = 0;
    this.cmgf = 0;
    this.cnmiMt = 0;
    this.cfun = 1;
    this.pinOk = this.simInserted && this.simPin === undefined;
    this.registered = false;
    this.bearer = { contype: '', apn: '', state: 'closed', ip: '0.0.0.0' };
    this.http = null;
    this.tcp.conn?.close();
    this.tcp = this.freshTcp();
  }

  private freshTcp() {
    return { state: 'IP INITIAL' as TcpState, apn: '', ip: '0.0.0.0', conn: null as TcpConnection | null, rxManual: false, rx: [] as number[], epoch: (this.tcp?.epoch ?? 0) + 1 };
  }

  private simStatus(): string {
    if (!this.simInserted) return 'NOT INSERTED';
    return this.pinOk ? 'READY' : 'SIM PIN';
  }

  private afterSimReady(): void {
    const epoch = this.powerEpoch;
    this.scheduler.after(this.rng.uniform(1000, 3000), () => {
      if (epoch !== this.powerEpoch || this.power !== 'on') return;
      this.urc('Call Ready');
      this.urc('SMS Ready');
    });
    this.scheduleRegistration();
  }

  private scheduleRegistration(): void {
    this.regTimer?.cancel();
    const epoch = this.powerEpoch;
    this.regTimer = this.scheduler.after(this.net.registrationDelayMs, () => {
      if (epoch !== this.powerEpoch || !this.net.isUp() || !this.pinOk || this.cfun !== 1) return;
      this.setRegistered(true);
    });
  }

  private networkChanged(up: boolean): void {
    if (this.power !== 'on' || !this.pinOk) return;
    if (up) return this.scheduleRegistration();
    this.regTimer?.cancel();
    this.setRegistered(false);
    if (this.bearer.state === 'connected') {
      this.bearer.state = 'closed';
      this.urc('+SAPBR 1: DEACT');
    }
    if (this.tcp.state !== 'IP INITIAL' && this.tcp.state !== 'PDP DEACT') {
      this.tcp.conn?.close();
      this.tcp = { ...this.freshTcp(), state: 'PDP DEACT' };
      this.urc('+PDP: DEACT');
    }
    if (this.call) {
      this.endCall('no-network');
      this.urc('NO CARRIER');
    }
  }

  private setRegistered(on: boolean): void {
    if (on === this.registered) return;
    this.registered = on;
    if (this.cregMode > 0) this.urc(`+CREG: ${this.cregBody()}`);
  }

  /** <stat>[,"lac","ci"] as +CREG prints it. */
  private cregBody(): string {
    const stat = this.registered ? 1 : this.pinOk && this.cfun === 1 ? 2 : 0;
    if (this.cregMode === 2 && this.registered) {
      const c = this.net.cell;
      return `${stat},"${hex4(c.lac)}","${hex4(c.ci)}"`;
    }
    return String(stat);
  }

  // ---- output -------------------------------------------------------------------------------

  private write(bytes: Uint8Array | string, delayMs = 0): void {
    const data = typeof bytes === 'string' ? ascii(bytes) : bytes;
    const at = Math.max(this.scheduler.now() + delayMs, this.outAt);
    this.outAt = at;
    const epoch = this.powerEpoch;
    this.scheduler.after(at - this.scheduler.now(), () => {
      if (epoch !== this.powerEpoch || this.power !== 'on' || !this.port.isOpen) return;
      this.port.write(data);
    });
  }

  private urc(line: string): void {
    this.write(`\r\n${line}\r\n`);
  }

  /** Information lines then a final result, after the module's processing time. */
  private reply(lines: string[], final: string, delayMs = this.rng.uniform(3, 15)): void {
    this.write(lines.map((l) => `\r\n${l}\r\n`).join('') + `\r\n${final}\r\n`, delayMs);
  }

  private ok(lines: string[] = [], delayMs?: number): void {
    this.reply(lines, 'OK', delayMs);
  }

  private error(): void {
    this.reply([], 'ERROR');
  }

  private cme(code: number, delayMs?: number): void {
    const f = this.cmee === 0 ? 'ERROR' : this.cmee === 1 ? `+CME ERROR: ${code}` : `+CME ERROR: ${CME_TEXT[code] ?? 'unknown'}`;
    this.reply([], f, delayMs);
  }

  private cms(code: number, delayMs?: number): void {
    const f = this.cmee === 0 ? 'ERROR' : this.cmee === 1 ? `+CMS ERROR: ${code}` : `+CMS ERROR: ${CMS_TEXT[code] ?? 'unknown error'}`;
    this.reply([], f, delayMs);
  }

  // ---- input --------------------------------------------------------------------------------

  private receive(bytes: Uint8Array): void {
    if (this.power !== 'on') return;
    for (const b of bytes) {
      const mode = this.mode;
      if (mode.kind === 'sms') this.smsByte(mode, b);
      else if (mode.kind === 'http-data') this.httpByte(mode, b);
      else if (mode.kind === 'tcp-data') this.tcpByte(mode, b);
      else this.commandByte(b);
    }
  }

  private commandByte(b: number): void {
    if (this.echo) this.write(Uint8Array.of(b));
    if (b === LF) return;
    if (b === BACKSPACE) {
      this.line.pop();
      return;
    }
    if (b !== CR) {
      if (this.line.length >= MAX_COMMAND) this.overlong = true;
      else this.line.push(b);
      return;
    }
    const text = String.fromCharCode(...this.line).trim();
    const overlong = this.overlong;
    this.line = [];
    this.overlong = false;
    // Anything before "AT" is noise (the V.25ter command line prefix is what the module hunts for).
    const at = text.toUpperCase().indexOf('AT');
    if (at < 0) return;
    const cmd = text.slice(at);
    this.commandLog.push(cmd);
    this.commandTimes.push(this.scheduler.now());
    if (overlong) return this.error();
    this.execute(cmd.slice(2));
  }

  private smsByte(mode: Extract<Mode, { kind: 'sms' }>, b: number): void {
    if (b === ESC) {
      this.mode = { kind: 'command' };
      return this.ok();
    }
    if (b !== CTRL_Z) {
      if (this.echo) this.write(Uint8Array.of(b));
      if (mode.text.length < (mode.pduLength === undefined ? 160 : 2 * (mode.pduLength + 12))) mode.text.push(b);
      return;
    }
    this.mode = { kind: 'command' };
    let text = String.fromCharCode(...mode.text);
    let concat: ConcatInfo | undefined;
    if (mode.pduLength !== undefined) {
      const sms = decodeSubmit(text, mode.pduLength);
      if (!sms) return this.cms(304, this.rng.uniform(50, 300));
      mode.number = sms.number;
      text = sms.text;
      concat = sms.concat;
    }
    if (!this.registered) return this.cms(331, this.rng.uniform(2000, 5000));
    const delay = this.telephony.smsDelay();
    const epoch = this.powerEpoch;
    this.scheduler.after(delay, () => {
      if (epoch !== this.powerEpoch) return;
      if (!this.registered) return this.cms(331, 0);
      const rec = this.telephony.deliverSms(mode.number, text, this.scheduler.now(), concat);
      this.ok([`+CMGS: ${rec.messageRef}`], 0);
    });
  }

  private httpByte(mode: Extract<Mode, { kind: 'http-data' }>, b: number): void {
    mode.got.push(b);
    if (mode.got.length < mode.want) return;
    mode.timer.cancel();
    this.finishHttpData(mode);
  }

  private finishHttpData(mode: Extract<Mode, { kind: 'http-data' }>): void {
    this.mode = { kind: 'command' };
    if (this.http) this.http.data = Uint8Array.from(mode.got);
    this.ok();
  }

  // ---- commands -----------------------------------------------------------------------------

  private execute(rest: string): void {
    const upper = rest.toUpperCase();
    if (upper === '') return this.ok();
    if (upper === 'E0' || upper === 'E1') {
      this.echo = upper === 'E1';
      return this.ok();
    }
    if (upper === 'I') return this.ok(['SIM800 R14.18']);
    if (upper.startsWith('D')) return this.dial(rest.slice(1));
    if (upper === 'H' || upper === 'H0') return this.hangUp();
    const m = /^\+([A-Za-z]+)(=\?|\?|=(.*))?$/.exec(rest);
    if (!m) return this.error();
    const name = m[1]!.toUpperCase();
    const form: 'test' | 'read' | 'write' | 'exec' = m[2] === '=?' ? 'test' : m[2] === '?' ? 'read' : m[2] ? 'write' : 'exec';
    const args = m[3] !== undefined ? parseArgs(m[3]) : [];
    const handler = this.handlers[name];
    if (!handler) return this.error();
    handler(form, args);
  }

  private needSim(): boolean {
    if (!this.simInserted) {
      this.cme(10);
      return false;
    }
    if (!this.pinOk) {
      this.cme(11);
      return false;
    }
    return true;
  }

  private readonly handlers: Record<string, (form: 'test' | 'read' | 'write' | 'exec', a: string[]) => void> = {
    CMEE: (form, a) => {
      if (form === 'read') return this.ok([`+CMEE: ${this.cmee}`]);
      const n = Number(a[0]);
      if (form !== 'write' || ![0, 1, 2].includes(n)) return this.cme(50);
      this.cmee = n;
      this.ok();
    },
    CFUN: (form, a) => {
      if (form === 'read') return this.ok([`+CFUN: ${this.cfun}`]);
      const n = Number(a[0]);
      if (form !== 'write' || ![0, 1, 4].includes(n)) return this.cme(50);
      this.cfun = n;
      if (n !== 1) this.setRegistered(false);
      else if (this.pinOk) this.scheduleRegistration();
      this.ok([], this.rng.uniform(200, 2000));
    },
    CPIN: (form, a) => {
      if (form === 'read') return this.simInserted ? this.ok([`+CPIN: ${this.simStatus()}`]) : this.cme(10);
      if (form !== 'write') return this.cme(50);
      if (!this.simInserted) return this.cme(10);
      if (this.pinOk) return this.cme(3);
      if (a[0] !== this.simPin) return this.cme(16, 500);
      this.pinOk = true;
      this.ok([], 500);
      this.urc('+CPIN: READY');
      this.afterSimReady();
    },
    CREG: (form, a) => {
      if (form === 'read') return this.ok([`+CREG: ${this.cregMode},${this.cregBody()}`]);
      if (form === 'test') return this.ok(['+CREG: (0-2)']);
      const n = Number(a[0]);
      if (form !== 'write' || ![0, 1, 2].includes(n)) return this.cme(50);
      this.cregMode = n;
      this.ok();
    },
    CGATT: (form) => {
      if (form === 'read') return this.ok([`+CGATT: ${this.registered ? 1 : 0}`]);
      this.ok();
    },
    COPS: (form, a) => {
      if (form === 'read') {
        if (!this.registered) return this.ok(['+COPS: 0']);
        const c = this.net.cell;
        const oper = this.copsFormat === 2 ? `${c.mcc}${c.mnc}` : `SIMNET ${c.mcc}-${c.mnc}`;
        return this.ok([`+COPS: 0,${this.copsFormat},"${oper}"`]);
      }
      if (form === 'test') return this.ok([`+COPS: (2,"SIMNET","SIMNET","${this.net.cell.mcc}${this.net.cell.mnc}"),,(0-4),(0-2)`], 3000);
      if (form === 'write' && a[0] === '3' && ['0', '1', '2'].includes(a[1] ?? '')) {
        this.copsFormat = Number(a[1]);
        return this.ok();
      }
      if (form === 'write' && a[0] === '0') return this.ok([], 1000);
      this.cme(50);
    },
    CSQ: (form) => {
      if (form !== 'exec') return form === 'test' ? this.ok(['+CSQ: (0-31,99),(0-7,99)']) : this.error();
      const rssi = this.registered ? this.net.rssi : 99;
      this.ok([`+CSQ: ${rssi},0`]);
    },
    CCID: () => this.ok(['8944000000000000001F']),
    GSN: () => this.ok(['861234000000001']),
    SAPBR: (form, a) => this.sapbr(form, a),
    HTTPINIT: (form) => {
      if (form !== 'exec' || this.http) return this.error();
      this.http = { url: '', content: 'text/plain', cid: 1, data: new Uint8Array(0), response: null, busy: false, method: 0 };
      this.ok();
    },
    HTTPTERM: (form) => {
      if (form !== 'exec' || !this.http) return this.error();
      this.http = null;
      this.ok();
    },
    HTTPPARA: (form, a) => {
      if (form !== 'write' || !this.http || a.length < 2) return this.error();
      const tag = a[0]!.toUpperCase();
      if (tag === 'URL') this.http.url = a[1]!;
      else if (tag === 'CONTENT') this.http.content = a[1]!;
      else if (tag === 'CID') this.http.cid = Number(a[1]);
      else if (tag !== 'UA' && tag !== 'USERDATA' && tag !== 'TIMEOUT') return this.error();
      this.ok();
    },
    HTTPDATA: (form, a) => {
      const size = Number(a[0]);
      const time = Number(a[1]);
      if (form !== 'write' || !this.http || !Number.isInteger(size) || size < 1 || size > 319_488 || !(time >= 1000 && time <= 120_000)) return this.error();
      this.write('\r\nDOWNLOAD\r\n', this.rng.uniform(3, 10));
      const mode: Extract<Mode, { kind: 'http-data' }> = { kind: 'http-data', want: size, got: [], timer: { cancel() {} } };
      // If fewer bytes arrive than announced, the module stops waiting after <time>.
      mode.timer = this.scheduler.after(time, () => {
        if (this.mode === mode) this.finishHttpData(mode);
      });
      this.mode = mode;
    },
    HTTPACTION: (form, a) => this.httpAction(form, a),
    HTTPSTATUS: (form) => {
      if (form !== 'read' || !this.http) return this.error();
      const h = this.http;
      const method = ['GET', 'POST', 'HEAD'][h.method] ?? 'GET';
      this.ok([`+HTTPSTATUS: ${method},${h.busy ? 1 : 0},0,0`]);
    },
    HTTPREAD: (form, a) => {
      if (!this.http || !this.http.response) return this.error();
      const all = this.http.response;
      let start = 0;
      let size = all.length;
      if (form === 'write') {
        start = Number(a[0]);
        size = Number(a[1]);
        if (!Number.isInteger(start) || !Number.isInteger(size) || start < 0 || size < 1) return this.error();
      }
      const chunk = all.subarray(Math.min(start, all.length), Math.min(all.length, start + size));
      if (chunk.length === 0) return this.ok([], 5);
      const out = concat(ascii(`\r\n+HTTPREAD: ${chunk.length}\r\n`), chunk, ascii('\r\nOK\r\n'));
      this.write(out, this.rng.uniform(5, 20));
    },
    CIPSHUT: (form) => {
      if (form !== 'exec') return this.error();
      this.tcp.conn?.close();
      this.tcp = this.freshTcp();
      this.reply([], 'SHUT OK', this.rng.uniform(50, 400));
    },
    CIPMUX: (form, a) => {
      if (form === 'read') return this.ok(['+CIPMUX: 0']);
      if (form !== 'write' || a[0] !== '0') return this.error(); // multi-connection not modelled
      this.ok();
    },
    CIPRXGET: (form, a) => {
      const t = this.tcp;
      if (form !== 'write') return this.error();
      if (a[0] === '0' || a[0] === '1') {
        t.rxManual = a[0] === '1';
        return this.ok();
      }
      if (a[0] !== '2' || !t.rxManual) return this.error();
      const want = Number(a[1]);
      if (!Number.isInteger(want) || want < 1 || want > 1460) return this.error();
      if (t.state !== 'CONNECT OK' && t.rx.length === 0) return this.error();
      const data = Uint8Array.from(t.rx.splice(0, want));
      const head = `\r\n+CIPRXGET: 2,${data.length},${t.rx.length}\r\n`;
      this.write(concat(ascii(head), data, ascii('\r\nOK\r\n')), this.rng.uniform(5, 20));
    },
    CSTT: (form, a) => {
      if (form !== 'write' || this.tcp.state !== 'IP INITIAL') return this.error();
      this.tcp.apn = a[0] ?? '';
      this.tcp.state = 'IP START';
      this.ok();
    },
    CIICR: (form) => {
      const t = this.tcp;
      if (form !== 'exec' || t.state !== 'IP START') return this.error();
      if (!this.registered || t.apn === '') return this.reply([], 'ERROR', this.rng.uniform(3000, 10000));
      const epoch = t.epoch;
      this.scheduler.after(this.net.rttMs() * 4 + this.rng.uniform(500, 2000), () => {
        if (this.tcp.epoch !== epoch) return;
        if (!this.registered) return this.reply([], 'ERROR', 0);
        t.state = 'IP GPRSACT';
        t.ip = `10.${this.rng.int(0, 255)}.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
        this.ok([], 0);
      });
    },
    CIFSR: (form) => {
      const t = this.tcp;
      if (form !== 'exec' || !['IP GPRSACT', 'IP STATUS', 'CONNECT OK', 'TCP CLOSED'].includes(t.state)) return this.error();
      if (t.state === 'IP GPRSACT') t.state = 'IP STATUS';
      this.write(`\r\n${t.ip}\r\n`, this.rng.uniform(5, 20));
    },
    CIPSTATUS: (form) => {
      if (form !== 'exec') return this.error();
      this.ok([`STATE: ${this.tcp.state}`]);
    },
    CIPSTART: (form, a) => this.cipStart(form, a),
    CIPSEND: (form, a) => {
      const t = this.tcp;
      const len = Number(a[0]);
      if (form !== 'write' || !Number.isInteger(len) || len < 1 || len > 1460) return this.error();
      if (t.state !== 'CONNECT OK' || !t.conn) return this.error();
      this.write('\r\n> ', this.rng.uniform(5, 20));
      this.mode = { kind: 'tcp-data', want: len, got: [] };
    },
    CIPCLOSE: (form) => {
      const t = this.tcp;
      if (form !== 'exec' || t.state !== 'CONNECT OK') return this.error();
      t.conn?.close();
      t.conn = null;
      t.state = 'TCP CLOSED';
      this.reply([], 'CLOSE OK', this.rng.uniform(50, 300));
    },
    CNMI: (form, a) => {
      if (!this.simInserted) return this.cms(310);
      if (form === 'read') return this.ok([`+CNMI: 2,${this.cnmiMt},0,0,0`]);
      const mt = Number(a[1] ?? 0);
      if (form !== 'write' || ![0, 1, 2].includes(mt)) return this.cms(302);
      this.cnmiMt = mt;
      this.ok();
    },
    CMGF: (form, a) => {
      if (form === 'read') return this.ok([`+CMGF: ${this.cmgf}`]);
      if (form !== 'write' || !['0', '1'].includes(a[0] ?? '')) return this.cme(50);
      this.cmgf = Number(a[0]);
      this.ok();
    },
    CMGS: (form, a) => {
      if (form === 'test') return this.ok();
      if (!this.needSim()) return;
      if (form !== 'write') return this.cms(this.cmgf !== 1 ? 304 : 305);
      if (this.cmgf === 0) {
        // PDU mode: <length> of the TPDU in octets, then the PDU in hex.
        const pduLength = Number(a[0]);
        if (!Number.isInteger(pduLength) || pduLength < 7 || pduLength > 164) return this.cms(304);
        this.write('\r\n> ', this.rng.uniform(5, 20));
        this.mode = { kind: 'sms', number: '', text: [], pduLength };
        return;
      }
      const number = a[0] ?? '';
      if (!/^\+?[0-9*#]{1,20}$/.test(number)) return this.cms(305);
      this.write('\r\n> ', this.rng.uniform(5, 20));
      this.mode = { kind: 'sms', number, text: [] };
    },
    CLCC: (form) => {
      if (form !== 'exec') return this.ok();
      const c = this.call;
      const lines = c ? [`+CLCC: 1,0,${c.stat},0,0,"${c.record.number}",${c.record.number.startsWith('+') ? 145 : 129},""`] : [];
      this.ok(lines);
    },
    CPBS: (form, a) => {
      if (!this.needSim()) return;
      if (form === 'read') return this.ok([`+CPBS: "SM",${this.phonebook.entries().length},${this.phonebook.capacity}`]);
      if (form === 'test') return this.ok(['+CPBS: ("SM")']);
      if (a[0] !== 'SM') return this.cme(4);
      this.ok();
    },
    CPBR: (form, a) => {
      if (!this.needSim()) return;
      const pb = this.phonebook;
      if (form === 'test') return this.ok([`+CPBR: (1-${pb.capacity}),${pb.numberMax},${pb.nameMax}`]);
      const from = Number(a[0]);
      const to = a[1] === undefined ? from : Number(a[1]);
      if (form !== 'write' || !pb.validIndex(from) || !pb.validIndex(to) || to < from) return this.cme(21);
      const lines = pb.entries()
        .filter(([i]) => i >= from && i <= to)
        .map(([i, s]) => `+CPBR: ${i},"${s.number}",${s.type},"${s.name}"`);
      this.ok(lines, 20 + 2 * (to - from));
    },
    CPBW: (form, a) => {
      if (!this.needSim()) return;
      if (form !== 'write') return this.cme(50);
      const index = Number(a[0]);
      if (a.length === 1) return this.phonebook.delete(index) ? this.ok([], 50) : this.cme(21);
      const number = a[1] ?? '';
      const type = a[2] === undefined ? (number.startsWith('+') ? 145 : 129) : Number(a[2]);
      if (![129, 145, 161].includes(type) || !/^\+?[0-9*#]*$/.test(number)) return this.cme(50);
      const r = this.phonebook.write(index, { number, type, name: a[3] ?? '' });
      if (r === 'invalid-index') return this.cme(21);
      if (r === 'name-too-long') return this.cme(24);
      if (r === 'number-too-long') return this.cme(26);
      this.ok([], 50);
    },
  };

  private sapbr(form: string, a: string[]): void {
    if (form === 'test') return this.ok(['+SAPBR: (0-4),(1-3),"ConParamTag","ConParamValue"']);
    if (form !== 'write' || a[1] !== '1') return this.cme(50);
    const b = this.bearer;
    const epoch = this.powerEpoch;
    switch (a[0]) {
      case '3': {
        const tag = (a[2] ?? '').toUpperCase();
        if (tag === 'CONTYPE') b.contype = a[3] ?? '';
        else if (tag === 'APN') b.apn = a[3] ?? '';
        else if (tag !== 'USER' && tag !== 'PWD') return this.cme(50);
        return this.ok();
      }
      case '2': {
        const stat = { connecting: 0, connected: 1, closing: 2, closed: 3 }[b.state];
        return this.ok([`+SAPBR: 1,${stat},"${b.state === 'connected' ? b.ip : '0.0.0.0'}"`]);
      }
      case '1': {
        if (b.state === 'connected') return this.cme(3);
        if (!this.registered || b.contype !== 'GPRS' || b.apn === '') {
          // The module tries for a while before giving up.
          return this.cme(3, this.registered ? 100 : this.rng.uniform(5000, 15000));
        }
        b.state = 'connecting';
        const delay = this.net.rttMs() * 4 + this.rng.uniform(500, 2500);
        this.scheduler.after(delay, () => {
          if (epoch !== this.powerEpoch) return;
          if (!this.registered) {
            b.state = 'closed';
            return this.cme(3, 0);
          }
          b.state = 'connected';
          b.ip = `10.${this.rng.int(0, 255)}.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
          this.ok([], 0);
        });
        return;
      }
      case '0': {
        if (b.state !== 'connected') return this.cme(3);
        b.state = 'closing';
        this.scheduler.after(this.rng.uniform(300, 1500), () => {
          if (epoch !== this.powerEpoch) return;
          b.state = 'closed';
          this.ok([], 0);
        });
        return;
      }
      default:
        return this.cme(50);
    }
  }

  private httpAction(form: string, a: string[]): void {
    const h = this.http;
    const method = Number(a[0]);
    if (form !== 'write' || !h || ![0, 1, 2].includes(method)) return this.error();
    this.ok();
    if (!h.busy) h.method = method;
    const epoch = this.powerEpoch;
    const done = (status: number, len: number) => {
      if (epoch !== this.powerEpoch || this.http !== h) return;
      h.busy = false;
      this.urc(`+HTTPACTION: ${method},${status},${len}`);
    };
    if (h.busy) return void this.scheduler.after(10, () => this.urc(`+HTTPACTION: ${method},604,0`));
    if (this.bearer.state !== 'connected') return void this.scheduler.after(this.rng.uniform(100, 500), () => done(601, 0));
    if (method !== 1) return void this.scheduler.after(10, () => done(600, 0));
    h.busy = true;
    h.response = null;
    void this.net.post(h.url, h.data, h.content, this.track).then(
      (res) => {
        if (res.status < 600) h.response = res.body;
        done(res.status, res.status < 600 ? res.body.length : 0);
      },
      () => done(601, 0),
    );
  }

  private cipStart(form: string, a: string[]): void {
    const t = this.tcp;
    const port = Number(a[2]);
    if (form !== 'write' || a[0]?.toUpperCase() !== 'TCP' || !a[1] || !Number.isInteger(port) || port < 1 || port > 65535) return this.error();
    if (t.state === 'CONNECT OK') return this.ok(['ALREADY CONNECT']);
    if (t.state !== 'IP STATUS' && t.state !== 'TCP CLOSED') return this.error();
    t.state = 'TCP CONNECTING';
    this.ok();
    const epoch = t.epoch;
    void this.net.connectTcp(a[1], port, this.track).then(
      (conn) => {
        if (this.tcp.epoch !== epoch) return conn?.close();
        if (!conn) {
          t.state = 'TCP CLOSED';
          return this.urc('CONNECT FAIL');
        }
        t.conn = conn;
        t.state = 'CONNECT OK';
        conn.onData((d) => this.scheduler.after(this.net.rttMs() / 2, () => this.tcpReceive(epoch, d)));
        conn.onClose(() =>
          this.scheduler.after(this.net.rttMs() / 2, () => {
            if (this.tcp.epoch !== epoch || t.state !== 'CONNECT OK') return;
            t.conn = null;
            t.state = 'TCP CLOSED';
            this.urc('CLOSED');
          }),
        );
        this.urc('CONNECT OK');
      },
      () => {
        if (this.tcp.epoch !== epoch) return;
        t.state = 'TCP CLOSED';
        this.urc('CONNECT FAIL');
      },
    );
  }

  private tcpReceive(epoch: number, data: Uint8Array): void {
    const t = this.tcp;
    if (t.epoch !== epoch || t.state !== 'CONNECT OK') return;
    if (!t.rxManual) {
      this.write(data); // without CIPRXGET the data goes straight to the host, undelimited
      return;
    }
    const wasEmpty = t.rx.length === 0;
    const room = TCP_RX_BUFFER - t.rx.length;
    t.rx.push(...data.subarray(0, room));
    this.tcpRxDropped += Math.max(0, data.length - room);
    if (wasEmpty && t.rx.length > 0) this.urc('+CIPRXGET: 1');
  }

  private tcpByte(mode: Extract<Mode, { kind: 'tcp-data' }>, b: number): void {
    mode.got.push(b);
    if (mode.got.length < mode.want) return;
    this.mode = { kind: 'command' };
    const t = this.tcp;
    const data = Uint8Array.from(mode.got);
    const conn = t.conn;
    if (!conn || t.state !== 'CONNECT OK') return this.reply([], 'SEND FAIL');
    const epoch = t.epoch;
    void this.track(conn.send(data)).then(
      () => this.scheduler.after(this.net.rttMs() / 2, () => this.tcp.epoch === epoch && this.reply([], 'SEND OK', 0)),
      () => this.tcp.epoch === epoch && this.reply([], 'SEND FAIL'),
    );
  }

  private incomingSms(from: string, text: string): void {
    if (this.power !== 'on' || !this.registered || this.cnmiMt !== 2 || this.cmgf !== 1 || this.mode.kind !== 'command') {
      this.droppedIncomingSms++;
      return;
    }
    // Service-centre time stamp "yy/MM/dd,hh:mm:ss+zz" (quarter hours), from the virtual clock.
    const d = new Date(Date.UTC(2024, 0, 1) + this.scheduler.now());
    const p2 = (n: number) => String(n).padStart(2, '0');
    const scts = `${p2(d.getUTCFullYear() % 100)}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())},${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}+00`;
    this.write(`\r\n+CMT: "${from}","","${scts}"\r\n${text}\r\n`);
  }

  private dial(rest: string): void {
    const m = /^(\+?[0-9*#]{1,40});$/.exec(rest.trim());
    if (!m) return this.error();
    if (!this.needSim()) return;
    if (this.call) return this.cme(3);
    if (!this.registered) return this.reply([], 'NO CARRIER', this.rng.uniform(500, 2000));
    const number = m[1]!;
    const record: CallRecord = { number, dialledAt: this.scheduler.now() };
    this.telephony.calls.push(record);
    const call: Call = { record, stat: 2, timers: [] };
    this.call = call;
    this.ok([], this.rng.uniform(50, 300));
    const plan = this.telephony.plan(number);
    const at = (ms: number, f: () => void) => call.timers.push(this.scheduler.after(ms, () => this.call === call && f()));
    at(this.rng.uniform(1000, 2500), () => void (call.stat = 3));
    if (plan.kind === 'busy') {
      at(plan.afterMs, () => {
        this.endCall('busy');
        this.urc('BUSY');
      });
    } else if (plan.kind === 'no-answer') {
      at(plan.afterMs, () => {
        this.endCall('no-answer');
        this.urc('NO ANSWER');
      });
    } else {
      at(plan.afterMs, () => {
        call.stat = 0;
        record.answeredAt = this.scheduler.now();
        if (plan.talkMs !== undefined) {
          at(plan.talkMs, () => {
            this.endCall('answered');
            this.urc('NO CARRIER');
          });
        }
      });
    }
  }

  private endCall(outcome: CallRecord['outcome']): void {
    const c = this.call;
    if (!c) return;
    for (const t of c.timers) t.cancel();
    c.record.endedAt = this.scheduler.now();
    c.record.outcome = c.record.answeredAt !== undefined && outcome === 'hung-up-by-caller' ? 'answered' : outcome;
    this.call = null;
  }

  private hangUp(): void {
    this.endCall('hung-up-by-caller');
    this.ok([], this.rng.uniform(100, 500));
  }
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Splits AT arguments at commas outside quotes; quotes are removed. */
export function parseArgs(s: string): string[] {
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
