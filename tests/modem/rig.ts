// A bench for driver tests: virtual clock, UART line (MAX232 both ends), SIM800 model with its
// network and telephony, and the firmware driver on the other end.
import { VirtualClock } from '../../sim/clock.ts';
import { Rng } from '../../sim/rng.ts';
import { UartLine, type UartLineOptions } from '../../sim/uart.ts';
import { NetworkModel, type HttpEndpoint, type NetworkOptions } from '../../sim/sim800/network.ts';
import { Sim800Model, type Sim800ModelOptions } from '../../sim/sim800/model.ts';
import { TelephonyModel, type TelephonyOptions } from '../../sim/sim800/telephony.ts';
import { Sim800, type Sim800Options } from '../../firmware/modem/sim800.ts';

export interface RigOptions {
  seed?: number;
  baud?: number;
  bitErrorRate?: number;
  network?: NetworkOptions;
  telephony?: TelephonyOptions;
  model?: Partial<Sim800ModelOptions>;
  driver?: Sim800Options;
  endpoint?: HttpEndpoint;
}

export async function makeRig(o: RigOptions = {}) {
  const clock = new VirtualClock();
  const rng = new Rng(o.seed ?? 1);
  const baud = o.baud ?? 115200;
  const lineOpts: UartLineOptions = o.bitErrorRate ? { bitErrorRate: o.bitErrorRate, rng: rng.fork('line') } : {};
  const line = new UartLine(clock, lineOpts, { name: 'uno' }, { name: 'sim800', rxFifoBytes: 1024 });
  await line.b.open(baud);
  const network = new NetworkModel(clock, rng.fork('network'), { ...(o.endpoint ? { endpoint: o.endpoint } : {}), ...o.network });
  const telephony = new TelephonyModel(rng.fork('telephony'), o.telephony);
  const model = new Sim800Model(line.b, clock, { rng: rng.fork('model'), network, telephony, bootMs: 2000, ...o.model });
  const modem = new Sim800(line.a, clock, { baud, ...o.driver });
  const run = <T>(p: Promise<T>, limitMs = 600_000) => runOn(clock, p, limitMs);
  return { clock, rng, line, network, telephony, model, modem, run };
}

/** Runs the clock until `p` settles (bounded by `limitMs` of virtual time); returns or throws its outcome. */
export async function runOn<T>(clock: VirtualClock, p: Promise<T>, limitMs = 600_000, stepMs = 50): Promise<T> {
  let settled = false;
  let value: T | undefined;
  let error: unknown;
  let failed = false;
  p.then(
    (v) => { settled = true; value = v; },
    (e) => { settled = true; failed = true; error = e; },
  );
  const end = clock.now() + limitMs;
  while (!settled && clock.now() < end) await clock.runFor(stepMs);
  if (!settled) throw new Error(`did not settle within ${limitMs} ms of virtual time`);
  if (failed) throw error;
  return value as T;
}
