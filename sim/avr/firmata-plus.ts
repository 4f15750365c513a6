// StandardFirmataPlus (Firmata library 2.5.8) for the Uno, built here from packages: no registry
// ships a StandardFirmataPlus 2.5+ flash image, so it is compiled.
//   - the Firmata library with its StandardFirmataPlus example: the snapshot node-pixel@0.11.0
//     carries in firmware/src/libs/firmata/arduino (fetched with `npm pack`, SHA-256 pinned);
//   - the Arduino AVR core, Wire and SoftwareSerial: Debian's arduino-core-avr (1.8.7);
//   - avr-gcc / avr-libc: Debian's gcc-avr (5.4.0) and avr-libc (2.0.0);
//   - Servo, which the sketch includes but Debian does not package: a stand-in header written
//     here that accepts servo mode and drives nothing (bsn-care uses no servo).
// The image is cached outside the repository beside the StandardFirmata hex, with a manifest of
// what it was built from; a cache whose manifest or checksum does not match is rebuilt. Nothing of
// the fetched sources enters the repository.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { firmataCacheDir, sha256Hex } from './firmata-hex.ts';

const run = promisify(execFile);

export const FIRMATA_PLUS_SOURCE = {
  package: 'node-pixel@0.11.0',
  tarball: 'node-pixel-0.11.0.tgz',
  sha256: '0d2842a3c08992b64b51c55fb34c0390a9cd3a6df8fadd47b25ad67bb21c0348',
  library: 'package/firmware/src/libs/firmata/arduino',
  libraryVersion: '2.5.8',
  fileName: 'StandardFirmataPlus-2.5.8-uno.hex',
} as const;

/** Where Debian's arduino-core-avr puts the AVR platform. */
export const ARDUINO_AVR_DIR = '/usr/share/arduino/hardware/arduino/avr';

/** The apt packages the build needs (the CI script installs them when missing). */
export const BUILD_PACKAGES = ['gcc-avr', 'avr-libc', 'arduino-core-avr'] as const;

export type FirmataPlusResult =
  | { ok: true; text: string; path: string; built: boolean; buildMs: number; flashBytes: number }
  | { ok: false; reason: 'tool' | 'offline' | 'checksum' | 'build'; message: string };

const SERVO_STANDIN = `// bsn-care: stand-in for the Arduino Servo library, which Debian does not package.
// Servo mode is accepted and drives nothing; bsn-care uses no servo.
#ifndef BSN_CARE_SERVO_STANDIN_H
#define BSN_CARE_SERVO_STANDIN_H
#include <inttypes.h>
#define MAX_SERVOS 12
#define MIN_PULSE_WIDTH 544
#define MAX_PULSE_WIDTH 2400
class Servo {
 public:
  uint8_t attach(int pin) { pin_ = pin; return 0; }
  uint8_t attach(int pin, int, int) { pin_ = pin; return 0; }
  void detach() { pin_ = -1; }
  void write(int) {}
  void writeMicroseconds(int) {}
  int read() { return 0; }
  bool attached() { return pin_ >= 0; }
 private:
  int pin_ = -1;
};
#endif
`;

// As the Arduino IDE 1.8 builds for the Uno (platform.txt), plus DECIMAL_DIG: the 1.8.7 core's
// WString.cpp needs it from <float.h>, which gcc-avr 5.4 defines only for C99, not C++11.
const DEFINES = ['-mmcu=atmega328p', '-DF_CPU=16000000L', '-DARDUINO=10819', '-DARDUINO_AVR_UNO', '-DARDUINO_ARCH_AVR'];
const C_FLAGS = ['-Os', '-w', '-std=gnu11', '-ffunction-sections', '-fdata-sections', '-flto', '-fno-fat-lto-objects'];
const CXX_FLAGS = ['-Os', '-w', '-std=gnu++11', '-fpermissive', '-fno-exceptions', '-ffunction-sections', '-fdata-sections', '-fno-threadsafe-statics', '-Wno-error=narrowing', '-flto', '-DDECIMAL_DIG=__DECIMAL_DIG__'];
const LINK_FLAGS = ['-mmcu=atmega328p', '-Os', '-w', '-flto', '-fuse-linker-plugin', '-Wl,--gc-sections'];
/** Optiboot leaves 32,256 bytes of the 32 KiB flash to the sketch. */
export const UNO_SKETCH_MAX_BYTES = 32_256;

async function toolVersion(cmd: string): Promise<string | null> {
  try {
    const { stdout } = await run(cmd, ['--version'], { timeout: 10_000 });
    return stdout.split('\n')[0]!.trim();
  } catch {
    return null;
  }
}

function firstLine(e: unknown): string {
  const s = e instanceof Error ? ((e as { stderr?: string }).stderr || e.message) : String(e);
  return s.split('\n').find((l) => l.trim() !== '')?.trim() ?? s;
}

/** What a build depends on; the cache is used only when it was made from exactly this. */
async function manifestNow(): Promise<string | null> {
  const gcc = await toolVersion('avr-gcc');
  const core = join(ARDUINO_AVR_DIR, 'platform.txt');
  if (!gcc || !existsSync(core) || !existsSync(join(ARDUINO_AVR_DIR, 'libraries', 'SoftwareSerial'))) return null;
  const platform = /^version=(.*)$/m.exec(readFileSync(core, 'utf8'))?.[1] ?? '?';
  return JSON.stringify({ source: FIRMATA_PLUS_SOURCE.sha256, gcc, arduinoAvr: platform, flags: sha256Hex([DEFINES, C_FLAGS, CXX_FLAGS, LINK_FLAGS, SERVO_STANDIN].flat().join(' ')) });
}

/**
 * The StandardFirmataPlus image: from the cache when it was built from the same inputs, else
 * fetched and compiled (about 15 s) and cached. Typed failures so tests can print SKIP.
 */
export async function loadStandardFirmataPlusHex(opts: { cacheDir?: string; build?: boolean } = {}): Promise<FirmataPlusResult> {
  const manifest = await manifestNow();
  if (manifest === null) {
    return { ok: false, reason: 'tool', message: `avr-gcc or the Arduino AVR core (${ARDUINO_AVR_DIR}) is missing: apt-get install ${BUILD_PACKAGES.join(' ')}` };
  }
  const dir = opts.cacheDir ?? firmataCacheDir();
  const path = join(dir, FIRMATA_PLUS_SOURCE.fileName);
  const manifestPath = `${path}.json`;
  if (existsSync(path) && existsSync(manifestPath)) {
    try {
      const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as { inputs?: string; sha256?: string; flashBytes?: number };
      const text = readFileSync(path, 'utf8');
      if (m.inputs === manifest && m.sha256 === sha256Hex(text)) return { ok: true, text, path, built: false, buildMs: 0, flashBytes: m.flashBytes ?? 0 };
    } catch {
      // unreadable manifest: rebuild below
    }
  }
  if (opts.build === false) return { ok: false, reason: 'offline', message: `${path} is not cached (or was built from other inputs) and building is off` };
  const t0 = performance.now();
  const work = mkdtempSync(join(tmpdir(), 'bsn-firmata-plus-'));
  try {
    try {
      await run('npm', ['pack', FIRMATA_PLUS_SOURCE.package, '--silent', '--fetch-retries=0', '--pack-destination', work], { cwd: work, timeout: 120_000 });
    } catch (e) {
      return { ok: false, reason: 'offline', message: `npm pack ${FIRMATA_PLUS_SOURCE.package} failed (registry unreachable?): ${firstLine(e)}` };
    }
    const tgz = join(work, FIRMATA_PLUS_SOURCE.tarball);
    const got = sha256Hex(readFileSync(tgz));
    if (got !== FIRMATA_PLUS_SOURCE.sha256) return { ok: false, reason: 'checksum', message: `${FIRMATA_PLUS_SOURCE.tarball} has sha256 ${got}, expected ${FIRMATA_PLUS_SOURCE.sha256}` };
    const lib = FIRMATA_PLUS_SOURCE.library;
    try {
      await run('tar', ['-xzf', tgz, '-C', work, `${lib}/library.properties`, ...['Boards.h', 'Firmata.h', 'Firmata.cpp', 'FirmataConstants.h', 'FirmataDefines.h', 'FirmataMarshaller.h', 'FirmataMarshaller.cpp', 'FirmataParser.h', 'FirmataParser.cpp', 'utility/FirmataFeature.h', 'utility/SerialFirmata.h', 'utility/SerialFirmata.cpp', 'examples/StandardFirmataPlus/StandardFirmataPlus.ino'].map((f) => `${lib}/${f}`)], { timeout: 30_000 });
    } catch (e) {
      return { ok: false, reason: 'build', message: `could not extract the Firmata library from ${FIRMATA_PLUS_SOURCE.tarball}: ${firstLine(e)}` };
    }
    const libDir = join(work, lib);
    const version = /^version=(.*)$/m.exec(readFileSync(join(libDir, 'library.properties'), 'utf8'))?.[1];
    if (version !== FIRMATA_PLUS_SOURCE.libraryVersion) return { ok: false, reason: 'checksum', message: `Firmata library ${version}, expected ${FIRMATA_PLUS_SOURCE.libraryVersion}` };
    const servoDir = join(work, 'servo');
    mkdirSync(servoDir);
    writeFileSync(join(servoDir, 'Servo.h'), SERVO_STANDIN);
    const A = ARDUINO_AVR_DIR;
    const includes = [`${A}/cores/arduino`, `${A}/variants/standard`, `${A}/libraries/Wire/src`, `${A}/libraries/SoftwareSerial/src`, servoDir, libDir].map((d) => `-I${d}`);
    const cFiles = [...readdirSync(`${A}/cores/arduino`).filter((f) => f.endsWith('.c')).map((f) => `${A}/cores/arduino/${f}`), `${A}/libraries/Wire/src/utility/twi.c`];
    const cxxFiles = [
      ...readdirSync(`${A}/cores/arduino`).filter((f) => f.endsWith('.cpp')).map((f) => `${A}/cores/arduino/${f}`),
      `${A}/libraries/Wire/src/Wire.cpp`, `${A}/libraries/SoftwareSerial/src/SoftwareSerial.cpp`,
      ...['Firmata.cpp', 'FirmataMarshaller.cpp', 'FirmataParser.cpp', 'utility/SerialFirmata.cpp'].map((f) => join(libDir, f)),
    ];
    const asmFiles = readdirSync(`${A}/cores/arduino`).filter((f) => f.endsWith('.S')).map((f) => `${A}/cores/arduino/${f}`);
    const objDir = join(work, 'obj');
    mkdirSync(objDir);
    const jobs: Array<() => Promise<string>> = [];
    const obj = (src: string) => join(objDir, `${basename(src)}.o`);
    for (const f of cFiles) jobs.push(async () => (await run('avr-gcc', [...DEFINES, ...C_FLAGS, ...includes, '-c', f, '-o', obj(f)], { timeout: 120_000 }), obj(f)));
    for (const f of cxxFiles) jobs.push(async () => (await run('avr-g++', [...DEFINES, ...CXX_FLAGS, ...includes, '-c', f, '-o', obj(f)], { timeout: 120_000 }), obj(f)));
    for (const f of asmFiles) jobs.push(async () => (await run('avr-gcc', [...DEFINES, '-x', 'assembler-with-cpp', '-flto', ...includes, '-c', f, '-o', obj(f)], { timeout: 120_000 }), obj(f)));
    // The sketch as the IDE compiles it: C++, under its own name (Firmata reports __FILE__).
    const sketch = join(libDir, 'examples/StandardFirmataPlus/StandardFirmataPlus.ino');
    jobs.push(async () => (await run('avr-g++', [...DEFINES, ...CXX_FLAGS, ...includes, '-x', 'c++', '-c', sketch, '-o', obj(sketch)], { timeout: 120_000 }), obj(sketch)));
    const objects: string[] = [];
    try {
      // Two compilers at a time (the machines have two cores).
      let next = 0;
      await Promise.all([0, 1].map(async () => {
        while (next < jobs.length) objects.push(await jobs[next++]!());
      }));
      const elf = join(work, 'StandardFirmataPlus.elf');
      await run('avr-gcc', [...LINK_FLAGS, '-o', elf, ...objects.sort(), '-lm'], { timeout: 120_000 });
      const hexPath = join(work, 'StandardFirmataPlus.hex');
      await run('avr-objcopy', ['-O', 'ihex', '-R', '.eeprom', elf, hexPath], { timeout: 30_000 });
      const { stdout } = await run('avr-size', ['-A', elf], { timeout: 30_000 });
      const sec = (name: string) => Number(new RegExp(`^\\${name}\\s+(\\d+)`, 'm').exec(stdout)?.[1] ?? 0);
      const flashBytes = sec('.text') + sec('.data');
      if (flashBytes > UNO_SKETCH_MAX_BYTES) return { ok: false, reason: 'build', message: `StandardFirmataPlus is ${flashBytes} bytes, more than the Uno's ${UNO_SKETCH_MAX_BYTES}` };
      const text = readFileSync(hexPath, 'utf8');
      mkdirSync(dir, { recursive: true });
      // Written beside and renamed into place: a concurrent reader never sees half a file.
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, text);
      renameSync(tmp, path);
      writeFileSync(`${manifestPath}.${process.pid}.tmp`, JSON.stringify({ inputs: manifest, sha256: sha256Hex(text), flashBytes }, null, 1));
      renameSync(`${manifestPath}.${process.pid}.tmp`, manifestPath);
      return { ok: true, text, path, built: true, buildMs: Math.round(performance.now() - t0), flashBytes };
    } catch (e) {
      return { ok: false, reason: 'build', message: `building StandardFirmataPlus failed: ${firstLine(e)}` };
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
