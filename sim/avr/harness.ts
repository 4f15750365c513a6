// One call to get an emulated Uno running a flash image with its USART as a host stream and its
// clock as a hal Scheduler: what the tests and the Firmata benchmark start from.
import { parseIntelHex } from './intel-hex.ts';
import { EmulatorScheduler } from './emulator-clock.ts';
import { EmulatedUno } from './uno.ts';
import { UsartStream } from './usart-stream.ts';

export interface EmulatedUnoRig {
  uno: EmulatedUno;
  clock: EmulatorScheduler;
  /** The host end of the USART (hand it to firmata-io / the johnny-five board target). */
  stream: UsartStream;
  stop(): void;
}

/** Loads an Intel HEX image into a fresh emulated Uno and starts it on the event loop. */
export function startEmulatedUno(hexText: string, opts: { sliceMs?: number; realTime?: boolean } = {}): EmulatedUnoRig {
  const img = parseIntelHex(hexText);
  if (!img.ok) throw new Error(`flash image: ${img.error.message}`);
  const uno = new EmulatedUno(img.image);
  const stream = new UsartStream(uno);
  const clock = new EmulatorScheduler(uno, { ...(opts.sliceMs !== undefined ? { sliceMs: opts.sliceMs } : {}), realTime: opts.realTime ?? false, afterSlice: () => stream.flush() });
  clock.start();
  return {
    uno,
    clock,
    stream,
    stop() {
      clock.stop();
      stream.destroy();
    },
  };
}
