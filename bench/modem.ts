// `npm run bench -- modem [--json]`: digester throughput, UART model speed, and what an HTTP POST
// and an SMS cost in virtual time over the RS232 link at 9600 and 115200 baud, clean and at a
// bit-error rate of 1e-4.
import type { Bench } from './run.ts';
import { Digester } from '../firmware/modem/digester.ts';
import { AT } from '../firmware/modem/commands.ts';
import { Rng } from '../sim/rng.ts';
import { VirtualClock } from '../sim/clock.ts';
import { UartLine } from '../sim/uart.ts';
import { makeRig } from '../tests/modem/rig.ts';

function digesterMBps(): number {
  const rng = new Rng(1);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < 2000; i++) {
    const s = `\r\n+CREG: 1,"1A2B","00C3"\r\n\r\n+CSQ: ${rng.int(0, 31)},0\r\n\r\nOK\r\n`;
    chunks.push(Uint8Array.from(s, (c) => c.charCodeAt(0)));
    chunks.push(rng.bytes(64));
  }
  const d = new Digester();
  d.expect({ ...AT.csq, command: 'AT+CSQ' });
  let bytes = 0;
  const t0 = performance.now();
  for (let rep = 0; rep < 20; rep++) for (const c of chunks) { d.push(c); bytes += c.length; }
  return bytes / 1e6 / ((performance.now() - t0) / 1000);
}

async function uartBytesPerSecond(): Promise<number> {
  const clock = new VirtualClock();
  const line = new UartLine(clock, { bitErrorRate: 1e-4, rng: new Rng(2) }, {}, { rxFifoBytes: 1 << 20 });
  await line.a.open(115200);
  await line.b.open(115200);
  let n = 0;
  line.b.onData((b) => (n += b.length));
  const t0 = performance.now();
  for (let i = 0; i < 50; i++) line.a.write(new Rng(i).bytes(2000));
  await clock.runUntilIdle();
  return n / ((performance.now() - t0) / 1000);
}

async function session(baud: number, ber: number, seed: number) {
  const rig = await makeRig({ seed, baud, bitErrorRate: ber, endpoint: { post: async (_u, body) => ({ status: 200, body: body.subarray(0, 32) }) } });
  const { modem: m, run, clock } = rig;
  const retry = async <T>(f: () => Promise<T>): Promise<T> => {
    for (let i = 0; ; i++) {
      try { return await f(); } catch (e) { if (i >= 10) throw e; await clock.sleep(1000); }
    }
  };
  await run(retry(() => m.init()));
  await run(clock.sleep(3000));
  await run(retry(() => m.openBearer('internet')));
  const body = new Rng(seed).bytes(1024);
  const t0 = clock.now();
  await run(retry(() => m.httpPost('http://bsn.example/up', body)));
  const postMs = clock.now() - t0;
  const t1 = clock.now();
  await run(retry(() => m.sendSms('+447700900123', 'BSN alert: heart rate 182 bpm at 12:03, please call')));
  const smsMs = clock.now() - t1;
  return { postMs, smsMs, bitErrors: rig.line.bitErrorsInjected, retries: m.at.stats.retries };
}

export const bench: Bench = {
  summary: 'modem link: digester MB/s, UART model bytes/s, HTTP POST and SMS latency over RS232',
  async run(args) {
    const out: Record<string, unknown> = {};
    out.digesterMBps = Number(digesterMBps().toFixed(1));
    out.uartModelBytesPerSecond = Math.round(await uartBytesPerSecond());
    const rows: Array<Record<string, unknown>> = [];
    for (const baud of [9600, 115200]) {
      for (const ber of [0, 1e-4]) {
        const runs = await Promise.all([1, 2, 3, 4, 5].map((s) => session(baud, ber, s)));
        const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
        rows.push({
          baud,
          ber,
          post1KiBMedianMs: Math.round(median(runs.map((r) => r.postMs))),
          smsMedianMs: Math.round(median(runs.map((r) => r.smsMs))),
          bitErrors: runs.reduce((a, r) => a + r.bitErrors, 0),
          commandRetries: runs.reduce((a, r) => a + r.retries, 0),
        });
      }
    }
    out.sessions = rows;
    if (args.includes('--json')) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    else {
      process.stdout.write(`digester: ${out.digesterMBps} MB/s\nUART model (bit-level, BER 1e-4): ${out.uartModelBytesPerSecond} bytes/s of CPU time\n`);
      process.stdout.write('baud    BER     1 KiB POST (virtual, median of 5)  SMS     bit errors  retries\n');
      for (const r of rows) process.stdout.write(`${String(r.baud).padEnd(7)} ${String(r.ber).padEnd(7)} ${String(r.post1KiBMedianMs).padStart(8)} ms                     ${String(r.smsMedianMs).padStart(5)} ms ${String(r.bitErrors).padStart(6)} ${String(r.commandRetries).padStart(8)}\n`);
    }
  },
};
