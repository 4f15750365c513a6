// `npm run bench -- fleet [--lpus 200] [--seconds 10] [--batch 50] [--db pglite|postgres]
//                         [--workers 1] [--load 0.5] [--alerts N] [--seed 1] [--json]`
// N simulated LPUs against ONE BSN-Care server (server/app.ts) over real loopback HTTP.
//
// The server runs as a child process (bench/fleet/server-child.ts), so its RSS and CPU are its own;
// the LPUs run in --workers worker threads of this process, each LPU with one request in flight at
// a time (as behind one GPRS link), all of them concurrently over keep-alive connections. The
// machine's cores are shared: the report gives each side's CPU as a share of one core.
//
// Registration of the N LPUs (POST /v1/register, the provisioning route) and a 1 s warm-up of
// handshakes happen before anything is timed. Then three timed phases of --seconds each:
//  1. handshakes/s (saturated): every LPU runs full anonymous mutual authentications back to back:
//     MA1 built by protocol/lpu.ts, POST /v1/ma1, MA2 checked and MA3 built by the LPU, POST
//     /v1/ma3 (204). Only completed handshakes count; the phase lasts until the last one in flight
//     has finished.
//  2. readings/s (saturated): every LPU uploads sealed batches of --batch readings to /v1/data
//     (normal values, no alarm) as fast as they are acknowledged, and checks each sealed ack.
//     The rate counts what the server STORED: readings rows in the database after the phase minus
//     before (queried by the server process), divided by the phase's wall time.
//  3. paced: every LPU uploads one batch per interval (seeded phase offsets), the interval chosen
//     so the fleet offers --load (default 0.5) of the rate measured in phase 2. The alerts happen
//     here: a latency measured at saturation would only measure the queue a closed loop builds.
// After phase 3 the run checks, per LPU, that the stored rows, their distinct seqs, the highest
// seq, the server's acked_seq and the ack the LPU last received all agree.
// CPU time per operation (server process, client process) is printed too: on a shared machine the
// wall rates move with other load, the CPU cost per handshake or reading much less. With
// --db postgres the database's own processes are not in the server's figures.
//
// Alert latency (threshold crossing to the server's first call): --alerts LPUs (spread over the
// fleet, default N/4) carry a patient whose reading crosses a threshold of the default action
// tables (tachycardia, emergency-level blood pressure, low SpO2, VT) at a seeded instant in
// 15-75 % of the paced phase. The LPU sends that reading at once, as the last of a batch. Latency = g + s:
//  - g is the GPRS round trip of the upload, drawn from a seeded uniform 300-800 ms. It is
//    SIMULATED: added to the timeline, not slept (the real radio link cannot run here);
//  - s is MEASURED wall time from the crossing instant (the scheduled one: if the LPU is still
//    finishing an upload, that wait counts) to the instant the server's notifier placed the first
//    call for that patient. The server's telephony is a test double that records the call
//    instant and answers; the call comes through the engine's real path (reading classified,
//    escalation and outbox rows committed, SMS and email intents sent first, then the timer step
//    that places the call). Both instants are performance.timeOrigin + performance.now() of their
//    process, i.e. the same wall clock. s includes loopback transport and all queueing behind the
//    other LPUs' requests.
// Reported: p50/p99 of g + s (and of s alone). The aim is p99 <= 2 s.
//
// Profiling the server: BSN_FLEET_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" npm run bench -- fleet
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import type { Bench } from './run.ts';
import { UsageError } from '../cli/command.ts';
import { checkSchemaName } from '../server/db.ts';
import { decodeLpuCredential } from '../protocol/index.ts';
import { Rng } from '../sim/rng.ts';
import type { AlertSent, ChildReply, ChildRequest, DialInstant, LpuSpec, StoredLpu, WorkerReply } from './fleet/ipc.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  // Nearest rank: the smallest value with at least p of the samples at or below it.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** The server process, spoken to over IPC. */
class ServerChild {
  private nextId = 1;
  private readonly waiting = new Map<number, (r: ChildReply) => void>();
  readonly ready: Promise<{ port: number; database: string }>;
  readonly exited: Promise<number | null>;
  private readonly proc: ReturnType<typeof fork>;

  constructor(env: Record<string, string>) {
    const extra = (process.env.BSN_FLEET_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    this.proc = fork(here('./fleet/server-child.ts'), [], {
      execArgv: ['--import', 'tsx', ...extra],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
    this.ready = new Promise((resolve, reject) => {
      this.proc.on('message', (raw) => {
        const m = raw as ChildReply;
        if (m.type === 'ready') resolve({ port: m.port, database: m.database });
        else this.waiting.get(m.id)?.(m), this.waiting.delete(m.id);
      });
      void this.exited.then((code) => reject(new Error(`server process exited with ${code}`)));
    });
  }

  ask<T extends ChildReply['type']>(type: T & ChildRequest['type']): Promise<Extract<ChildReply, { type: T }>> {
    const id = this.nextId++;
    if (!this.proc.connected) return Promise.reject(new Error('the server process is gone'));
    return new Promise((resolve) => {
      this.waiting.set(id, (r) => resolve(r as Extract<ChildReply, { type: T }>));
      this.proc.send({ type, id } as ChildRequest);
    });
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
  }
}

/** One worker thread of LPUs. */
class ClientWorker {
  private readonly worker: Worker;
  private pending: ((r: WorkerReply) => void) | null = null;
  readonly ready: Promise<void>;
  constructor(base: string, lpus: readonly LpuSpec[], batch: number, seed: number) {
    // Worker threads do not inherit tsx's loader: the bootstrap registers it, then loads the worker.
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(new URL('./fleet/client-worker.ts', import.meta.url).href)}); })`;
    this.worker = new Worker(boot, { eval: true, workerData: { base, lpus, batch, seed } });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') return resolve();
        const p = this.pending;
        this.pending = null;
        p?.(m);
      });
      this.worker.on('error', reject);
    });
  }
  run<T extends 'handshakes' | 'data'>(type: T, ms: number): Promise<Extract<WorkerReply, { type: T }>> {
    return new Promise((resolve) => {
      this.pending = (r) => resolve(r as Extract<WorkerReply, { type: T }>);
      this.worker.postMessage({ type, ms });
    });
  }
  runPaced(ms: number, intervalMs: number): Promise<Extract<WorkerReply, { type: 'data' }>> {
    return new Promise((resolve) => {
      this.pending = (r) => resolve(r as Extract<WorkerReply, { type: 'data' }>);
      this.worker.postMessage({ type: 'paced', ms, intervalMs });
    });
  }
  async exit(): Promise<void> {
    this.worker.postMessage({ type: 'exit' });
    await new Promise((r) => this.worker.once('exit', r));
  }
}

const phone = (prefix: string, index: number) => `+4915${prefix}${String(index).padStart(7, '0')}`;

function contactsFor(index: number) {
  return {
    family: { phone: phone('1', index), email: `family-${index}@example.test` },
    physician: { phone: phone('2', index) },
    emergency: { phone: phone('3', index) },
  };
}

async function registerAll(base: string, token: string, n: number): Promise<Array<{ patientId: number; credential: Uint8Array }>> {
  const out = new Array<{ patientId: number; credential: Uint8Array }>(n);
  let next = 0;
  const one = async () => {
    for (let i = next++; i < n; i = next++) {
      const r = await fetch(`${base}/v1/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ contacts: contactsFor(i) }),
      });
      const body = new Uint8Array(await r.arrayBuffer());
      if (r.status !== 201) throw new Error(`register ${i}: ${r.status} ${Buffer.from(body).toString('utf8')}`);
      if (!decodeLpuCredential(body).ok) throw new Error(`register ${i}: credential does not decode`);
      out[i] = { patientId: Number(r.headers.get('x-bsn-patient-id')), credential: body };
    }
  };
  await Promise.all(Array.from({ length: 8 }, one));
  return out;
}

const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

export const bench: Bench = {
  summary: 'N simulated LPUs against one server over loopback HTTP: handshakes/s, stored readings/s, alert latency, server RSS',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        lpus: { type: 'string', default: '200' },
        seconds: { type: 'string', default: '10' },
        batch: { type: 'string', default: '50' },
        db: { type: 'string', default: 'pglite' },
        workers: { type: 'string', default: '1' },
        load: { type: 'string', default: '0.5' },
        alerts: { type: 'string' },
        seed: { type: 'string', default: '1' },
        json: { type: 'boolean', default: false },
      },
    });
    const n = Number(values.lpus);
    const seconds = Number(values.seconds);
    const batch = Number(values.batch);
    const workers = Number(values.workers);
    const seed = Number(values.seed);
    const load = Number(values.load);
    if (!Number.isFinite(load) || load <= 0 || load > 1) throw new UsageError('--load must be in (0, 1]');
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new UsageError('--lpus must be 1..100000');
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError('--seconds must be > 0');
    if (!Number.isInteger(batch) || batch < 1 || batch > 255) throw new UsageError('--batch must be 1..255');
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError('--workers must be 1..64');
    const alertsN = values.alerts === undefined ? Math.max(1, Math.ceil(n / 4)) : Number(values.alerts);
    if (!Number.isInteger(alertsN) || alertsN < 0 || alertsN > n) throw new UsageError('--alerts must be 0..N');
    if (values.db !== 'pglite' && values.db !== 'postgres') throw new UsageError('--db must be pglite or postgres');
    const url = values.db === 'postgres' ? process.env.DATABASE_URL || process.env.BSN_TEST_DATABASE_URL || '' : '';
    if (values.db === 'postgres' && !url) throw new UsageError('--db postgres needs DATABASE_URL or BSN_TEST_DATABASE_URL (e.g. postgres://bsn:bsn@127.0.0.1:5432/bsn_test)');
    const schema = url ? checkSchemaName(`fleet_${randomBytes(5).toString('hex')}`) : '';
    const token = `fleet-${randomBytes(16).toString('hex')}`;
    const ms = seconds * 1000;

    const server = new ServerChild({
      BSN_FLEET_DATABASE_URL: url, BSN_FLEET_SCHEMA: schema, BSN_FLEET_OPERATOR_TOKEN: token,
      // Same template file as the tests: a fresh PGlite cluster then skips initdb.
      BSN_PGLITE_TEMPLATE: process.env.BSN_PGLITE_TEMPLATE ?? join(tmpdir(), 'bsn-care-pglite-fleet-template.tar'),
    });
    const clients: ClientWorker[] = [];
    try {
      const { port, database } = await server.ready;
      const base = `http://127.0.0.1:${port}`;
      const regs = await registerAll(base, token, n);

      // Alert patients: spread evenly over the fleet; crossing instants seeded in 15-75 % of the phase.
      const rng = new Rng(seed).fork('alerts');
      const alertAt = new Map<number, number>();
      for (let k = 0; k < alertsN; k++) alertAt.set(Math.floor((k * n) / alertsN), rng.uniform(0.15, 0.75) * ms);
      const specs: LpuSpec[] = regs.map((r, index) => ({ index, patientId: r.patientId, credential: r.credential, alertAtMs: alertAt.get(index) ?? null }));
      for (let w = 0; w < workers; w++) clients.push(new ClientWorker(base, specs.filter((s) => s.index % workers === w), batch, seed * 1000 + w));
      await Promise.all(clients.map((c) => c.ready));

      await Promise.all(clients.map((c) => c.run('handshakes', 1000))); // warm-up, not reported

      const phase = async <T extends 'handshakes' | 'data'>(run: (c: ClientWorker) => Promise<Extract<WorkerReply, { type: T }>>) => {
        const s0 = await server.ask('stats');
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const replies = await Promise.all(clients.map(run));
        const wallMs = performance.now() - t0;
        const clientCpuMs = cpuMs(process.cpuUsage(c0));
        const s1 = await server.ask('stats');
        const serverCpuMs = (s1.cpuUserUs + s1.cpuSystemUs - s0.cpuUserUs - s0.cpuSystemUs) / 1000;
        return { replies, wallMs, clientCpuMs, serverCpuMs, clientCpuPct: (100 * clientCpuMs) / wallMs, serverCpuPct: (100 * serverCpuMs) / wallMs };
      };
      const sum = (rs: ReadonlyArray<{ batches: number; failed: number }>) => ({ batches: rs.reduce((a, r) => a + r.batches, 0), failed: rs.reduce((a, r) => a + r.failed, 0) });
      const storedRows = async () => (await server.ask('stored')).perLpu;
      const load0 = loadavg()[0]!;

      // 1. Handshakes, saturated.
      const hs = await phase<'handshakes'>((c) => c.run('handshakes', ms));
      const hsCompleted = hs.replies.reduce((a, r) => a + r.completed, 0);
      const hsFailed = hs.replies.reduce((a, r) => a + r.failed, 0);

      // 2. Readings, saturated: the capacity.
      const rows0 = (await storedRows()).reduce((a, s) => a + s.rows, 0);
      const data = await phase<'data'>((c) => c.run('data', ms));
      const rowsStored = (await storedRows()).reduce((a, s) => a + s.rows, 0) - rows0;
      const dataSum = sum(data.replies);
      const dataLat = data.replies.flatMap((r) => r.latenciesMs).sort((x, y) => x - y);
      const readingsPerS = (rowsStored * 1000) / data.wallMs;

      // 3. Readings paced at --load of that capacity, with the alerts.
      const intervalMs = (n * batch * 1000) / Math.max(1, load * readingsPerS);
      const paced = await phase<'data'>((c) => c.runPaced(ms, intervalMs));
      const pacedSum = sum(paced.replies);
      const pacedLat = paced.replies.flatMap((r) => r.latenciesMs).sort((x, y) => x - y);
      const load1 = loadavg()[0]!;

      // Stored = acknowledged, per LPU, over both data phases.
      const stored = await storedRows();
      const acked = new Map<number, number>();
      for (const r of paced.replies) for (const a of r.acked) acked.set(specs[a.index]!.patientId, a.ackedSeq);
      const byPatient = new Map<number, StoredLpu>(stored.map((s) => [s.patientId, s]));
      const mismatches = specs.filter((s) => {
        const st = byPatient.get(s.patientId);
        const a = acked.get(s.patientId) ?? -1;
        return !st || st.rows !== a || st.distinctSeqs !== a || st.maxSeq !== a || st.ackedSeq !== a;
      }).length;

      // Wait (untimed) for every alert's first call; the engine works on after the phase.
      const sent: AlertSent[] = paced.replies.flatMap((r) => r.alerts);
      const numbers = new Map<string, number>();
      for (const s of sent) for (const c of Object.values(contactsFor(s.index))) numbers.set(c.phone, s.index);
      const firstCall = (dials: readonly DialInstant[]) => {
        const first = new Map<number, number>();
        for (const d of dials) {
          const i = numbers.get(d.to);
          if (d.channel === 'call' && i !== undefined && !first.has(i)) first.set(i, d.atMs);
        }
        return first;
      };
      let calls = firstCall((await server.ask('dials')).dials);
      for (const tEnd = performance.now() + 15_000; calls.size < sent.length && performance.now() < tEnd;) {
        await new Promise((r) => setTimeout(r, 100));
        calls = firstCall((await server.ask('dials')).dials);
      }
      const called = sent.filter((s) => calls.has(s.index));
      const serverPart = called.map((s) => calls.get(s.index)! - s.crossedAtMs).sort((x, y) => x - y);
      const total = called.map((s) => s.gprsMs + calls.get(s.index)! - s.crossedAtMs).sort((x, y) => x - y);
      const stats = await server.ask('stats');

      const r0 = (x: number) => Math.round(x);
      const result = {
        database, lpus: n, batch, seconds, clientWorkers: workers, load,
        handshakesPerS: r0((hsCompleted * 1000) / hs.wallMs),
        handshakes: hsCompleted, handshakeFailures: hsFailed,
        serverCpuMsPerHandshake: +(hs.serverCpuMs / Math.max(1, hsCompleted)).toFixed(3),
        clientCpuMsPerHandshake: +(hs.clientCpuMs / Math.max(1, hsCompleted)).toFixed(3),
        readingsPerS: r0(readingsPerS),
        readingsStored: rowsStored, batchesAcked: dataSum.batches, dataFailures: dataSum.failed,
        serverCpuUsPerReading: +((1000 * data.serverCpuMs) / Math.max(1, rowsStored)).toFixed(1),
        clientCpuUsPerReading: +((1000 * data.clientCpuMs) / Math.max(1, rowsStored)).toFixed(1),
        batchRttP50Ms: r0(percentile(dataLat, 0.5)), batchRttP99Ms: r0(percentile(dataLat, 0.99)),
        pacedReadingsPerS: r0((pacedSum.batches * batch * 1000) / paced.wallMs), pacedIntervalMs: r0(intervalMs),
        pacedBatchRttP50Ms: r0(percentile(pacedLat, 0.5)), pacedBatchRttP99Ms: r0(percentile(pacedLat, 0.99)), pacedFailures: pacedSum.failed,
        lpusWithStoredAckMismatch: mismatches,
        alerts: sent.length, alertsCalled: total.length,
        alertP50Ms: r0(percentile(total, 0.5)), alertP99Ms: r0(percentile(total, 0.99)), alertMaxMs: r0(total[total.length - 1] ?? NaN),
        serverPartP50Ms: r0(percentile(serverPart, 0.5)), serverPartP99Ms: r0(percentile(serverPart, 0.99)),
        serverRssMiB: r0(stats.rssBytes / 2 ** 20), serverPeakRssMiB: r0(stats.peakRssBytes / 2 ** 20),
        handshakePhase: { wallS: +(hs.wallMs / 1000).toFixed(2), serverCpuPctOfCore: r0(hs.serverCpuPct), clientCpuPctOfCore: r0(hs.clientCpuPct) },
        dataPhase: { wallS: +(data.wallMs / 1000).toFixed(2), serverCpuPctOfCore: r0(data.serverCpuPct), clientCpuPctOfCore: r0(data.clientCpuPct) },
        pacedPhase: { wallS: +(paced.wallMs / 1000).toFixed(2), serverCpuPctOfCore: r0(paced.serverCpuPct), clientCpuPctOfCore: r0(paced.clientCpuPct) },
        loadAverage1m: { before: +load0.toFixed(1), after: +load1.toFixed(1) },
        errors: [...new Set([...hs.replies, ...data.replies, ...paced.replies].flatMap((r) => r.errors))].slice(0, 5),
      };
      if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        const w = (line: string) => process.stdout.write(line + '\n');
        const cpu = (p: { serverCpuPctOfCore: number; clientCpuPctOfCore: number }) => `CPU server ${p.serverCpuPctOfCore} %, clients ${p.clientCpuPctOfCore} % of one core`;
        w(`fleet: ${n} LPUs, one server (${database}, child process), batch ${batch}, ${seconds} s per phase, ${workers} client worker(s); load average ${result.loadAverage1m.before} -> ${result.loadAverage1m.after} on ${availableParallelism()} cores`);
        w(`  handshakes/s      ${result.handshakesPerS}  (${hsCompleted} full MA1/MA2/MA3 in ${result.handshakePhase.wallS} s, ${hsFailed} failed; ${cpu(result.handshakePhase)}; server ${result.serverCpuMsPerHandshake} ms CPU per handshake, clients ${result.clientCpuMsPerHandshake} ms)`);
        w(`  readings/s        ${result.readingsPerS}  (${rowsStored} rows stored in ${result.dataPhase.wallS} s, ${dataSum.batches} batches acked, ${dataSum.failed} failed, batch round trip p50 ${result.batchRttP50Ms} ms p99 ${result.batchRttP99Ms} ms; ${cpu(result.dataPhase)}; server ${result.serverCpuUsPerReading} us CPU per reading)`);
        w(`  paced             ${result.pacedReadingsPerS} readings/s (${Math.round(load * 100)} % of the above: one batch per LPU every ${result.pacedIntervalMs} ms), batch round trip p50 ${result.pacedBatchRttP50Ms} ms p99 ${result.pacedBatchRttP99Ms} ms, ${pacedSum.failed} failed; ${cpu(result.pacedPhase)}`);
        w(`  stored = acked    ${mismatches === 0 ? 'yes' : `NO: ${mismatches} LPUs disagree`} (rows, distinct seqs, max seq, server acked_seq and the LPU's ack, per LPU)`);
        w(`  alert latency     p50 ${result.alertP50Ms} ms, p99 ${result.alertP99Ms} ms, max ${result.alertMaxMs} ms over ${total.length}/${sent.length} alerts in the paced phase (GPRS 300-800 ms simulated + crossing to first call p50 ${result.serverPartP50Ms} ms, p99 ${result.serverPartP99Ms} ms measured)`);
        w(`  server RSS        ${result.serverRssMiB} MiB at the end, peak ${result.serverPeakRssMiB} MiB`);
        if (result.errors.length) w(`  errors            ${result.errors.join(' | ')}`);
      }
    } finally {
      await Promise.all(clients.map((c) => c.exit()));
      const killer = setTimeout(() => server.kill(), 15_000);
      await Promise.race([server.ask('stop').catch(() => undefined), server.exited]);
      await server.exited;
      clearTimeout(killer);
      if (schema) {
        const c = new pg.Client(url);
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      }
    }
  },
};
