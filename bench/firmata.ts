// `npm run bench -- firmata [--json] [--seconds S]`: the analog sample rate and jitter the real
// StandardFirmata 2.4 achieves on the emulated Uno, per sampling interval and number of reported
// channels, next to the 57600-baud limit (10 bits per byte, 3 bytes per analog message: 1,920
// messages/s). Rates are in emulated time, timed where the bytes leave the USART; host arrival
// is counted through the hal AnalogIn of the johnny-five board target.
import type { Bench } from './run.ts';
import { loadStandardFirmataHex } from '../sim/avr/firmata-hex.ts';
import { startEmulatedUno } from '../sim/avr/harness.ts';
import { JohnnyFiveBoard } from '../hal/targets/johnny-five-board.ts';
import { ANALOG_PINS, type AnalogPin } from '../hal/board.ts';

const LINK_MSGS_PER_S = 57600 / 10 / 3;

interface Row {
  requestedIntervalMs: number;
  channels: number;
  perChannelHz: number;
  totalMsgsPerS: number;
  linkUse: number;
  meanIntervalMs: number;
  jitterSdMs: number;
  jitterMaxMs: number;
  hostReportsPerS: number;
}

export const bench: Bench = {
  summary: 'analog rate and jitter over Firmata on the emulated Uno vs the 57600-baud limit',
  async run(args) {
    const json = args.includes('--json');
    const si = args.indexOf('--seconds');
    const seconds = si >= 0 ? Number(args[si + 1]) : 3;
    const hex = await loadStandardFirmataHex();
    if (!hex.ok) {
      process.stdout.write(`SKIP firmata bench: ${hex.message}\n`);
      return;
    }
    const wall0 = performance.now();
    const rig = startEmulatedUno(hex.text);
    // Sensor-like inputs on all six channels, so every report carries a changing value.
    for (let c = 0; c < 6; c++) rig.uno.attachAnalog(`A${c}`, (t) => 2.5 + 2 * Math.sin(t / (50 + 10 * c)));
    const board = await JohnnyFiveBoard.connect({ transport: rig.stream, scheduler: rig.clock, readyTimeoutMs: 5000, versionQueryAfterMs: 60_000 });
    const stamps: number[][] = [[], [], [], [], [], []];
    let msg: number[] = [];
    rig.uno.onTransmit((b, t) => {
      if (b & 0x80) msg = [b];
      else if (msg.length > 0) msg.push(b);
      if (msg.length === 3 && (msg[0]! & 0xf0) === 0xe0) stamps[msg[0]! & 0x0f]?.push(t);
      if (msg.length >= 3) msg = [];
    });
    const rows: Row[] = [];
    const configs: [number, number][] = [[10, 1], [10, 3], [10, 6], [1, 6], [19, 6]];
    const ins = new Map<AnalogPin, unknown>();
    for (const [interval, channels] of configs) {
      // The firmware clamps below its 10 ms minimum itself; send the request unclamped.
      board.io.setSamplingInterval(interval);
      for (let c = 0; c < channels; c++) {
        const pin = ANALOG_PINS[c]!;
        if (!ins.has(pin)) ins.set(pin, board.analogIn(pin));
      }
      await rig.clock.sleep(200); // settle
      for (const s of stamps) s.length = 0;
      const host0 = ANALOG_PINS.slice(0, channels).map((p) => board.analogReports(p));
      await rig.clock.sleep(seconds * 1000);
      const host = ANALOG_PINS.slice(0, channels).map((p, i) => board.analogReports(p) - host0[i]!);
      const s = stamps[0]!;
      const iv = s.slice(1).map((t, i) => t - s[i]!);
      const mean = iv.reduce((a, b) => a + b, 0) / iv.length;
      const sd = Math.sqrt(iv.reduce((a, b) => a + (b - mean) ** 2, 0) / iv.length);
      const max = Math.max(...iv.map((x) => Math.abs(x - mean)));
      const total = stamps.reduce((a, x) => a + x.length, 0) / seconds;
      rows.push({
        requestedIntervalMs: interval,
        channels,
        perChannelHz: s.length / seconds,
        totalMsgsPerS: total,
        linkUse: total / LINK_MSGS_PER_S,
        meanIntervalMs: mean,
        jitterSdMs: sd,
        jitterMaxMs: max,
        hostReportsPerS: host.reduce((a, b) => a + b, 0) / seconds,
      });
    }
    const emulatedMs = rig.clock.now();
    const wallMs = performance.now() - wall0;
    rig.stop();
    board.close();
    const result = {
      firmware: `${board.firmware.name} ${board.firmware.major}.${board.firmware.minor}`,
      linkLimitMsgsPerS: LINK_MSGS_PER_S,
      secondsPerConfig: seconds,
      rows,
      emulator: { emulatedS: emulatedMs / 1000, wallS: wallMs / 1000, speedVsRealTime: emulatedMs / wallMs, effectiveMHz: (16 * emulatedMs) / wallMs },
    };
    if (json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    process.stdout.write(`${result.firmware} on the emulated Uno; 57600-baud link limit ${LINK_MSGS_PER_S.toFixed(0)} analog messages/s\n`);
    process.stdout.write('asked ms  channels  per-ch Hz  msgs/s  link use  mean ms  jitter sd ms  max |dev| ms  host reports/s\n');
    for (const r of rows) {
      process.stdout.write(
        `${String(r.requestedIntervalMs).padStart(8)}  ${String(r.channels).padStart(8)}  ${r.perChannelHz.toFixed(1).padStart(9)}  ${r.totalMsgsPerS.toFixed(0).padStart(6)}  ${(100 * r.linkUse).toFixed(1).padStart(7)}%  ${r.meanIntervalMs.toFixed(3).padStart(7)}  ${r.jitterSdMs.toFixed(3).padStart(12)}  ${r.jitterMaxMs.toFixed(3).padStart(12)}  ${r.hostReportsPerS.toFixed(1).padStart(14)}\n`,
      );
    }
    process.stdout.write(`emulator: ${result.emulator.emulatedS.toFixed(1)} s emulated in ${result.emulator.wallS.toFixed(1)} s (${result.emulator.speedVsRealTime.toFixed(2)}x real time, ${result.emulator.effectiveMHz.toFixed(1)} MHz)\n`);
  },
};
