// `bsn-care sim800`: the simulated SIM800 on a serial port (a pty from socat, or a USB-serial
// adapter looped to a real board), on wall time. For testing `bsn-care modem` and the firmware
// without a modem. HTTP POSTs go to a built-in acknowledging endpoint, or to --forward URL.
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.ts';
import { NodeSerial, SerialOpenError } from '../../hal/targets/node-serial.ts';
import { WallClock } from '../../hal/targets/wall-clock.ts';
import { Rng } from '../../sim/rng.ts';
import { NetworkModel, type Cell, type HttpEndpoint } from '../../sim/sim800/network.ts';
import { TelephonyModel } from '../../sim/sim800/telephony.ts';
import { Sim800Model } from '../../sim/sim800/model.ts';

const usage = `Usage: bsn-care sim800 --port PATH [options]

Runs the simulated SIM800 modem on a serial port until interrupted (testing aid).

Options:
  --port PATH        serial device or pty (required)
  --baud N           line speed (default 9600)
  --seed N           random seed (default 1)
  --cell MCC,MNC,LAC,CI   serving cell, LAC and CI in hex (default 234,15,1A2B,00C3)
  --rssi N           +CSQ signal 0..31 (default 18)
  --boot-ms N        time to RDY after start (default 500)
  --forward URL      pass HTTP POSTs on to this server (the request's path on URL's host, with the
                     serving cell in the headers the BSN-Care server reads, as the operator's
                     network would add them); default: answer 200 "ok <n> bytes"
  --log              print each AT command received to stderr`;

/** The serving network's view of the cell, as the BSN-Care server reads it (server/app.ts). */
export const SERVING_LAI_HEADER = 'x-bsn-serving-lai';
export const SERVING_CELL_HEADER = 'x-bsn-serving-cell';

/**
 * GPRS to a real HTTP server: the modem's URL keeps its path and query, its scheme, host and port
 * become the forward target's. A server that cannot be reached gives the modem's 601 (network
 * error), as an unreachable host does on GPRS.
 */
export function forwardingEndpoint(target: string, cell: Cell): HttpEndpoint {
  const base = new URL(target);
  return {
    async post(url, body, contentType) {
      const u = new URL(url);
      const to = new URL(u.pathname + u.search, base);
      const res = await fetch(to, {
        method: 'POST',
        body: Buffer.from(body),
        headers: {
          'content-type': contentType,
          [SERVING_LAI_HEADER]: `${cell.mcc}-${cell.mnc}-0x${cell.lac.toString(16).padStart(4, '0')}`,
          [SERVING_CELL_HEADER]: `0x${cell.ci.toString(16)}`,
        },
      });
      return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
    },
  };
}

export const command: Command = {
  name: 'sim800',
  summary: '(testing) run the simulated SIM800 modem on a serial port / pty',
  usage,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        baud: { type: 'string', default: '9600' },
        seed: { type: 'string', default: '1' },
        cell: { type: 'string', default: '234,15,1A2B,00C3' },
        rssi: { type: 'string', default: '18' },
        'boot-ms': { type: 'string', default: '500' },
        forward: { type: 'string' },
        log: { type: 'boolean', default: false },
      },
    });
    if (!values.port) throw new UsageError('--port PATH is required');
    const [mcc, mnc, lac, ci] = values.cell.split(',');
    if (!/^\d{3}$/.test(mcc ?? '') || !/^\d{2,3}$/.test(mnc ?? '') || !/^[0-9a-f]{1,4}$/i.test(lac ?? '') || !/^[0-9a-f]{1,4}$/i.test(ci ?? '')) {
      throw new UsageError('--cell MCC,MNC,LAC,CI e.g. 234,15,1A2B,00C3');
    }
    const clock = new WallClock();
    const port = new NodeSerial(values.port, () => clock.now());
    try {
      await port.open(Number(values.baud));
    } catch (err) {
      if (err instanceof SerialOpenError) {
        process.stderr.write(`bsn-care sim800: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    const forward = values.forward;
    const cell = { mcc: mcc!, mnc: mnc!, lac: parseInt(lac!, 16), ci: parseInt(ci!, 16) };
    const endpoint: HttpEndpoint = forward ? forwardingEndpoint(forward, cell) : { post: async (_url, body) => ({ status: 200, body: new TextEncoder().encode(`ok ${body.length} bytes`) }) };
    const rng = new Rng(Number(values.seed));
    const network = new NetworkModel(clock, rng.fork('network'), { cell, rssi: Number(values.rssi), endpoint, registrationDelayMs: 300 });
    const telephony = new TelephonyModel(rng.fork('telephony'), { defaultBehaviour: { answerProbability: 1, answerDelayMs: [2000, 4000], talkMs: 5000 } });
    telephony.onSms((s) => process.stderr.write(`sim800: SMS to ${s.number}: ${s.text}\n`));
    const model = new Sim800Model(port, clock, { rng: rng.fork('model'), network, telephony, bootMs: Number(values['boot-ms']) });
    process.stdout.write(`sim800: listening on ${values.port} at ${values.baud} baud\n`);
    let logged = 0;
    const logTimer = values.log ? setInterval(() => {
      for (; logged < model.commandLog.length; logged++) process.stderr.write(`sim800: < ${model.commandLog[logged]}\n`);
    }, 50) : undefined;
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    if (logTimer) clearInterval(logTimer);
    await port.close();
    return 0;
  },
};
