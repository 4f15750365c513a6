// `bsn-care run --board PATH --modem PATH --server URL`: the device firmware on real hardware. The
// Uno runs Firmata (bsn-care flash); this process is the firmware's host, talking to the board
// through johnny-five, to the modem through a host serial port (USB-RS232 adapter into the MAX232)
// or the board's Firmata serial passthrough (`--modem firmata`, StandardFirmataPlus 2.5+). The
// sensing device and the uplink are the simulator's (firmware/sensing/device.ts,
// firmware/uplink/lpu-uplink.ts); the LPU's EEPROM and flash are files on the host
// (hal/targets/host-store.ts), where `--credential FILE` from `bsn-care provision` is loaded.
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { UsageError, type Command } from '../command.ts';
import { PinError } from '../../hal/board.ts';
import type { Scheduler } from '../../hal/clock.ts';
import type { NonVolatileStore } from '../../hal/storage.ts';
import { FirmataTimeoutError, JohnnyFiveBoard, closeTransport } from '../../hal/targets/johnny-five-board.ts';
import { PortOpenError, openSerialStream } from '../../hal/targets/firmata-transport.ts';
import { openHostStores, StoreBusyError, type HostStores } from '../../hal/targets/host-store.ts';
import { NodeSerial, SerialOpenError } from '../../hal/targets/node-serial.ts';
import { PASSTHROUGH_READ_CHUNK_BYTES } from '../../hal/targets/firmata-serial.ts';
import { WallClock } from '../../hal/targets/wall-clock.ts';
import { constantTimeEqual } from '../../protocol/ct.ts';
import { decodeLpuCredential } from '../../protocol/credential.ts';
import { DeviceConfigError, SensingDevice, type DeviceConfig, type DeviceEvent } from '../../firmware/sensing/device.ts';
import { Sim800 } from '../../firmware/modem/sim800.ts';
import { loadCredential, writeCredential, type CredentialStores } from '../../firmware/uplink/credential-store.ts';
import { composeLpuUplink } from '../../firmware/uplink/lpu-uplink.ts';

export type LcdChoice = 'pcf8574' | 'parallel';

/** ECG rate with `--modem firmata` (see runDevice). */
export const PASSTHROUGH_ECG_HZ = 100;
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
  /** The modem link's baud rate (the host port is opened at it). */
  modemBaud: number;
  readyTimeoutMs: number;
  stores?: { eeprom: NonVolatileStore; flash: NonVolatileStore };
  scheduler?: Scheduler;
  /** Stand-in for opening the board's port (tests hand in other streams). */
  openBoard?: (path: string) => Promise<Duplex>;
}

/** Opens the ports and completes the Firmata handshake; typed errors for each way it can fail. */
export async function connectHardware(opts: HardwareOptions): Promise<JohnnyFiveBoard> {
  let modemSerial: NodeSerial | undefined;
  if (opts.modem !== 'firmata') {
    // The modem port first (missing, busy), so a wiring problem is reported before the board is
    // touched; it stays open for the modem driver.
    modemSerial = new NodeSerial(opts.modem);
    await modemSerial.open(opts.modemBaud);
  }
  let transport: Duplex | undefined;
  try {
    transport = await (opts.openBoard ?? openSerialStream)(opts.boardPath);
    return await JohnnyFiveBoard.connect({
      transport,
      scheduler: opts.scheduler ?? new WallClock(),
      readyTimeoutMs: opts.readyTimeoutMs,
      ...(modemSerial ? { modemSerial } : {}),
      ...(opts.stores ? { stores: opts.stores } : {}),
    });
  } catch (e) {
    if (transport) closeTransport(transport);
    await modemSerial?.close();
    throw e;
  }
}

/** The LPU's credential store could not take the given record, or holds another LPU's. */
export class CredentialImportError extends Error {
  override readonly name = 'CredentialImportError';
}

/**
 * Loads a credential record written by `bsn-care provision --out FILE` into the store, once: a
 * store that already holds this LPU's credential keeps its own (newer: every session advances
 * trSeq and kls; importing the file again would roll them back), one holding another LPU's is
 * refused. Returns what happened, for the log line.
 */
export function importCredential(nv: CredentialStores, record: Uint8Array): 'imported' | 'kept' {
  const d = decodeLpuCredential(record);
  if (!d.ok) throw new CredentialImportError(`the credential file does not decode (${d.error.code}): is it the output of bsn-care provision --out?`);
  const stored = loadCredential(nv);
  if (stored === null) {
    writeCredential(nv, record);
    return 'imported';
  }
  if (constantTimeEqual(stored.credential.idL, d.value.idL)) return 'kept';
  throw new CredentialImportError('the store already holds a different LPU\'s credential: give this device its own --store directory');
}

const seconds = (text: string | undefined, name: string, dflt: number | undefined): number | undefined => {
  if (text === undefined) return dflt;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`--${name} must be a positive number of seconds, got ${text}`);
  return n;
};

export const command: Command = {
  name: 'run',
  summary: 'run the device firmware on a real Arduino (Firmata) and modem',
  usage: `Usage: bsn-care run --board PATH --modem PATH|firmata --server URL [--lcd pcf8574|parallel] [options]

Runs the same firmware as the simulator on real hardware (wiring.md): the Uno running Firmata
(flash it with bsn-care flash) on --board, the SIM800/SIM900 modem on --modem through a USB-RS232
adapter into the MAX232, or --modem firmata for the board's serial passthrough (D2 RX, D3 TX;
needs StandardFirmataPlus 2.5 or later). Readings go through the modem's GPRS to --server.

  --board PATH        the Uno's serial port (/dev/ttyACM0)
  --modem PATH        the modem's serial port (/dev/ttyUSB0), or 'firmata'
  --server URL        the BSN-Care server as the modem reaches it (http://host:port, no TLS on SIM800 HTTP)
  --apn NAME          the SIM's GPRS access point (default internet)
  --credential FILE   the record from bsn-care provision --out FILE, loaded into a blank store
                      (a store that already has this LPU's credential keeps its newer one)
  --store DIR         the LPU's EEPROM and flash as files (default ~/.local/state/bsn-care)
  --lcd KIND          pcf8574 (I2C backpack at 0x27, default) or parallel (RS D12, E D9, D4-D7 on D4 D7 D3 D2)
  --cuff KIND         none (default: the cuff is never inflated unless asked), dc (pressure on A3 only),
                      or oscillation (also the amplifier on A4; needs --lcd parallel)
  --modem-baud N      the modem link's baud rate (default 9600)
  --upload-period S   seconds between uploads of the 5 s summaries (default 60; alarms go at once)
  --timeout S         seconds to wait for the board to answer Firmata (default 10)
  --duration S        stop after S seconds (default: run until Ctrl-C)`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        board: { type: 'string' },
        modem: { type: 'string' },
        server: { type: 'string' },
        apn: { type: 'string' },
        credential: { type: 'string' },
        store: { type: 'string' },
        lcd: { type: 'string' },
        cuff: { type: 'string' },
        'modem-baud': { type: 'string' },
        'upload-period': { type: 'string' },
        timeout: { type: 'string' },
        duration: { type: 'string' },
      },
      allowPositionals: false,
    });
    if (!values.board) throw new UsageError('run needs --board PATH (the Uno\'s serial port)');
    if (!values.modem) throw new UsageError('run needs --modem PATH (the modem\'s serial port) or --modem firmata');
    if (!values.server) throw new UsageError('run needs --server URL (the BSN-Care server as the modem reaches it, e.g. http://bsn.example:8080)');
    let serverUrl: URL;
    try {
      serverUrl = new URL(values.server);
    } catch {
      throw new UsageError(`--server must be a URL such as http://bsn.example:8080, got ${values.server}`);
    }
    if (serverUrl.protocol !== 'http:') throw new UsageError(`--server must be an http:// URL (the payload is sealed end to end; the SIM800's HTTPS is not used), got ${values.server}`);
    const baseUrl = serverUrl.href.replace(/\/+$/, '');
    const lcd = (values.lcd ?? 'pcf8574') as LcdChoice;
    if (lcd !== 'pcf8574' && lcd !== 'parallel') throw new UsageError(`--lcd must be pcf8574 or parallel, got ${values.lcd}`);
    const cuff = (values.cuff ?? 'none') as CuffChoice;
    if (cuff !== 'none' && cuff !== 'dc' && cuff !== 'oscillation') throw new UsageError(`--cuff must be none, dc or oscillation, got ${values.cuff}`);
    if (cuff === 'oscillation' && lcd === 'pcf8574') throw new UsageError('--cuff oscillation needs A4, which the LCD backpack uses as I2C SDA: use --lcd parallel');
    const modemBaud = Number(values['modem-baud'] ?? 9600);
    if (![1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200].includes(modemBaud)) throw new UsageError(`--modem-baud must be one of the SIM800's rates (1200 ... 115200), got ${values['modem-baud']}`);
    const timeoutS = seconds(values.timeout, 'timeout', 10)!;
    const durationS = seconds(values.duration, 'duration', undefined);
    const uploadS = seconds(values['upload-period'], 'upload-period', 60)!;
    if (!existsSync(values.board)) throw new UsageError(`serial port ${values.board} does not exist (is the Uno plugged in? ls /dev/ttyACM* /dev/ttyUSB*)`);
    if (values.modem !== 'firmata' && !existsSync(values.modem)) throw new UsageError(`serial port ${values.modem} does not exist (is the USB-RS232 adapter plugged in?)`);
    let record: Uint8Array | undefined;
    if (values.credential !== undefined) {
      try {
        record = new Uint8Array(readFileSync(values.credential));
      } catch (e) {
        throw new UsageError(`--credential: ${(e as Error).message}`);
      }
    }
    const fail = (msg: string): number => {
      process.stderr.write(`bsn-care run: ${msg}\n`);
      return 1;
    };

    const storeDir = values.store ?? join(homedir(), '.local', 'state', 'bsn-care');
    let stores: HostStores;
    try {
      stores = openHostStores(storeDir);
    } catch (e) {
      if (e instanceof StoreBusyError) return fail(e.message);
      throw e;
    }
    let board: JohnnyFiveBoard | undefined;
    try {
      if (record) {
        try {
          const what = importCredential(stores, record);
          process.stdout.write(what === 'imported'
            ? `credential: loaded ${values.credential} into ${storeDir}\n`
            : `credential: ${storeDir} already holds this LPU's credential (generation ${loadCredential(stores)!.generation}); the file is not loaded again\n`);
        } catch (e) {
          if (e instanceof CredentialImportError) return fail(`--credential ${values.credential}: ${e.message}`);
          throw e;
        }
      } else if (loadCredential(stores) === null) {
        process.stdout.write(`credential: none in ${storeDir}; readings wait in the queue until one is loaded (bsn-care provision ... --out FILE, then --credential FILE)\n`);
      }

      try {
        board = await connectHardware({ boardPath: values.board, modem: values.modem, modemBaud, readyTimeoutMs: timeoutS * 1000, stores });
      } catch (e) {
        if (e instanceof PortOpenError || e instanceof SerialOpenError || e instanceof FirmataTimeoutError) return fail(e.message);
        throw e;
      }
      const c = board.capabilities;
      process.stdout.write(`board: ${board.name}; analog every >= ${c.minSampleIntervalMs} ms, I2C ${c.i2c ? 'yes' : 'no'}, modem serial ${c.modemSerial ? 'yes' : 'no'}\n`);
      let modemPort;
      try {
        modemPort = board.modemSerial();
      } catch (e) {
        if (e instanceof PinError) return fail(e.message);
        throw e;
      }
      return await runDevice(board, modemPort, { lcd, cuff, baseUrl, apn: values.apn ?? 'internet', modemBaud, uploadS, durationS, boardPath: values.board, modemPath: values.modem });
    } finally {
      board?.close();
      stores.close();
      // The modem driver may still hold timers for commands that will never be answered (its port
      // is closed): they must not keep the process alive.
      setTimeout(() => process.exit(), 2000).unref();
    }
  },
};

interface RunOptions {
  lcd: LcdChoice;
  cuff: CuffChoice;
  baseUrl: string;
  apn: string;
  modemBaud: number;
  uploadS: number;
  durationS: number | undefined;
  boardPath: string;
  modemPath: string;
}

/** The device application and its uplink on a connected board, until Ctrl-C, --duration or a lost link. */
async function runDevice(board: JohnnyFiveBoard, modemPort: ReturnType<JohnnyFiveBoard['modemSerial']>, o: RunOptions): Promise<number> {
  const out = (line: string) => void process.stdout.write(`${line}\n`);
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
    // Through the passthrough the USB link also carries the modem's bytes, and the sketch must
    // forward them before SoftwareSerial's buffer overflows: the ECG at 100 Hz (4 analog channels
    // at 10 ms: about 20 % of the 57600-baud link instead of 50 % at 250 Hz).
    device = new SensingDevice(board, { ...deviceConfig(o.lcd, o.cuff), ...(o.modemPath === 'firmata' ? { ecgHz: PASSTHROUGH_ECG_HZ } : {}) });
  } catch (e) {
    if (e instanceof DeviceConfigError) throw new UsageError(e.message);
    throw e;
  }
  device.onEvent((e) => out(describeEvent(e)));
  const sched = board.scheduler;
  // Board time to epoch ms: the host's clock (NTP-set) stands in for the network time.
  const epoch0 = Date.now() - sched.now();
  // Through the board's passthrough, the modem's answers are read in short bursts (SoftwareSerial's buffer).
  const modem = new Sim800(modemPort, sched, { baud: o.modemBaud, ...(o.modemPath === 'firmata' ? { readChunkBytes: PASSTHROUGH_READ_CHUNK_BYTES } : {}) });
  const lpu = composeLpuUplink(
    { scheduler: sched, nv: { eeprom: board.eeprom(), flash: board.flash() }, modem, device, random: (n) => crypto.getRandomValues(new Uint8Array(n)), epochMs: (t) => Math.round(epoch0 + t) },
    { baseUrl: o.baseUrl, apn: o.apn, uploadPeriodMs: o.uploadS * 1000 },
  );
  let lastReport = '';
  lpu.uplink.onContact((ok) => {
    const st = lpu.uplink.status();
    const line = ok
      ? `uplink: server acknowledged readings through seq ${st.acknowledgedSeq}, ${st.queued} queued`
      : `uplink: no upload (${st.lastError ?? 'error'}), ${st.consecutiveFailures} failed in a row, ${st.queued} queued`;
    if (line !== lastReport) out(line);
    lastReport = line;
  });
  device.start();

  // The modem may still be booting or unpowered: the device measures and alarms locally meanwhile,
  // and its readings wait in the flash queue.
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const bringUpModem = async (): Promise<void> => {
    try {
      await modem.init();
      if (stopped) return;
      out(`modem: answering on ${o.modemPath} at ${o.modemBaud} baud; uploading to ${o.baseUrl}`);
      lpu.start();
    } catch (e) {
      if (stopped) return;
      out(`modem: no answer on ${o.modemPath} (${e instanceof Error ? e.message : String(e)}); trying again in 30 s`);
      retry = setTimeout(() => void bringUpModem(), 30_000);
    }
  };
  void bringUpModem();

  let timer: ReturnType<typeof setTimeout> | undefined;
  let onSignal: (() => void) | undefined;
  await Promise.race([
    connectionLost,
    new Promise<void>((resolve) => {
      if (o.durationS !== undefined) timer = setTimeout(resolve, o.durationS * 1000);
      onSignal = () => resolve();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    }),
  ]);
  stopped = true;
  clearTimeout(timer);
  clearTimeout(retry);
  if (onSignal) {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  device.stop();
  lpu.stop();
  // The request in flight commits state when it is answered (the new credential, the acknowledged
  // queue): wait for it, within the modem's HTTP timeout, before the stores are closed.
  const idle = await Promise.race([lpu.idle().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
  if (!idle) out('uplink: an exchange with the server was still in flight at shutdown; its readings stay queued');
  const st = lpu.uplink.status();
  out(`uplink: ${lpu.uplink.stats.readingsAcked} readings acknowledged by the server this run, ${st.queued} left in the queue`);
  const gate = board.gate?.stats;
  if (gate) out(`passthrough: ${gate.batches} batches to the board, ${gate.acks} acknowledged, ${gate.ackTimeouts} acknowledgements missing, ${gate.stray} late, ${gate.held} messages held back, longest wait ${gate.maxAckMs.toFixed(0)} ms`);
  await modemPort.close().catch(() => undefined);
  if (lost) {
    process.stderr.write(`bsn-care run: lost the connection to the board on ${o.boardPath} (cable pulled? board reset?)\n`);
    return 1;
  }
  return 0;
}
