// `bsn-care run --board PATH --modem PATH`: the device firmware on real hardware. The Uno runs
// Firmata (bsn-care flash); this process is the firmware's host, talking to the board through
// johnny-five, to the modem through a host serial port (USB-RS232 adapter into the MAX232) or the
// board's Firmata serial passthrough (`--modem firmata`, StandardFirmataPlus 2.5+).
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { UsageError, type Command } from '../command.ts';
import type { Scheduler } from '../../hal/clock.ts';
import type { SerialPort } from '../../hal/serial.ts';
import { FirmataTimeoutError, JohnnyFiveBoard, closeTransport } from '../../hal/targets/johnny-five-board.ts';
import { PortOpenError, openSerialStream } from '../../hal/targets/firmata-transport.ts';
import { NodeSerial, SerialOpenError } from '../../hal/targets/node-serial.ts';
import { WallClock } from '../../hal/targets/wall-clock.ts';
import { DeviceConfigError, SensingDevice, type DeviceConfig, type DeviceEvent } from '../../firmware/sensing/device.ts';

export type LcdChoice = 'pcf8574' | 'parallel';
export type CuffChoice = 'none' | 'dc' | 'oscillation';

/** One line per device event, as `bsn-care sim` prints them. */
export function describeEvent(e: DeviceEvent): string {
  const t = `${(e.atMs / 1000).toFixed(1)} s`;
  switch (e.kind) {
    case 'alarm': return `${t}  ** alarm ${e.change}: ${e.alarm.condition} (${e.alarm.level}) ${e.alarm.detail}`;
    case 'fault': return `${t}  ** fault: ${e.channel} ${e.fault}`;
    case 'fault-cleared': return `${t}  ** fault cleared: ${e.channel} ${e.fault}`;
    case 'notice': return `${t}  note: ${e.text}`;
    case 'blood-pressure':
      return `${t}  ** cuff: ${e.result.kind === 'reading' ? `${e.result.systolicMmHg.toFixed(0)}/${e.result.diastolicMmHg.toFixed(0)} mmHg` : `fault ${e.result.fault}`}`;
  }
}

/** The device configuration for the hardware's fit (LCD wiring, cuff). */
export function deviceConfig(lcd: LcdChoice, cuff: CuffChoice): DeviceConfig {
  return {
    lcd: lcd === 'pcf8574' ? { kind: 'backpack' } : { kind: 'parallel' },
    ...(cuff === 'none' ? {} : { cuff: { oscillationChannel: cuff === 'oscillation' } }),
  };
}

export interface HardwareOptions {
  boardPath: string;
  /** A host serial port path, or 'firmata' for the board's passthrough. */
  modem: string;
  readyTimeoutMs: number;
  storeDir?: string;
  scheduler?: Scheduler;
  /** Stand-in for opening the board's port (tests hand in other streams). */
  openBoard?: (path: string) => Promise<Duplex>;
}

/** Opens the ports and completes the Firmata handshake; typed errors for each way it can fail. */
export async function connectHardware(opts: HardwareOptions): Promise<JohnnyFiveBoard> {
  let modemSerial: SerialPort | undefined;
  if (opts.modem !== 'firmata') {
    // Probe the modem port now (missing, busy), so a wiring problem is reported before the board
    // is touched; the modem driver opens it at its own baud rate.
    const probe = new NodeSerial(opts.modem);
    await probe.open(115200);
    await probe.close();
    modemSerial = probe;
  }
  const transport = await (opts.openBoard ?? openSerialStream)(opts.boardPath);
  try {
    return await JohnnyFiveBoard.connect({
      transport,
      scheduler: opts.scheduler ?? new WallClock(),
      readyTimeoutMs: opts.readyTimeoutMs,
      ...(modemSerial ? { modemSerial } : {}),
      ...(opts.storeDir ? { storeDir: opts.storeDir } : {}),
    });
  } catch (e) {
    closeTransport(transport);
    throw e;
  }
}

export const command: Command = {
  name: 'run',
  summary: 'run the device firmware on a real Arduino (Firmata) and modem',
  usage: `Usage: bsn-care run --board PATH --modem PATH|firmata [--lcd pcf8574|parallel] [options]

Runs the same firmware as the simulator on real hardware (wiring.md): the Uno running Firmata
(flash it with bsn-care flash) on --board, the SIM800/SIM900 modem on --modem through a USB-RS232
adapter into the MAX232, or --modem firmata for the board's serial passthrough (D2 RX, D3 TX;
needs StandardFirmataPlus 2.5 or later).

  --board PATH      the Uno's serial port (/dev/ttyACM0)
  --modem PATH      the modem's serial port (/dev/ttyUSB0), or 'firmata'
  --lcd KIND        pcf8574 (I2C backpack at 0x27, default) or parallel (RS D12, E D9, D4-D7 on D4 D7 D3 D2)
  --cuff KIND       none (default: the cuff is never inflated unless asked), dc (pressure on A3 only),
                    or oscillation (also the amplifier on A4; needs --lcd parallel)
  --timeout S       seconds to wait for the board to answer Firmata (default 10)
  --store DIR       where the EEPROM and flash stand-ins live (default ~/.local/state/bsn-care)
  --duration S      stop after S seconds (default: run until Ctrl-C)`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        board: { type: 'string' },
        modem: { type: 'string' },
        lcd: { type: 'string' },
        cuff: { type: 'string' },
        timeout: { type: 'string' },
        store: { type: 'string' },
        duration: { type: 'string' },
      },
      allowPositionals: false,
    });
    if (!values.board) throw new UsageError('run needs --board PATH (the Uno\'s serial port)');
    if (!values.modem) throw new UsageError('run needs --modem PATH (the modem\'s serial port) or --modem firmata');
    const lcd = (values.lcd ?? 'pcf8574') as LcdChoice;
    if (lcd !== 'pcf8574' && lcd !== 'parallel') throw new UsageError(`--lcd must be pcf8574 or parallel, got ${values.lcd}`);
    const cuff = (values.cuff ?? 'none') as CuffChoice;
    if (cuff !== 'none' && cuff !== 'dc' && cuff !== 'oscillation') throw new UsageError(`--cuff must be none, dc or oscillation, got ${values.cuff}`);
    if (cuff === 'oscillation' && lcd === 'pcf8574') throw new UsageError('--cuff oscillation needs A4, which the LCD backpack uses as I2C SDA: use --lcd parallel');
    const timeoutS = values.timeout === undefined ? 10 : Number(values.timeout);
    if (!(timeoutS > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got ${values.timeout}`);
    const durationS = values.duration === undefined ? undefined : Number(values.duration);
    if (durationS !== undefined && !(durationS > 0)) throw new UsageError(`--duration must be a positive number of seconds, got ${values.duration}`);
    if (!existsSync(values.board)) throw new UsageError(`serial port ${values.board} does not exist (is the Uno plugged in? ls /dev/ttyACM* /dev/ttyUSB*)`);
    if (values.modem !== 'firmata' && !existsSync(values.modem)) throw new UsageError(`serial port ${values.modem} does not exist (is the USB-RS232 adapter plugged in?)`);
    const storeDir = values.store ?? join(homedir(), '.local', 'state', 'bsn-care');
    mkdirSync(storeDir, { recursive: true });

    let board: JohnnyFiveBoard;
    try {
      board = await connectHardware({ boardPath: values.board, modem: values.modem, readyTimeoutMs: timeoutS * 1000, storeDir });
    } catch (e) {
      if (e instanceof PortOpenError || e instanceof SerialOpenError || e instanceof FirmataTimeoutError) {
        process.stderr.write(`bsn-care run: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    const c = board.capabilities;
    process.stdout.write(`board: ${board.name}; analog every >= ${c.minSampleIntervalMs} ms, I2C ${c.i2c ? 'yes' : 'no'}, modem serial ${c.modemSerial ? 'yes' : 'no'}\n`);
    let lost = false;
    const connectionLost = new Promise<void>((resolve) => {
      // A pulled USB cable: serialport closes the stream (disconnected) or reports a read error.
      board.onConnectionLost(() => {
        lost = true;
        resolve();
      });
    });
    let device: SensingDevice;
    try {
      device = new SensingDevice(board, deviceConfig(lcd, cuff));
    } catch (e) {
      board.close();
      if (e instanceof DeviceConfigError) throw new UsageError(e.message);
      throw e;
    }
    device.onEvent((e) => process.stdout.write(`${describeEvent(e)}\n`));
    device.start();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      connectionLost,
      new Promise<void>((resolve) => {
        if (durationS !== undefined) timer = setTimeout(resolve, durationS * 1000);
        process.once('SIGINT', () => resolve());
      }),
    ]);
    clearTimeout(timer);
    device.stop();
    board.close();
    if (lost) {
      process.stderr.write(`bsn-care run: lost the connection to the board on ${values.board} (cable pulled? board reset?)\n`);
      return 1;
    }
    return 0;
  },
};
