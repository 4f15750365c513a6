// The AT commands the driver uses, as data: text, expected response prefix, timeout and retry
// policy. Timeouts are the "Max Response Time" of the SIMCom "SIM800 Series AT Command Manual"
// V1.09 (chapter or section given); where the manual gives none, 1 s, which the module meets for
// commands answered from local state.
import type { FinalSet, ResponseContext } from './digester.ts';

export interface AtCommand extends Omit<ResponseContext, 'command'> {
  /** Short name for logs and errors. */
  name: string;
  /** Command text; the engine appends call-time arguments. */
  text: string;
  /** Time allowed for the final result code, ms. */
  timeoutMs: number;
  /**
   * Extra attempts after a timeout, a damaged response or a plain ERROR (which a command
   * garbled on the way in also gets). Zero for commands whose repetition has effects outside the
   * modem (an SMS, a call, an HTTP request).
   */
  retries: number;
  finals?: FinalSet;
  /**
   * An OK final whose response was damaged on the line is still success (with `damaged` set):
   * the modem acted (SMS sent, call placed, request started) and must not be asked twice.
   */
  acceptDamaged?: boolean;
  /**
   * An OK without a `prefix` line is not an answer (a late OK of an earlier, timed-out command
   * can arrive just then): treated as a damaged response and retried.
   */
  requiresResponse?: boolean;
}

const S = 1000;
const plain = (name: string, text: string, timeoutMs = 1 * S, retries = 2): AtCommand => ({ name, text, timeoutMs, retries });

/** +CREG: <n>,<stat>[,...] answers AT+CREG?; the URC +CREG: <stat>[,...] has one number first. */
const twoNumbersFirst = (line: string) => /^\+C(G)?REG: \d+,\d+/.test(line);

export const AT = {
  // §2.2 V.25TER: answered at once.
  at: plain('AT', 'AT', 500, 0),
  echoOff: plain('ATE0', 'ATE0'),
  echoOn: plain('ATE1', 'ATE1'),
  // ch. 3 (27.007 commands) AT+CMEE: 2 = verbose +CME ERROR texts.
  verboseErrors: plain('CMEE', 'AT+CMEE=2'),
  // ch. 3 (27.007 commands) AT+CFUN: 10 s.
  cfun: plain('CFUN', 'AT+CFUN=', 10 * S, 0),
  // ch. 3 (27.007 commands) AT+CPIN: 5 s.
  cpinQuery: { ...plain('CPIN?', 'AT+CPIN?', 5 * S), prefix: '+CPIN:', maxResponses: 1, requiresResponse: true },
  cpinEnter: plain('CPIN', 'AT+CPIN=', 5 * S, 0),
  // ch. 3 (27.007 commands) AT+CREG: no figure given.
  cregMode: plain('CREG=', 'AT+CREG='),
  cregQuery: { ...plain('CREG?', 'AT+CREG?'), prefix: '+CREG:', isResponse: twoNumbersFirst, maxResponses: 1, requiresResponse: true },
  cgattQuery: { ...plain('CGATT?', 'AT+CGATT?', 10 * S), prefix: '+CGATT:', maxResponses: 1, requiresResponse: true },
  // ch. 3 (27.007 commands) AT+COPS: 120 s (network scan); AT+COPS=3,2 only sets the format.
  copsFormat: plain('COPS=3', 'AT+COPS=3,2', 120 * S),
  copsQuery: { ...plain('COPS?', 'AT+COPS?', 120 * S), prefix: '+COPS:', maxResponses: 1, requiresResponse: true },
  // ch. 3 (27.007 commands) AT+CSQ: no figure given.
  csq: { ...plain('CSQ', 'AT+CSQ'), prefix: '+CSQ:', maxResponses: 1, requiresResponse: true },
  // §9.2.1 AT+SAPBR: 85 s to open a bearer, 65 s to close it.
  sapbrSet: plain('SAPBR=3', 'AT+SAPBR=3,1,'),
  sapbrOpen: plain('SAPBR=1', 'AT+SAPBR=1,1', 85 * S, 1),
  sapbrQuery: { ...plain('SAPBR=2', 'AT+SAPBR=2,1'), prefix: '+SAPBR:', maxResponses: 1, requiresResponse: true },
  sapbrClose: plain('SAPBR=0', 'AT+SAPBR=0,1', 65 * S, 1),
  // ch. 10 HTTP application commands: local operations, answered at once.
  httpInit: plain('HTTPINIT', 'AT+HTTPINIT', 1 * S, 1),
  httpPara: plain('HTTPPARA', 'AT+HTTPPARA='),
  // HTTPDATA=<size>,<time>: DOWNLOAD, then <size> bytes within <time>; timeout set per call.
  httpData: { ...plain('HTTPDATA', 'AT+HTTPDATA=', 12 * S, 2), prompt: 'download' as const },
  // HTTPACTION answers OK at once; the result comes later as the +HTTPACTION URC.
  httpAction: { ...plain('HTTPACTION', 'AT+HTTPACTION=', 1 * S, 0), acceptDamaged: true },
  httpRead: {
    ...plain('HTTPREAD', 'AT+HTTPREAD=', 5 * S),
    prefix: '+HTTPREAD:',
    maxResponses: 1,
    rawLength: (line: string) => {
      const m = /^\+HTTPREAD: (\d+)$/.exec(line);
      return m ? Number(m[1]) : undefined;
    },
  },
  httpTerm: plain('HTTPTERM', 'AT+HTTPTERM'),
  httpStatus: { ...plain('HTTPSTATUS?', 'AT+HTTPSTATUS?'), prefix: '+HTTPSTATUS:', maxResponses: 1, requiresResponse: true },
  // §8.2 TCP/IP (single connection, AT+CIPMUX=0; data fetched with AT+CIPRXGET=2 so it is
  // length-delimited and binary-safe).
  cipShut: { ...plain('CIPSHUT', 'AT+CIPSHUT', 65 * S, 1), okLine: /^SHUT OK$/ },
  cipMux: plain('CIPMUX', 'AT+CIPMUX=0'),
  cipRxGetMode: plain('CIPRXGET=1', 'AT+CIPRXGET=1'),
  cstt: plain('CSTT', 'AT+CSTT='),
  // §8.2 AT+CIICR: 85 s to bring up the wireless connection.
  ciicr: plain('CIICR', 'AT+CIICR', 85 * S, 0),
  // AT+CIFSR answers with the local address alone, no OK.
  cifsr: { ...plain('CIFSR', 'AT+CIFSR'), okLine: /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/ },
  // §8.2.2 AT+CIPSTART: OK, then CONNECT OK / CONNECT FAIL within 75 s (160 s from IP INITIAL).
  cipStart: plain('CIPSTART', 'AT+CIPSTART=', 1 * S, 0),
  // §8.2.3 AT+CIPSEND=<length>: "> ", the data, then SEND OK / SEND FAIL.
  cipSend: { ...plain('CIPSEND', 'AT+CIPSEND=', 60 * S, 0), prompt: 'prompt' as const, finals: 'send' as const, acceptDamaged: true },
  cipRxGet: {
    // Reading takes the data out of the modem's buffer: never repeated, damage is reported.
    ...plain('CIPRXGET=2', 'AT+CIPRXGET=2,', 5 * S, 0),
    acceptDamaged: true,
    prefix: '+CIPRXGET: 2,',
    maxResponses: 1,
    requiresResponse: true,
    rawLength: (line: string) => {
      const m = /^\+CIPRXGET: 2,(\d+),\d+$/.exec(line);
      return m ? Number(m[1]) : undefined;
    },
  },
  cipClose: { ...plain('CIPCLOSE', 'AT+CIPCLOSE', 5 * S, 0), okLine: /^CLOSE OK$/ },
  // ch. 4 (27.005 SMS) AT+CMGF, AT+CMGS: 60 s for the network to accept the message.
  smsTextMode: plain('CMGF', 'AT+CMGF=1'),
  smsPduMode: plain('CMGF=0', 'AT+CMGF=0'),
  // New messages straight to the host as +CMT URCs (not stored on the SIM).
  smsRouting: plain('CNMI', 'AT+CNMI=2,2,0,0,0'),
  // "+CMGS: <mr>" alone proves the message went: it ends the command (a lost OK then matters not).
  cmgs: { ...plain('CMGS', 'AT+CMGS=', 60 * S, 0), prefix: '+CMGS:', maxResponses: 1, prompt: 'prompt' as const, acceptDamaged: true, okLine: /^\+CMGS: \d+$/ },
  // §2.2.3 ATD: voice call set-up; OK arrives when dialling starts, call progress as URCs.
  dial: { ...plain('ATD', 'ATD', 60 * S, 0), finals: 'dial' as const, acceptDamaged: true },
  // ch. 2 (V.25TER) ATH: 20 s.
  hangUp: plain('ATH', 'ATH', 20 * S, 1),
  clcc: { ...plain('CLCC', 'AT+CLCC'), prefix: '+CLCC:' },
  // ch. 3 (27.007 commands) phonebook: SIM access; the manual gives no figure, so a margin for slow SIMs.
  cpbs: plain('CPBS', 'AT+CPBS=', 5 * S),
  cpbr: { ...plain('CPBR', 'AT+CPBR=', 15 * S), prefix: '+CPBR:' },
  cpbw: plain('CPBW', 'AT+CPBW=', 5 * S),
} satisfies Record<string, AtCommand>;
