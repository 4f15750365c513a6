// `bsn-care flash --port PATH`: puts Firmata on an Arduino Uno with avrdude (the uploader the
// Arduino IDE uses) through the Uno's bootloader (STK500v1, `-c arduino`, 115200 baud). The
// default image is StandardFirmata 2.4 (fetched once, SHA-256 pinned, cached outside the repo);
// --hex flashes another build, e.g. StandardFirmataPlus exported from the Arduino IDE.
import { parseArgs } from 'node:util';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { UsageError, type Command } from '../command.ts';
import { loadStandardFirmataHex } from '../../sim/avr/firmata-hex.ts';
import { parseIntelHex } from '../../sim/avr/intel-hex.ts';

export class FlashError extends Error {
  override readonly name = 'FlashError';
}

/** Whether avrdude can be run, and its version; null when it is not installed. */
export function avrdudeVersion(avrdude = 'avrdude'): string | null {
  const r = spawnSync(avrdude, ['-?'], { encoding: 'utf8' });
  if (r.error) return null;
  const m = /version\s+([0-9][^\s,]*)/i.exec(`${r.stdout}${r.stderr}`);
  return m ? m[1]! : 'unknown';
}

/** Whether this avrdude has the `dryrun` programmer (added in avrdude 7.2). */
export function avrdudeHasDryrun(avrdude = 'avrdude'): boolean {
  const r = spawnSync(avrdude, ['-c', '?'], { encoding: 'utf8' });
  return !r.error && /^\s*dryrun\s*=/m.test(`${r.stdout}${r.stderr}`);
}

export interface FlashOptions {
  port: string;
  hexPath: string;
  avrdude?: string;
  /** avrdude programmer id (default `arduino`: the Uno's optiboot). */
  programmer?: string;
  baud?: number;
  /** Receives avrdude's output lines. */
  log?: (line: string) => void;
  /** Gives up (kills avrdude) after this long; avrdude 7.1 alone retries for about a minute. */
  timeoutMs?: number;
}

/** Runs avrdude; resolves on success, rejects with FlashError naming the cause. */
export function flashHex(opts: FlashOptions): Promise<void> {
  const avrdude = opts.avrdude ?? 'avrdude';
  const args = ['-p', 'atmega328p', '-c', opts.programmer ?? 'arduino', '-P', opts.port, '-b', String(opts.baud ?? 115200), '-D', '-U', `flash:w:${opts.hexPath}:i`];
  return new Promise((resolve, reject) => {
    const child = spawn(avrdude, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer): void => {
      output += d.toString();
      const lines = output.split('\n');
      output = lines.pop()!;
      for (const l of lines) if (l.trim() !== '') opts.log?.(l);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill();
    }, opts.timeoutMs);
    child.on('error', (e) => reject(new FlashError(`cannot run ${avrdude}: ${e.message}`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (output.trim() !== '') opts.log?.(output);
      if (timedOut) reject(new FlashError(`the board's bootloader did not finish within ${opts.timeoutMs! / 1000} s (is ${opts.port} the Uno? press reset just before flashing if it is a clone without auto-reset)`));
      else if (code === 0) resolve();
      else reject(new FlashError(`avrdude exited with status ${code}: the board's bootloader did not accept the image (is ${opts.port} the Uno? is another program using the port? press reset just before flashing if it is a clone without auto-reset)`));
    });
  });
}

export const command: Command = {
  name: 'flash',
  summary: 'flash Firmata onto an Arduino Uno with avrdude',
  usage: `Usage: bsn-care flash --port PATH [--hex FILE] [--dry-run] [--avrdude PATH]

Writes StandardFirmata 2.4 for the Uno (or --hex FILE) through the Uno's bootloader:
  avrdude -p atmega328p -c arduino -P PATH -b 115200 -D -U flash:w:FILE:i
The StandardFirmata image is fetched once from the npm registry (avrgirl-arduino 5.0.1), its
SHA-256 checked, and cached in ~/.cache/bsn-care/firmata/ (or $XDG_CACHE_HOME/bsn-care/firmata).
For Firmata serial passthrough to the modem, flash StandardFirmataPlus 2.5+ built in the Arduino
IDE (File > Examples > Firmata > StandardFirmataPlus, Sketch > Export compiled binary) with --hex.

  --port PATH     the Uno's serial port (/dev/ttyACM0, /dev/ttyUSB0, COM3)
  --hex FILE      Intel HEX to write instead of StandardFirmata 2.4
  --dry-run       use avrdude's dryrun programmer (avrdude 7.2+): checks the image, no board
  --avrdude PATH  avrdude binary (default: avrdude on PATH)
  --timeout S     give up after S seconds (default 90)`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { port: { type: 'string' }, hex: { type: 'string' }, 'dry-run': { type: 'boolean' }, avrdude: { type: 'string' }, timeout: { type: 'string' } },
      allowPositionals: false,
    });
    const avrdude = values.avrdude ?? 'avrdude';
    const timeoutS = values.timeout === undefined ? 90 : Number(values.timeout);
    if (!(timeoutS > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got ${values.timeout}`);
    const dryRun = values['dry-run'] === true;
    if (!dryRun && !values.port) throw new UsageError('flash needs --port PATH (the Uno\'s serial port)');
    const version = avrdudeVersion(avrdude);
    if (version === null) {
      throw new UsageError(`avrdude is not installed (looked for '${avrdude}'). Install it: apt install avrdude / brew install avrdude / it ships with the Arduino IDE (hardware/tools/avr/bin)`);
    }
    if (dryRun && !avrdudeHasDryrun(avrdude)) {
      throw new UsageError(`avrdude ${version} has no dryrun programmer (added in avrdude 7.2)`);
    }
    if (!dryRun && !existsSync(values.port!)) throw new UsageError(`serial port ${values.port} does not exist (is the Uno plugged in? ls /dev/ttyACM* /dev/ttyUSB*)`);
    let hexPath = values.hex;
    if (hexPath !== undefined) {
      if (!existsSync(hexPath)) throw new UsageError(`hex file ${hexPath} does not exist`);
      const parsed = parseIntelHex(readFileSync(hexPath, 'utf8'));
      if (!parsed.ok) throw new UsageError(`${hexPath} is not a valid Intel HEX file: ${parsed.error.message}`);
    } else {
      const fw = await loadStandardFirmataHex();
      if (!fw.ok) throw new UsageError(`cannot get StandardFirmata: ${fw.message}`);
      hexPath = fw.path;
    }
    const port = dryRun ? (values.port ?? 'usb') : values.port!;
    process.stdout.write(`flashing ${hexPath} to ${port} with avrdude ${version}${dryRun ? ' (dry run)' : ''}\n`);
    try {
      await flashHex({ port, hexPath, avrdude, timeoutMs: timeoutS * 1000, ...(dryRun ? { programmer: 'dryrun' } : {}), log: (l) => process.stdout.write(`  ${l}\n`) });
    } catch (e) {
      if (e instanceof FlashError) {
        process.stderr.write(`bsn-care flash: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    process.stdout.write('done: Firmata is on the board; run `bsn-care run --board PORT --modem PORT`\n');
    return 0;
  },
};
