// `bsn-care modem`: talk to a real SIM800 on a serial port (or the simulated one on a pty):
// status, SMS, a voice call, the SIM phonebook.
import { parseArgs } from 'node:util';
import { UsageError, type Command } from '../command.ts';
import { NodeSerial, SerialOpenError } from '../../hal/targets/node-serial.ts';
import { WallClock } from '../../hal/targets/wall-clock.ts';
import { Sim800 } from '../../firmware/modem/sim800.ts';
import { ModemError, ModemLineError, ModemProtocolError, ModemTimeout } from '../../firmware/modem/errors.ts';

const usage = `Usage: bsn-care modem --port PATH [--baud N] [--json] ACTION

Actions:
  status                          SIM state, registration, LAI and cell id, signal, GPRS attach
  sms NUMBER TEXT                 send an SMS in text mode (printable ASCII, up to 160 characters)
  call NUMBER [--answer-timeout S] place a voice call, wait for answer/busy/no answer, hang up
  phonebook [list]                list the SIM phonebook
  phonebook write INDEX NUMBER NAME
  phonebook delete INDEX

Options:
  --port PATH     serial device, e.g. /dev/ttyUSB0 (required)
  --baud N        line speed (default 9600)
  --json          print the result as JSON
  --pdu           send SMS in PDU mode (checked by the modem; safer on a noisy line)
  --answer-timeout S   seconds to wait for a callee to answer (default 45)

Exit codes: 0 ok, 1 port or modem failure, 2 usage error.`;

export const command: Command = {
  name: 'modem',
  summary: 'SIM800 on a serial port: status, sms, call, phonebook',
  usage,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        baud: { type: 'string', default: '9600' },
        json: { type: 'boolean', default: false },
        'answer-timeout': { type: 'string', default: '45' },
        pdu: { type: 'boolean', default: false },
      },
    });
    if (!values.port) throw new UsageError('--port PATH is required');
    const baud = Number(values.baud);
    if (!Number.isInteger(baud) || baud < 300 || baud > 921_600) throw new UsageError(`bad --baud ${values.baud}`);
    const [action = 'status', ...rest] = positionals;
    const op = parseAction(action, rest, Number(values['answer-timeout']));
    const print = (human: string, data: unknown) => process.stdout.write(values.json ? JSON.stringify(data, null, 2) + '\n' : human + '\n');

    const clock = new WallClock();
    const port = new NodeSerial(values.port, () => clock.now());
    try {
      await port.open(baud);
    } catch (err) {
      if (err instanceof SerialOpenError) {
        process.stderr.write(`bsn-care modem: ${err.message}\n`);
        if (values.json) print('', { ok: false, error: err.reason, message: err.message });
        return 1;
      }
      throw err;
    }
    const modem = new Sim800(port, clock, { baud, syncAttempts: 6, smsMode: values.pdu ? 'pdu' : 'text' });
    try {
      await modem.init();
      const result = await op(modem);
      print(result.human, { ok: true, ...result.data });
      return 0;
    } catch (err) {
      const known = err instanceof ModemTimeout || err instanceof ModemError || err instanceof ModemLineError || err instanceof ModemProtocolError || err instanceof RangeError;
      if (!known) throw err;
      const message = err instanceof ModemTimeout && err.command.startsWith('AT (sync)') ? `no answer from a modem on ${values.port} at ${baud} baud (powered? wiring? baud?)` : err.message;
      process.stderr.write(`bsn-care modem: ${message}\n`);
      if (values.json) print('', { ok: false, error: err.name, message });
      return 1;
    } finally {
      modem.at.detach();
      await port.close();
    }
  },
};

type Op = (m: Sim800) => Promise<{ human: string; data: Record<string, unknown> }>;

function parseAction(action: string, rest: string[], answerTimeoutS: number): Op {
  switch (action) {
    case 'status':
      if (rest.length) throw new UsageError('status takes no arguments');
      return async (m) => {
        const s = await m.status();
        const loc = s.location ? `LAI ${s.location.lai.mcc}-${s.location.lai.mnc}-${s.location.lai.lac.toString(16).toUpperCase()} cell ${s.location.cellId.toString(16).toUpperCase()}` : 'no location';
        const human = [
          `SIM:          ${s.sim}`,
          `registration: ${s.registration.state}`,
          `location:     ${loc}`,
          `signal:       ${s.signal.rssiDbm === null ? 'unknown' : `${s.signal.rssiDbm} dBm`} (${s.signal.bars}/4 bars, rssi ${s.signal.rssi})`,
          `GPRS:         ${s.gprsAttached ? 'attached' : 'detached'}, bearer ${s.bearer.state}${s.bearer.ip ? ` ${s.bearer.ip}` : ''}`,
        ].join('\n');
        return { human, data: { status: s } };
      };
    case 'sms': {
      const [number, text, ...more] = rest;
      if (!number || text === undefined || more.length) throw new UsageError('sms NUMBER TEXT (quote the text)');
      return async (m) => {
        const r = await m.sendSms(number, text);
        return { human: `sent to ${number} (message reference ${r.messageRef ?? 'unknown'})`, data: { sms: { number, messageRef: r.messageRef } } };
      };
    }
    case 'call': {
      const [number, ...more] = rest;
      if (!number || more.length) throw new UsageError('call NUMBER');
      if (!(answerTimeoutS > 0)) throw new UsageError('--answer-timeout must be > 0 seconds');
      return async (m) => {
        const r = await m.call(number, { answerTimeoutMs: answerTimeoutS * 1000 });
        if (r.outcome === 'answered') await m.hangUp();
        return { human: `${number}: ${r.outcome} after ${(r.elapsedMs / 1000).toFixed(1)} s`, data: { call: { number, ...r } } };
      };
    }
    case 'phonebook': {
      const [sub = 'list', ...args] = rest;
      if (sub === 'list' && args.length === 0) {
        return async (m) => {
          const entries = await m.phonebookRead();
          const human = entries.length ? entries.map((e) => `${String(e.index).padStart(3)}  ${e.number.padEnd(16)} ${e.name}`).join('\n') : '(phonebook empty)';
          return { human, data: { phonebook: entries } };
        };
      }
      if (sub === 'write' && args.length === 3) {
        const [idx, number, name] = args as [string, string, string];
        const index = Number(idx);
        return async (m) => {
          await m.phonebookWrite(index, number, name);
          return { human: `entry ${index} written`, data: { written: { index, number, name } } };
        };
      }
      if (sub === 'delete' && args.length === 1) {
        const index = Number(args[0]);
        return async (m) => {
          await m.phonebookDelete(index);
          return { human: `entry ${index} deleted`, data: { deleted: index } };
        };
      }
      throw new UsageError('phonebook [list] | phonebook write INDEX NUMBER NAME | phonebook delete INDEX');
    }
    default:
      throw new UsageError(`unknown action '${action}' (status, sms, call, phonebook)`);
  }
}
