// A slice of the simulated LPU fleet, run in a worker thread so the client side can use more
// than one core: each LPU authenticates with protocol/lpu.ts over real loopback HTTP
// (/v1/ma1, /v1/ma3) and uploads sealed batches to /v1/data, one request in flight per LPU (as a
// real LPU behind one GPRS link), all LPUs of the worker concurrently over one keep-alive agent.
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { LpuClient, decodeLpuCredential, type LocationAreaId, type LpuHandshake, type RandomSource } from '../../protocol/index.ts';
import { decodeAck, encodeBatch, type Reading, type ReadingValue } from '../../protocol/readings.ts';
import { Rng } from '../../sim/rng.ts';
import type { AlertSent, WorkerInit, WorkerReply, WorkerRequest } from './ipc.ts';

export const CELL: LocationAreaId = { mcc: 262, mnc: 1, mncDigits: 2, lac: 0x1a2b };
export const CELL_TEXT = '262-01-0x1a2b';
/** Simulated measurement clock: readings are 1 s apart from this instant on. */
const SIM_T0_MS = 1_790_000_000_000;
const nowMs = (): number => performance.timeOrigin + performance.now();

function seededRandom(rng: Rng): RandomSource {
  return (n) => rng.bytes(n);
}

interface Response { readonly status: number; readonly body: Buffer }

function post(agent: Agent, base: URL, path: string, body: Uint8Array, extra: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({
      agent, host: base.hostname, port: base.port, path, method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'content-length': body.length, ...extra },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A normal reading (no action table row matches it), cycling through the vital signs. */
function normalValue(rng: Rng, seq: number): ReadingValue {
  switch (seq % 4) {
    case 0: return { kind: 'heart-rate', heartRateBpm: Math.round(rng.uniform(60, 95) * 10) / 10 };
    case 1: return { kind: 'spo2', spo2Percent: Math.round(rng.uniform(96, 99.5) * 10) / 10 };
    case 2: return { kind: 'temperature', tempC: Math.round(rng.uniform(36.4, 37.2) * 100) / 100 };
    default: return { kind: 'blood-pressure', systolicMmHg: rng.int(105, 119), diastolicMmHg: rng.int(68, 79) };
  }
}

/** Threshold crossings of the default action tables that lead to a call. */
const CROSSINGS: readonly ReadingValue[] = [
  { kind: 'heart-rate', heartRateBpm: 125 }, // tachycardia at rest: family
  { kind: 'blood-pressure', systolicMmHg: 165, diastolicMmHg: 98 }, // emergency level: family first
  { kind: 'spo2', spo2Percent: 90.5 }, // low saturation: family
  { kind: 'rhythm', rhythm: 'vt' }, // critical: the emergency unit directly
];

class FleetLpu {
  readonly client: LpuClient;
  session: LpuHandshake | null = null;
  /** Next sequence number to send; acked is what the server acknowledged. */
  nextSeq = 1;
  acked = 0;
  alertDue: number | null;
  constructor(readonly index: number, credential: Uint8Array, readonly rng: Rng, alertAtMs: number | null) {
    const c = decodeLpuCredential(credential);
    if (!c.ok) throw new Error(`LPU ${index}: credential does not decode (${c.error.code})`);
    this.client = new LpuClient(c.value, { random: seededRandom(rng.fork('protocol')) });
    this.alertDue = alertAtMs;
  }
}

const init = workerData as WorkerInit;
const base = new URL(init.base);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const root = new Rng(init.seed);
const lpus = init.lpus.map((s) => new FleetLpu(s.index, s.credential, root.fork(`lpu-${s.index}`), s.alertAtMs));

async function handshake(l: FleetLpu): Promise<void> {
  const b = l.client.begin(CELL);
  if (!b.ok) throw new Error(`begin: ${b.error.code}`);
  const r2 = await post(agent, base, '/v1/ma1', b.value.ma1, { 'x-bsn-serving-lai': CELL_TEXT });
  if (r2.status !== 200) throw new Error(`ma1 ${r2.status}: ${r2.body.toString('utf8').slice(0, 120)}`);
  const a = l.client.accept(new Uint8Array(r2.body));
  if (!a.ok) throw new Error(`accept: ${a.error.code}`);
  const r3 = await post(agent, base, '/v1/ma3', a.value.ma3);
  if (r3.status !== 204) throw new Error(`ma3 ${r3.status}: ${r3.body.toString('utf8').slice(0, 120)}`);
  l.session = a.value;
}

async function runHandshakes(ms: number): Promise<WorkerReply> {
  const deadline = performance.now() + ms;
  let completed = 0;
  let failed = 0;
  const errors = new Set<string>();
  await Promise.all(lpus.map(async (l) => {
    while (performance.now() < deadline) {
      try {
        await handshake(l);
        completed++;
      } catch (e) {
        failed++;
        errors.add((e as Error).message);
      }
    }
  }));
  return { type: 'handshakes', completed, failed, errors: [...errors].slice(0, 5) };
}

async function runData(ms: number): Promise<WorkerReply> {
  const t0 = performance.now();
  const deadline = t0 + ms;
  let batches = 0;
  let readingsAcked = 0;
  let failed = 0;
  const errors = new Set<string>();
  const alerts: AlertSent[] = [];
  const gprs = root.fork('gprs');
  await Promise.all(lpus.map(async (l) => {
    if (!l.session) await handshake(l);
    while (performance.now() < deadline) {
      const items: Reading[] = [];
      for (let i = 0; i < init.batch; i++) {
        const seq = l.nextSeq + i;
        items.push({ ...normalValue(l.rng, seq), seq, measuredAt: SIM_T0_MS + seq * 1000 } as Reading);
      }
      // The patient crosses a threshold: the crossing is the batch's last reading, and the LPU
      // uploads it at once (the alarm path does not wait for a full batch).
      let alert: AlertSent | null = null;
      if (l.alertDue !== null && performance.now() - t0 >= l.alertDue) {
        const last = items[items.length - 1]!;
        const v = CROSSINGS[l.index % CROSSINGS.length]!;
        items[items.length - 1] = { ...v, seq: last.seq, measuredAt: last.measuredAt } as Reading;
        l.alertDue = null;
        alert = { index: l.index, sentAtMs: 0, gprsMs: gprs.uniform(300, 800), kind: v.kind };
      }
      const sealed = l.session!.channel.seal(encodeBatch(items));
      if (!sealed.ok) throw new Error(`seal: ${sealed.error.code}`);
      const sentAtMs = nowMs();
      if (alert) alerts.push({ ...alert, sentAtMs });
      try {
        const r = await post(agent, base, '/v1/data', sealed.value);
        if (r.status !== 200) throw new Error(`data ${r.status}: ${r.body.toString('utf8').slice(0, 120)}`);
        const o = l.session!.channel.open(new Uint8Array(r.body));
        if (!o.ok) throw new Error(`ack frame: ${o.error.code}`);
        const a = decodeAck(o.value.plaintext);
        if (!a.ok) throw new Error(`ack: ${a.error.code}`);
        const wanted = l.nextSeq + init.batch - 1;
        if (a.value.ackedSeq !== wanted) throw new Error(`ack ${a.value.ackedSeq}, expected ${wanted}`);
        readingsAcked += a.value.ackedSeq - l.acked;
        l.acked = a.value.ackedSeq;
        l.nextSeq = wanted + 1;
        batches++;
      } catch (e) {
        failed++;
        errors.add((e as Error).message);
        // Resend the same readings in a fresh frame next time round (seq numbers stay).
      }
    }
  }));
  return { type: 'data', batches, readingsAcked, failed, errors: [...errors].slice(0, 5), acked: lpus.map((l) => ({ index: l.index, ackedSeq: l.acked })), alerts };
}

parentPort!.on('message', (raw) => {
  const m = raw as WorkerRequest;
  if (m.type === 'exit') {
    agent.destroy();
    process.exit(0);
  }
  const job = m.type === 'handshakes' ? runHandshakes(m.ms) : runData(m.ms);
  job.then((r) => parentPort!.postMessage(r), (e: unknown) => {
    process.stderr.write(`fleet client worker: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
});
parentPort!.postMessage({ type: 'ready' } satisfies WorkerReply);
