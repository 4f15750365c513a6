// Recorded transcripts of every driver operation: the exact commands the driver must send and the
// modem's replies as the SIM800 manual shows them. Used by the transcript test and, with URCs
// inserted between reply lines, by the URC interleaving test.
import type { Sim800 } from '../../firmware/modem/sim800.ts';
import type { Part, Step } from './scripted-port.ts';

export interface Transcript {
  name: string;
  steps: Step[];
  run(m: Sim800): Promise<unknown>;
  expected: unknown;
  /** Call-status URCs change a call's outcome legitimately: not inserted into call transcripts. */
  call?: boolean;
}

const L = (line: string): Part => ({ line });
const OK = L('OK');
const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** A binary body holding CR LF, "OK", a URC look-alike and every byte value 0-255. */
export const HTTP_BODY = new Uint8Array([...bytes('\r\nOK\r\n+CREG: 0\r\n> '), ...Array.from({ length: 256 }, (_, i) => i)]);
export const HTTP_REPLY = new Uint8Array([...bytes('ACK\r\nERROR\r\n'), 0, 0x1a, 0x1b, 255, ...bytes('\r\n')]);

export const TRANSCRIPTS: Transcript[] = [
  {
    name: 'init',
    steps: [
      { expect: 'AT\r', reply: [OK] },
      { expect: 'ATE0\r', reply: [OK] },
      { expect: 'AT+CMEE=2\r', reply: [OK] },
      { expect: 'AT+CREG=2\r', reply: [OK] },
      { expect: 'AT+COPS=3,2\r', reply: [OK] },
      { expect: 'AT+CMGF=1\r', reply: [OK] },
      { expect: 'AT+CNMI=2,2,0,0,0\r', reply: [OK] },
    ],
    run: (m) => m.init(),
    expected: undefined,
  },
  {
    name: 'simState',
    steps: [{ expect: 'AT+CPIN?\r', reply: [L('+CPIN: READY'), OK] }],
    run: (m) => m.simState(),
    expected: 'READY',
  },
  {
    name: 'registration',
    steps: [{ expect: 'AT+CREG?\r', reply: [L('+CREG: 2,1,"1A2B","00C3"'), OK] }],
    run: (m) => m.registration(),
    expected: { state: 'home', lac: 0x1a2b, cellId: 0xc3 },
  },
  {
    name: 'location (LAI + cell id)',
    steps: [
      { expect: 'AT+CREG?\r', reply: [L('+CREG: 2,5,"0F01","1234ABCD"'), OK] },
      { expect: 'AT+COPS?\r', reply: [L('+COPS: 0,2,"310260"'), OK] },
    ],
    run: (m) => m.location(),
    expected: { lai: { mcc: '310', mnc: '260', lac: 0x0f01 }, cellId: 0x1234abcd },
  },
  {
    name: 'signal',
    steps: [{ expect: 'AT+CSQ\r', reply: [L('+CSQ: 18,0'), OK] }],
    run: (m) => m.signal(),
    expected: { rssi: 18, rssiDbm: -78, bars: 3, berClass: 0 },
  },
  {
    name: 'openBearer',
    steps: [
      { expect: 'AT+SAPBR=2,1\r', reply: [L('+SAPBR: 1,3,"0.0.0.0"'), OK] },
      { expect: 'AT+SAPBR=3,1,"CONTYPE","GPRS"\r', reply: [OK] },
      { expect: 'AT+SAPBR=3,1,"APN","internet"\r', reply: [OK] },
      { expect: 'AT+SAPBR=1,1\r', reply: [{ pauseMs: 2500 }, OK] },
      { expect: 'AT+SAPBR=2,1\r', reply: [L('+SAPBR: 1,1,"10.45.3.7"'), OK] },
    ],
    run: (m) => m.openBearer('internet'),
    expected: { state: 'connected', ip: '10.45.3.7' },
  },
  {
    name: 'httpPost (binary both ways)',
    steps: [
      { expect: 'AT+HTTPINIT\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="CID",1\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="URL","http://bsn.example/v1/up"\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="CONTENT","application/octet-stream"\r', reply: [OK] },
      { expect: `AT+HTTPDATA=${HTTP_BODY.length},10000\r`, reply: [L('DOWNLOAD')] },
      { expect: HTTP_BODY, reply: [OK] },
      { expect: 'AT+HTTPACTION=1\r', reply: [OK, { pauseMs: 1800 }, L(`+HTTPACTION: 1,200,${HTTP_REPLY.length}`)] },
      { expect: `AT+HTTPREAD=0,${HTTP_REPLY.length}\r`, reply: [L(`+HTTPREAD: ${HTTP_REPLY.length}`), { raw: HTTP_REPLY }, OK] },
      { expect: 'AT+HTTPTERM\r', reply: [OK] },
    ],
    run: (m) => m.httpPost('http://bsn.example/v1/up', HTTP_BODY),
    expected: { status: 200, body: HTTP_REPLY },
  },
  {
    name: 'httpPost: +HTTPACTION garbled on the line -> AT+HTTPSTATUS? says done -> body read, request not repeated',
    steps: [
      { expect: 'AT+HTTPINIT\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="CID",1\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="URL","http://bsn.example/v1/up"\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="CONTENT","application/octet-stream"\r', reply: [OK] },
      { expect: 'AT+HTTPDATA=3,10000\r', reply: [L('DOWNLOAD')] },
      { expect: Uint8Array.of(1, 2, 3), reply: [OK] },
      { expect: 'AT+HTTPACTION=1\r', reply: [OK, { pauseMs: 1500 }, L('+HTTPAC\xd4ION: 1,200,4')] },
      { expect: 'AT+HTTPSTATUS?\r', reply: [L('+HTTPSTATUS: POST,0,0,0'), OK] },
      { expect: 'AT+HTTPREAD=0,512\r', reply: [L('+HTTPREAD: 4'), { raw: Uint8Array.of(9, 8, 7, 6) }, OK] },
      { expect: 'AT+HTTPTERM\r', reply: [OK] },
    ],
    run: (m) => m.httpPost('http://bsn.example/v1/up', Uint8Array.of(1, 2, 3)),
    expected: { status: 0, body: Uint8Array.of(9, 8, 7, 6) },
  },
  {
    name: 'tcpOpen',
    steps: [
      { expect: 'AT+CIPSHUT\r', reply: [L('SHUT OK')] },
      { expect: 'AT+CIPMUX=0\r', reply: [OK] },
      { expect: 'AT+CIPRXGET=1\r', reply: [OK] },
      { expect: 'AT+CSTT="internet"\r', reply: [OK] },
      { expect: 'AT+CIICR\r', reply: [{ pauseMs: 1500 }, OK] },
      { expect: 'AT+CIFSR\r', reply: [L('10.64.3.99')] },
      { expect: 'AT+CIPSTART="TCP","bsn.example",7000\r', reply: [OK, { pauseMs: 900 }, L('CONNECT OK')] },
    ],
    run: (m) => m.tcpOpen('internet', 'bsn.example', 7000),
    expected: { localIp: '10.64.3.99' },
  },
  {
    name: 'tcpSend (binary, > and SEND OK)',
    steps: [
      { expect: 'AT+CIPSEND=6\r', reply: [{ prompt: true }] },
      { expect: Uint8Array.of(0x0d, 0x0a, 0x4f, 0x4b, 0x1a, 0x00), reply: [{ pauseMs: 400 }, L('SEND OK')] },
    ],
    run: (m) => m.tcpSend(Uint8Array.of(0x0d, 0x0a, 0x4f, 0x4b, 0x1a, 0x00)),
    expected: undefined,
  },
  {
    name: 'tcpRead (length-delimited binary)',
    steps: [{ expect: 'AT+CIPRXGET=2,512\r', reply: [L('+CIPRXGET: 2,5,0'), { raw: Uint8Array.of(0x0d, 0x0a, 0x4f, 0x4b, 0xff) }, OK] }],
    run: (m) => m.tcpRead(),
    expected: Uint8Array.of(0x0d, 0x0a, 0x4f, 0x4b, 0xff),
  },
  {
    name: 'tcpClose',
    steps: [{ expect: 'AT+CIPCLOSE\r', reply: [L('CLOSE OK')] }],
    run: (m) => m.tcpClose(),
    expected: undefined,
  },
  {
    name: 'httpPost: OK to HTTPACTION lost -> AT+HTTPSTATUS? busy -> keep waiting for the report (never sent twice)',
    steps: [
      { expect: 'AT+HTTPINIT\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="CID",1\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="URL","http://bsn.example/v1/up"\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="CONTENT","application/octet-stream"\r', reply: [OK] },
      { expect: 'AT+HTTPDATA=3,10000\r', reply: [L('DOWNLOAD')] },
      { expect: Uint8Array.of(1, 2, 3), reply: [OK] },
      { expect: 'AT+HTTPACTION=1\r', reply: [] },
      { expect: 'AT+HTTPSTATUS?\r', reply: [L('+HTTPSTATUS: POST,2,0,3'), OK, { pauseMs: 900 }, L('+HTTPACTION: 1,200,2')] },
      { expect: 'AT+HTTPREAD=0,2\r', reply: [L('+HTTPREAD: 2'), { raw: Uint8Array.of(79, 75) }, OK] },
      { expect: 'AT+HTTPTERM\r', reply: [OK] },
    ],
    run: (m) => m.httpPost('http://bsn.example/v1/up', Uint8Array.of(1, 2, 3)),
    expected: { status: 200, body: Uint8Array.of(79, 75) },
  },
  {
    name: 'httpPost: HTTPACTION never arrived -> idle, nothing to read -> ModemTimeout (safe to send again)',
    steps: [
      { expect: 'AT+HTTPINIT\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="CID",1\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="URL","http://bsn.example/v1/up"\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="CONTENT","application/octet-stream"\r', reply: [OK] },
      { expect: 'AT+HTTPDATA=3,10000\r', reply: [L('DOWNLOAD')] },
      { expect: Uint8Array.of(1, 2, 3), reply: [OK] },
      { expect: 'AT+HTTPACTION=1\r', reply: [] },
      { expect: 'AT+HTTPSTATUS?\r', reply: [L('+HTTPSTATUS: GET,0,0,0'), OK] },
      // ERROR could be a garbled command too: the engine asks three times before believing it.
      { expect: 'AT+HTTPREAD=0,512\r', reply: [L('ERROR')] },
      { expect: 'AT+HTTPREAD=0,512\r', reply: [L('ERROR')] },
      { expect: 'AT+HTTPREAD=0,512\r', reply: [L('ERROR')] },
      { expect: 'AT+HTTPTERM\r', reply: [OK] },
    ],
    run: (m) => m.httpPost('http://bsn.example/v1/up', Uint8Array.of(1, 2, 3)).catch((e: Error) => e.message),
    expected: 'no final result to HTTPACTION (not taken by the modem) within 120000 ms',
  },
  {
    name: 'httpPost: reply fails the application check (damaged on the UART) -> read again, not posted again',
    steps: [
      { expect: 'AT+HTTPINIT\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="CID",1\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="URL","http://bsn.example/v1/up"\r', reply: [OK] },
      { expect: 'AT+HTTPPARA="CONTENT","application/octet-stream"\r', reply: [OK] },
      { expect: 'AT+HTTPDATA=3,10000\r', reply: [L('DOWNLOAD')] },
      { expect: Uint8Array.of(1, 2, 3), reply: [OK] },
      { expect: 'AT+HTTPACTION=1\r', reply: [OK, { pauseMs: 700 }, L('+HTTPACTION: 1,200,4')] },
      { expect: 'AT+HTTPREAD=0,4\r', reply: [L('+HTTPREAD: 4'), { raw: Uint8Array.of(1, 2, 3, 5) }, OK] },
      { expect: 'AT+HTTPREAD=0,4\r', reply: [L('+HTTPREAD: 4'), { raw: Uint8Array.of(1, 2, 3, 6) }, OK] },
      { expect: 'AT+HTTPTERM\r', reply: [OK] },
    ],
    run: (m) => m.httpPost('http://bsn.example/v1/up', Uint8Array.of(1, 2, 3), 'application/octet-stream', { acceptReply: (b) => b[0]! + b[1]! + b[2]! === b[3] }),
    expected: { status: 200, body: Uint8Array.of(1, 2, 3, 6) },
  },
  {
    name: 'sendSms (text verified against the echo before Ctrl-Z)',
    steps: [
      { expect: 'AT+CMGF=1\r', reply: [OK] },
      { expect: 'AT+CNMI=2,2,0,0,0\r', reply: [OK] },
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'AT+CMGS="+447700900123"\r', reply: [{ raw: bytes('AT+CMGS="+447700900123"\r') }, { prompt: true }] },
      { expect: 'Fall detected. Call back.', reply: [{ raw: bytes('Fall detected. Call back.') }] },
      { expect: '\x1a', reply: [{ pauseMs: 2000 }, L('+CMGS: 7'), OK] },
      { expect: 'ATE0\r', reply: [{ raw: bytes('ATE0\r') }, OK] },
    ],
    run: (m) => m.sendSms('+447700900123', 'Fall detected. Call back.'),
    expected: { messageRef: 7, parts: 1 },
  },
  {
    name: 'sendSms: garbled echo -> ESC (nothing sent), second attempt goes through',
    steps: [
      { expect: 'AT+CMGF=1\r', reply: [OK] },
      { expect: 'AT+CNMI=2,2,0,0,0\r', reply: [OK] },
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'AT+CMGS="112"\r', reply: [{ raw: bytes('AT+CMGS="112"\r') }, { prompt: true }] },
      { expect: 'Help', reply: [{ raw: bytes('Hel\xf0') }] },
      { expect: '\x1b', reply: [OK] },
      { expect: 'ATE0\r', reply: [OK] },
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'AT+CMGS="112"\r', reply: [{ raw: bytes('AT+CMGS="112"\r') }, { prompt: true }] },
      { expect: 'Help', reply: [{ raw: bytes('Help') }] },
      { expect: '\x1a', reply: [L('+CMGS: 8'), OK] },
      { expect: 'ATE0\r', reply: [OK] },
    ],
    run: (m) => m.sendSms('112', 'Help'),
    expected: { messageRef: 8, parts: 1 },
  },
  {
    name: 'sendSms: command echo garbled (number may be wrong) -> ESC before any text, retried',
    steps: [
      { expect: 'AT+CMGF=1\r', reply: [OK] },
      { expect: 'AT+CNMI=2,2,0,0,0\r', reply: [OK] },
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'AT+CMGS="112"\r', reply: [{ raw: bytes('AT+CMGS="1\xb12"\r') }, { prompt: true }] },
      { expect: '\x1b', reply: [OK] },
      { expect: 'ATE0\r', reply: [OK] },
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'AT+CMGS="112"\r', reply: [{ raw: bytes('AT+CMGS="112"\r') }, { prompt: true }] },
      { expect: 'Fall', reply: [{ raw: bytes('Fall') }] },
      { expect: '\x1a', reply: [L('+CMGS: 9'), OK] },
      { expect: 'ATE0\r', reply: [OK] },
    ],
    run: (m) => m.sendSms('112', 'Fall'),
    expected: { messageRef: 9, parts: 1 },
  },
  {
    name: 'sendSms: garbled echo, ESC not answered -> given up after 5 s (not 60), retried',
    steps: [
      { expect: 'AT+CMGF=1\r', reply: [OK] },
      { expect: 'AT+CNMI=2,2,0,0,0\r', reply: [OK] },
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'AT+CMGS="112"\r', reply: [{ raw: bytes('AT+CMGS="112"\r') }, { prompt: true }] },
      { expect: 'SOS', reply: [{ raw: bytes('S\xcfS') }] },
      { expect: '\x1b', reply: [] },
      { expect: '\x1b', reply: [] }, // once more when giving up, in case the first was lost
      { expect: 'ATE0\r', reply: [OK] },
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'AT+CMGS="112"\r', reply: [{ raw: bytes('AT+CMGS="112"\r') }, { prompt: true }] },
      { expect: 'SOS', reply: [{ raw: bytes('SOS') }] },
      { expect: '\x1a', reply: [L('+CMGS: 10'), OK] },
      { expect: 'ATE0\r', reply: [OK] },
    ],
    run: async (m) => {
      const t0 = m.scheduler.now();
      const r = await m.sendSms('112', 'SOS');
      return { ...r, quick: m.scheduler.now() - t0 < 7000 };
    },
    expected: { messageRef: 10, parts: 1, quick: true },
  },
  {
    name: 'sendSms: bare OK after Ctrl-Z (what ESC answers: a byte garbled into ESC aborted the entry) -> sent again',
    steps: [
      { expect: 'AT+CMGF=1\r', reply: [OK] },
      { expect: 'AT+CNMI=2,2,0,0,0\r', reply: [OK] },
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'AT+CMGS="112"\r', reply: [{ raw: bytes('AT+CMGS="112"\r') }, { prompt: true }] },
      { expect: 'SOS', reply: [{ raw: bytes('SOS') }] },
      { expect: '\x1a', reply: [OK] },
      { expect: 'ATE0\r', reply: [OK] },
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'AT+CMGS="112"\r', reply: [{ raw: bytes('AT+CMGS="112"\r') }, { prompt: true }] },
      { expect: 'SOS', reply: [{ raw: bytes('SOS') }] },
      { expect: '\x1a', reply: [{ pauseMs: 1500 }, L('+CMGS: 11'), OK] },
      { expect: 'ATE0\r', reply: [OK] },
    ],
    run: (m) => m.sendSms('112', 'SOS'),
    expected: { messageRef: 11, parts: 1 },
  },
  {
    name: 'sendSms: +CMGS line garbled beyond recognition, then OK -> sent (reference unknown), not sent twice',
    steps: [
      { expect: 'AT+CMGF=1\r', reply: [OK] },
      { expect: 'AT+CNMI=2,2,0,0,0\r', reply: [OK] },
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'AT+CMGS="112"\r', reply: [{ raw: bytes('AT+CMGS="112"\r') }, { prompt: true }] },
      { expect: 'SOS', reply: [{ raw: bytes('SOS') }] },
      { expect: '\x1a', reply: [{ pauseMs: 1500 }, L('+CMKS: 1'), OK] },
      { expect: 'ATE0\r', reply: [OK] },
    ],
    run: (m) => m.sendSms('112', 'SOS'),
    expected: { messageRef: null, parts: 1 },
  },
  {
    name: 'call answered',
    call: true,
    steps: [
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'ATD+447700900999;\r', reply: [{ raw: bytes('ATD+447700900999;\r') }, OK] },
      { expect: 'ATE0\r', reply: [{ raw: bytes('ATE0\r') }, OK] },
      { expect: 'AT+CLCC\r', reply: [L('+CLCC: 1,0,3,0,0,"+447700900999",145,""'), OK] },
      { expect: 'AT+CLCC\r', reply: [L('+CLCC: 1,0,0,0,0,"+447700900999",145,""'), OK] },
    ],
    run: async (m) => (await m.call('+447700900999')).outcome,
    expected: 'answered',
  },
  {
    name: 'call busy',
    call: true,
    steps: [
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'ATD112;\r', reply: [{ raw: bytes('ATD112;\r') }, OK, { pauseMs: 1500 }, L('BUSY')] },
      { expect: 'ATE0\r', reply: [OK] },
      { expect: 'AT+CLCC\r', reply: [L('+CLCC: 1,0,3,0,0,"112",129,""'), OK] },
    ],
    run: async (m) => (await m.call('112')).outcome,
    expected: 'busy',
  },
  {
    name: 'call: dial string echoed garbled -> hung up at once, dialled again',
    call: true,
    steps: [
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'ATD112;\r', reply: [{ raw: bytes('ATD1\xb12;\r') }, OK] },
      { expect: 'ATH\r', reply: [OK] },
      { expect: 'ATE0\r', reply: [OK] },
      { expect: 'ATE1\r', reply: [OK] },
      { expect: 'ATD112;\r', reply: [{ raw: bytes('ATD112;\r') }, OK] },
      { expect: 'ATE0\r', reply: [OK] },
      { expect: 'AT+CLCC\r', reply: [L('+CLCC: 1,0,0,0,0,"112",129,""'), OK] },
    ],
    run: async (m) => (await m.call('112')).outcome,
    expected: 'answered',
  },
  {
    name: 'hangUp',
    steps: [{ expect: 'ATH\r', reply: [OK] }],
    run: (m) => m.hangUp(),
    expected: undefined,
  },
  {
    name: 'phonebookRead',
    steps: [
      { expect: 'AT+CPBS="SM"\r', reply: [OK] },
      { expect: 'AT+CPBR=1,250\r', reply: [L('+CPBR: 1,"+447700900123",145,"Family"'), L('+CPBR: 2,"01632960000",129,"Clinic"'), L('+CPBR: 9,"112",129,"Emergency"'), OK] },
    ],
    run: (m) => m.phonebookRead(),
    expected: [
      { index: 1, number: '+447700900123', type: 145, name: 'Family' },
      { index: 2, number: '01632960000', type: 129, name: 'Clinic' },
      { index: 9, number: '112', type: 129, name: 'Emergency' },
    ],
  },
  {
    name: 'phonebookWrite',
    steps: [
      { expect: 'AT+CPBS="SM"\r', reply: [OK] },
      { expect: 'AT+CPBW=3,"+447700900111",145,"GP Surgery"\r', reply: [OK] },
    ],
    run: (m) => m.phonebookWrite(3, '+447700900111', 'GP Surgery'),
    expected: undefined,
  },
  {
    name: 'status',
    steps: [
      { expect: 'AT+CPIN?\r', reply: [L('+CPIN: READY'), OK] },
      { expect: 'AT+CREG?\r', reply: [L('+CREG: 2,1,"1A2B","00C3"'), OK] },
      { expect: 'AT+CREG?\r', reply: [L('+CREG: 2,1,"1A2B","00C3"'), OK] },
      { expect: 'AT+COPS?\r', reply: [L('+COPS: 0,2,"23415"'), OK] },
      { expect: 'AT+CSQ\r', reply: [L('+CSQ: 9,0'), OK] },
      { expect: 'AT+CGATT?\r', reply: [L('+CGATT: 1'), OK] },
      { expect: 'AT+SAPBR=2,1\r', reply: [L('+SAPBR: 1,1,"10.0.0.9"'), OK] },
    ],
    run: (m) => m.status(),
    expected: {
      sim: 'READY',
      registration: { state: 'home', lac: 0x1a2b, cellId: 0xc3 },
      location: { lai: { mcc: '234', mnc: '15', lac: 0x1a2b }, cellId: 0xc3 },
      signal: { rssi: 9, rssiDbm: -96, bars: 1, berClass: 0 },
      gprsAttached: true,
      bearer: { state: 'connected', ip: '10.0.0.9' },
    },
  },
];
