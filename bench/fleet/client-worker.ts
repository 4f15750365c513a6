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

interface PhaseTally {
  batches: number;
  readingsAcked: number;
  failed: number;
  readonly errors: Set<string>;
  readonly latenciesMs: number[];
  readonly alerts: AlertSent[];
}

const gprs = root.fork('gprs');

/** Seals and sends the LPU's next batch; with crossing, its last reading crosses a threshold. */
async function sendBatch(l: FleetLpu, t: PhaseTally, crossedAtMs: number | null): Promise<void> {
  const items: Reading[] = [];
  for (let i = 0; i < init.batch; i++) {
    const seq = l.nextSeq + i;
    items.push({ ...normalValue(l.rng, seq), seq, measuredAt: SIM_T0_MS + seq * 1000 } as Reading);
  }
  let alert: AlertSent | null = null;
  if (crossedAtMs !== null) {
    // The crossing is the batch's last reading; the LPU uploads it at once (the alarm path does
    // not wait for its next upload slot).
    const last = items[items.length - 1]!;
    const v = CROSSINGS[l.index % CROSSINGS.length]!;
    items[items.length - 1] = { ...v, seq: last.seq, measuredAt: last.measuredAt } as Reading;
    alert = { index: l.index, crossedAtMs, gprsMs: gprs.uniform(300, 800), kind: v.kind };
  }
  const sealed = l.session!.channel.seal(encodeBatch(items));
  if (!sealed.ok) throw new Error(`seal: ${sealed.error.code}`);
  const sentAtMs = nowMs();
  if (alert) t.alerts.push(alert);
  try {
    const r = await post(agent, base, '/v1/data', sealed.value);
    if (r.status !== 200) throw new Error(`data ${r.status}: ${r.body.toString('utf8').slice(0, 120)}`);
    const o = l.session!.channel.open(new Uint8Array(r.body));
    if (!o.ok) throw new Error(`ack frame: ${o.error.code}`);
    const a = decodeAck(o.value.plaintext);
    if (!a.ok) throw new Error(`ack: ${a.error.code}`);
    const wanted = l.nextSeq + init.batch - 1;
    if (a.value.ackedSeq !== wanted) throw new Error(`ack ${a.value.ackedSeq}, expected ${wanted}`);
    t.readingsAcked += a.value.ackedSeq - l.acked;
    l.acked = a.value.ackedSeq;
    l.nextSeq = wanted + 1;
    t.batches++;
    t.latenciesMs.push(nowMs() - sentAtMs);
  } catch (e) {
    t.failed++;
    t.errors.add((e as Error).message);
    // The same seq numbers go again in the next frame.
  }
}

const newTally = (): PhaseTally => ({ batches: 0, readingsAcked: 0, failed: 0, errors: new Set(), latenciesMs: [], alerts: [] });
const reply = (t: PhaseTally): WorkerReply => ({
  type: 'data', batches: t.batches, readingsAcked: t.readingsAcked, failed: t.failed, errors: [...t.errors].slice(0, 5),
  acked: lpus.map((l) => ({ index: l.index, ackedSeq: l.acked })), alerts: t.alerts, latenciesMs: t.latenciesMs,
});

/** Saturation: every LPU sends its next batch as soon as the previous one is acknowledged. */
async function runData(ms: number): Promise<WorkerReply> {
  const deadline = performance.now() + ms;
  const t = newTally();
  await Promise.all(lpus.map(async (l) => {
    if (!l.session) await handshake(l);
    while (performance.now() < deadline) await sendBatch(l, t, null);
  }));
  return reply(t);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Paced (open loop): every LPU sends one batch per intervalMs, at a seeded phase offset, as a
 * fleet on a fixed upload schedule would; an LPU whose patient crosses a threshold sends at once.
 */
async function runPaced(ms: number, intervalMs: number): Promise<WorkerReply> {
  const t0 = performance.now();
  const deadline = t0 + ms;
  const t = newTally();
  await Promise.all(lpus.map(async (l) => {
    if (!l.session) await handshake(l);
    let nextTick = t0 + l.rng.uniform(0, intervalMs);
    for (;;) {
      const alertAt = l.alertDue === null ? Infinity : t0 + l.alertDue;
      const at = Math.min(nextTick, alertAt);
      if (at >= deadline) break;
      await sleep(at - performance.now());
      const crossing = at === alertAt;
      if (crossing) l.alertDue = null;
      else nextTick += intervalMs;
      // The crossing instant is the scheduled one: time the LPU spends finishing a previous
      // upload, or late timers, count towards the alert's latency.
      await sendBatch(l, t, crossing ? performance.timeOrigin + at : null);
    }
  }));
  return reply(t);
}

parentPort!.on('message', (raw) => {
  const m = raw as WorkerRequest;
  if (m.type === 'exit') {
    agent.destroy();
    process.exit(0);
  }
  const job = m.type === 'handshakes' ? runHandshakes(m.ms) : m.type === 'paced' ? runPaced(m.ms, m.intervalMs) : runData(m.ms);
  job.then((r) => parentPort!.postMessage(r), (e: unknown) => {
    process.stderr.write(`fleet client worker: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
});
parentPort!.postMessage({ type: 'ready' } satisfies WorkerReply);
