// The emulated Uno's USART as a Node duplex stream: the in-process stand-in for the USB-serial
// port a host opens. What the host writes goes to the USART receiver (paced at the sketch's baud
// rate by the emulator); what the sketch transmits is collected and pushed to the host after each
// emulator slice. firmata-io takes it as its transport.
import { Duplex } from 'node:stream';
import type { EmulatedUno } from './uno.ts';

export class UsartStream extends Duplex {
  private pending: number[] = [];
  private readonly unsubscribe: () => void;

  constructor(private readonly uno: EmulatedUno) {
    super();
    this.unsubscribe = uno.onTransmit((b) => this.pending.push(b));
    queueMicrotask(() => this.emit('open'));
  }

  /** Delivers the bytes transmitted since the last flush (call after each emulator slice). */
  flush(): void {
    if (this.pending.length === 0) return;
    const chunk = Buffer.from(this.pending);
    this.pending = [];
    this.push(chunk);
  }

  override _read(): void {
    // Data is pushed by flush(); nothing to pull.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.uno.hostWrite(chunk);
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.unsubscribe();
    done(error);
  }
}
