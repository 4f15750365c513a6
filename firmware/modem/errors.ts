// Typed modem errors. A caller tells "the modem said no" (ModemError, with the 3GPP TS 27.007 /
// 27.005 code when known) from "the modem said nothing" (ModemTimeout) from "the line garbled the
// answer" (ModemLineError), because each has its own recovery.

/** A selection of +CME ERROR codes (3GPP TS 27.007 §9.2) with the verbose text SIM800 prints. */
export const CME_ERRORS: Readonly<Record<number, string>> = {
  0: 'phone failure',
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  12: 'SIM PUK required',
  13: 'SIM failure',
  14: 'SIM busy',
  16: 'incorrect password',
  20: 'memory full',
  21: 'invalid index',
  22: 'not found',
  24: 'text string too long',
  26: 'dial string too long',
  30: 'no network service',
  50: 'Incorrect parameters',
  100: 'unknown',
};

/** A selection of +CMS ERROR codes (3GPP TS 27.005 §3.2.5). */
export const CMS_ERRORS: Readonly<Record<number, string>> = {
  300: 'ME failure',
  302: 'operation not allowed',
  304: 'invalid PDU mode parameter',
  305: 'invalid text mode parameter',
  310: 'SIM not inserted',
  311: 'SIM PIN required',
  330: 'SMSC address unknown',
  331: 'no network service',
  332: 'network timeout',
  500: 'unknown error',
};

function codeForText(table: Readonly<Record<number, string>>, text: string): number | undefined {
  const t = text.trim().toLowerCase();
  for (const [code, s] of Object.entries(table)) if (s.toLowerCase() === t) return Number(code);
  return undefined;
}

export function cmeCodeForText(text: string): number | undefined {
  return codeForText(CME_ERRORS, text);
}
export function cmsCodeForText(text: string): number | undefined {
  return codeForText(CMS_ERRORS, text);
}

export class ModemTimeout extends Error {
  override readonly name = 'ModemTimeout';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
    /** The command's data (SMS text, TCP block) had been sent: it may have taken effect. */
    readonly dataSent = false,
  ) {
    super(`no final result to ${command} within ${timeoutMs} ms${dataSent ? ' (after its data was sent: outcome unknown)' : ''}`);
  }
}

export type ModemErrorKind = 'error' | 'cme' | 'cms' | 'no-carrier' | 'busy' | 'no-answer' | 'no-dialtone' | 'send-fail' | 'status';

export class ModemError extends Error {
  override readonly name = 'ModemError';
  constructor(
    readonly command: string,
    readonly kind: ModemErrorKind,
    /** The CME/CMS error code, when the modem gave it or its verbose text is known. */
    readonly code: number | undefined,
    readonly text: string,
  ) {
    super(`${command}: ${kind === 'cme' ? '+CME ERROR' : kind === 'cms' ? '+CMS ERROR' : kind.toUpperCase()}${code !== undefined ? ` ${code}` : ''}${text ? ` (${text})` : ''}`);
  }
}

/** The answer to a command arrived damaged (line overflow, framing/parity/overrun on the UART). */
export class ModemLineError extends Error {
  override readonly name = 'ModemLineError';
  constructor(readonly command: string, readonly reason: string) {
    super(`${command}: response damaged on the line (${reason})`);
  }
}

/** A reply that arrived intact but does not parse as the manual specifies. */
export class ModemProtocolError extends Error {
  override readonly name = 'ModemProtocolError';
  constructor(readonly command: string, readonly line: string) {
    super(`${command}: unexpected response ${JSON.stringify(line)}`);
  }
}
