// Intel HEX (the format avrdude and the Arduino IDE use for AVR flash images) to bytes. A decoder
// of outside input: it never throws, it returns a typed error naming the line.

export type IntelHexError =
  | { kind: 'syntax'; line: number; message: string }
  | { kind: 'checksum'; line: number; message: string }
  | { kind: 'range'; line: number; message: string };

export type IntelHexResult = { ok: true; image: Uint8Array; highestAddress: number } | { ok: false; error: IntelHexError };

/**
 * Decodes `text` into a flash image of `sizeBytes` (unwritten bytes 0xFF, as erased flash).
 * Supports record types 00 (data), 01 (EOF), 02 (extended segment) and 04 (extended linear).
 */
export function parseIntelHex(text: string, sizeBytes = 32 * 1024): IntelHexResult {
  const image = new Uint8Array(sizeBytes).fill(0xff);
  let base = 0;
  let highest = 0;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    const lineNo = n + 1;
    if (line === '') continue;
    if (!/^:([0-9A-Fa-f]{2})+$/.test(line) || line.length < 11) {
      return { ok: false, error: { kind: 'syntax', line: lineNo, message: `line ${lineNo} is not an Intel HEX record` } };
    }
    const bytes = new Uint8Array((line.length - 1) / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(line.slice(1 + 2 * i, 3 + 2 * i), 16);
    const count = bytes[0]!;
    if (bytes.length !== count + 5) {
      return { ok: false, error: { kind: 'syntax', line: lineNo, message: `line ${lineNo}: byte count ${count} does not match the record length` } };
    }
    let sum = 0;
    for (const b of bytes) sum = (sum + b) & 0xff;
    if (sum !== 0) return { ok: false, error: { kind: 'checksum', line: lineNo, message: `line ${lineNo}: checksum mismatch` } };
    const address = (bytes[1]! << 8) | bytes[2]!;
    const type = bytes[3]!;
    const data = bytes.subarray(4, 4 + count);
    if (type === 0x00) {
      const at = base + address;
      if (at + count > sizeBytes) {
        return { ok: false, error: { kind: 'range', line: lineNo, message: `line ${lineNo}: data at 0x${at.toString(16)} beyond ${sizeBytes} bytes` } };
      }
      image.set(data, at);
      highest = Math.max(highest, at + count);
    } else if (type === 0x01) {
      return { ok: true, image, highestAddress: highest };
    } else if (type === 0x02 && count === 2) {
      base = ((data[0]! << 8) | data[1]!) << 4;
    } else if (type === 0x04 && count === 2) {
      base = ((data[0]! << 8) | data[1]!) << 16;
    } else if (type !== 0x03 && type !== 0x05) {
      return { ok: false, error: { kind: 'syntax', line: lineNo, message: `line ${lineNo}: unsupported record type ${type}` } };
    }
  }
  return { ok: false, error: { kind: 'syntax', line: lines.length, message: 'no end-of-file record' } };
}
