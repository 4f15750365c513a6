// A test double for the Uno's bootloader: the STK500v1 subset that optiboot implements and that
// avrdude's `arduino` programmer speaks, over a pty. It keeps a 32 KiB flash so a test can check
// that what avrdude wrote is the image. Command bytes (STK500 v1 protocol, AVR061): every
// command ends with CRC_EOP 0x20 and is answered STK_INSYNC 0x14 … STK_OK 0x10.
const INSYNC = 0x14;
const OK = 0x10;
const EOP = 0x20;
/** ATmega328P signature. */
const SIGNATURE = [0x1e, 0x95, 0x0f];

export interface Stk500Stats {
  syncs: number;
  pagesWritten: number;
  pagesRead: number;
  commands: number;
}

export class Stk500Responder {
  readonly flash = new Uint8Array(32 * 1024).fill(0xff);
  readonly eeprom = new Uint8Array(1024).fill(0xff);
  readonly stats: Stk500Stats = { syncs: 0, pagesWritten: 0, pagesRead: 0, commands: 0 };
  private buf: number[] = [];
  private wordAddress = 0;

  constructor(private readonly send: (bytes: Uint8Array) => void) {}

  /** Bytes from the host (avrdude). */
  receive(chunk: Uint8Array): void {
    for (const b of chunk) this.buf.push(b);
    for (;;) {
      const n = this.commandLength();
      if (n === null || this.buf.length < n) return;
      const cmd = this.buf.splice(0, n);
      this.stats.commands++;
      if (cmd[n - 1] !== EOP) {
        this.send(Uint8Array.of(0x15)); // STK_NOSYNC
        continue;
      }
      this.execute(cmd);
    }
  }

  /** Length of the command at the head of the buffer, including EOP; null if not yet known. */
  private commandLength(): number | null {
    const b = this.buf;
    if (b.length === 0) return null;
    switch (b[0]) {
      case 0x30: case 0x50: case 0x51: case 0x75: case 0x52: return 2;
      case 0x41: return 3;
      case 0x55: return 4;
      case 0x56: return 6;
      case 0x45: return 7;
      case 0x42: return 22;
      case 0x64: {
        if (b.length < 3) return null;
        return 5 + ((b[1]! << 8) | b[2]!);
      }
      case 0x74: return 5;
      default:
        // Unknown byte: drop it (optiboot would wait for EOP and answer NOSYNC).
        b.shift();
        return this.commandLength();
    }
  }

  private execute(cmd: number[]): void {
    const reply = (...body: number[]): void => this.send(Uint8Array.from([INSYNC, ...body, OK]));
    switch (cmd[0]) {
      case 0x30: this.stats.syncs++; return reply();
      case 0x41: return reply(cmd[1] === 0x81 ? 8 : cmd[1] === 0x82 ? 0 : 3); // optiboot 8.0
      case 0x55: this.wordAddress = cmd[1]! | (cmd[2]! << 8); return reply();
      case 0x56: return reply(0x00);
      case 0x64: {
        const len = (cmd[1]! << 8) | cmd[2]!;
        const data = cmd.slice(4, 4 + len);
        const mem = cmd[3] === 0x45 ? this.eeprom : this.flash;
        const at = cmd[3] === 0x45 ? this.wordAddress : this.wordAddress * 2;
        mem.set(data, at);
        this.stats.pagesWritten++;
        return reply();
      }
      case 0x74: {
        const len = (cmd[1]! << 8) | cmd[2]!;
        const mem = cmd[3] === 0x45 ? this.eeprom : this.flash;
        const at = cmd[3] === 0x45 ? this.wordAddress : this.wordAddress * 2;
        this.stats.pagesRead++;
        return reply(...mem.subarray(at, at + len));
      }
      case 0x75: return reply(...SIGNATURE);
      default: return reply(); // SET_DEVICE, SET_DEVICE_EXT, ENTER/LEAVE_PROGMODE, CHIP_ERASE
    }
  }
}
