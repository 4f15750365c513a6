// Arduino Uno pin names to ATmega328P ports: D0–D7 are PD0–PD7, D8–D13 are PB0–PB5, A0–A5 are
// PC0–PC5 (ADC channels 0–5; A4/A5 double as the TWI's SDA/SCL).

export type AvrPortName = 'B' | 'C' | 'D';
export interface AvrPinRef {
  port: AvrPortName;
  bit: number;
}

const DIGITAL = /^D(\d{1,2})$/;
const ANALOG = /^A([0-5])$/;

/** The port and bit behind an Uno pin name, or null for a name the Uno does not have. */
export function unoPin(name: string): AvrPinRef | null {
  const d = DIGITAL.exec(name);
  if (d) {
    const n = Number(d[1]);
    if (n <= 7) return { port: 'D', bit: n };
    if (n <= 13) return { port: 'B', bit: n - 8 };
    return null;
  }
  const a = ANALOG.exec(name);
  if (a) return { port: 'C', bit: Number(a[1]) };
  return null;
}

/** Firmata's pin number for an Uno pin name (digital n = n; A0–A5 = 14–19). */
export function firmataPinNumber(name: string): number | null {
  const d = DIGITAL.exec(name);
  if (d && Number(d[1]) <= 13) return Number(d[1]);
  const a = ANALOG.exec(name);
  return a ? 14 + Number(a[1]) : null;
}
