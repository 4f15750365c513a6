// The whole chain in one process on one virtual clock: simulated patient → sensing firmware on the
// virtual Uno → uplink (flash queue, credential, session) → SIM800 driver → UART model → SIM800
// model → GPRS network model → the real BSN-Care server app (fastify, PGlite in memory) → its
// escalation engine → a notifier whose calls and SMS go through the server's own SIM800 (same
// driver, its own UART and modem model, a telephony model that answers per script) and whose
// email goes to an SMTP server on loopback. Only cli/ (and tests/bench) may wire firmware, sim and
// server together, so the assembly lives here.
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { createBsnServer, SERVING_CELL_HEADER, SERVING_LAI_HEADER, type BsnServer } from '../server/app.ts';
import { openDatabase, type Database } from '../server/db.ts';
import { jsonLogger, silentLogger } from '../server/log.ts';
import { composeNotifier, SmtpMailer, type Telephony } from '../server/notifier.ts';
import { classify, loadDefaultActionTables } from '../server/action-tables.ts';
import type { Reading } from '../protocol/readings.ts';
import type { RandomSource } from '../protocol/random.ts';
import { Sim800 } from '../firmware/modem/sim800.ts';
import { writeCredential } from '../firmware/uplink/credential-store.ts';
import { composeLpuUplink } from '../firmware/uplink/lpu-uplink.ts';
import type { EcgStripSource, EcgStripSourceOptions } from '../firmware/uplink/ecg-strip-source.ts';
import type { Uplink } from '../firmware/uplink/uplink.ts';
import type { FlashQueue } from '../firmware/uplink/queue.ts';
import type { Fallback } from '../firmware/uplink/fallback.ts';
import type { PersistentMemory } from '../sim/eeprom.ts';
import type { VirtualClock } from '../sim/clock.ts';
import type { Rng } from '../sim/rng.ts';
import { UartLine } from '../sim/uart.ts';
import { NetworkModel, type Cell, type HttpEndpoint, type NetworkOptions } from '../sim/sim800/network.ts';
import { Sim800Model } from '../sim/sim800/model.ts';
import { TelephonyModel, type CalleeBehaviour } from '../sim/sim800/telephony.ts';
import { createSimRun, fmtTime, type SimRun, type SimRunOptions } from './sim-run.ts';

/** Epoch of board time 0 (2026-09-21): the device's clock as set from the network. */
export const E2E_EPOCH0 = 1_790_000_000_000;
export const OPERATOR_TOKEN = 'bsn-care-simulated-operator';
export const E2E_CELL: Cell = { mcc: '262', mnc: '01', lac: 0x1a2b, ci: 0x2f3e };
export const E2E_CONTACTS = {
  family: { name: 'Anna (daughter)', phone: '+491511000001', email: 'family@example.test' },
  physician: { name: 'Dr. Berg', phone: '+491511000002', email: 'physician@example.test' },
  emergency: { name: 'Rescue 112', phone: '+49112' },
  technical: { name: 'BSN technician', phone: '+491511000009', email: 'tech@example.test' },
};
export type Role = 'family' | 'physician' | 'emergency' | 'technical';
const ROLE_OF_NUMBER = new Map<string, Role>(Object.entries(E2E_CONTACTS).map(([r, c]) => [c.phone, r as Role]));
const ROLE_OF_EMAIL = new Map<string, Role>(Object.entries(E2E_CONTACTS).flatMap(([r, c]) => ('email' in c ? [[c.email, r as Role] as const] : [])));

/** Default callees: the family and the physician never pick up; the emergency unit answers in 8-15 s. */
export const DEFAULT_ANSWERS: Record<Role, CalleeBehaviour> = {
  family: { answerProbability: 0, answerDelayMs: 0 },
  physician: { answerProbability: 0, answerDelayMs: 0 },
  emergency: { answerProbability: 1, answerDelayMs: [8000, 15000] },
  technical: { answerProbability: 1, answerDelayMs: [5000, 10000] },
};

export interface E2eOptions extends Omit<SimRunOptions, 'onSample' | 'setup' | 'onEvent'> {
  /** How each contact answers the server's calls. */
  answers?: Partial<Record<Role, CalleeBehaviour>>;
  /** The LPU's GPRS (outages, round trip). */
  network?: NetworkOptions;
  /** Escalation retry interval, ms (default 60 s). */
  retryIntervalMs?: number;
  /** Email through an SMTP server on loopback (default true). */
  smtp?: boolean;
  /** Summary period of the uplink (default 5 s) and upload period (default 60 s). */
  summaryPeriodMs?: number;
  uploadPeriodMs?: number;
  /** Called with every timeline entry as it happens. */
  onTimeline?: (e: TimelineEntry, w: E2eWorld) => void;
  /** Called once everything is built (probes, fault injection). */
  setup?: (e: E2eWorld) => void;
  /** The device sends ECG strips (on alarms and every periodMs) for the cloud-link page. */
  ecgStrips?: Omit<EcgStripSourceOptions, 'epochMs' | 'wake'>;
}

export interface TimelineEntry {
  tMs: number;
  source: 'patient' | 'device' | 'uplink' | 'server' | 'phone' | 'mail';
  text: string;
}

export interface AlertRecord {
  channel: 'call' | 'sms' | 'email';
  role: Role | 'unknown';
  to: string;
  /** Board/virtual ms the alert was placed (dialled, submitted, or received by SMTP). */
  atMs: number;
  outcome?: string;
  answeredAtMs?: number;
  /** The level whose threshold crossing (truth) this alert answers, and the latency from it. */
  level: string | null;
  latencyMs: number | null;
  text?: string;
}

export interface E2eSummary {
  scenario: string;
  seed: number;
  durationMs: number;
  /** First time the patient's true values reached each level of the server's action tables. */
  crossings: Record<string, number>;
  alerts: AlertRecord[];
  uploads: {
    posts: number; ok: number; failed: number; readingsStored: number; ackedSeq: number;
    /** Rows sharing a seq (the primary key makes this 0 unless the schema changes). */
    duplicates: number;
    /** Heart-rate readings stored twice under different seqs (same measurement time): a re-queued summary. */
    repeated: number;
    /** Heart-rate, temperature and rhythm readings measured before the previous one of their kind (by seq). */
    outOfOrder: number;
    /** Readings still in the LPU's flash queue at the end, and the last seq the LPU assigned. */
    queuedAtEnd: number;
    lastSeqAssigned: number;
  };
  escalations: Array<{ kind: string; level: string; status: string }>;
  /** The server's events (mild events, escalation triggers, quiet faults): first time per kind and level. */
  events: Array<{ kind: string; level: string; firstAtMs: number; count: number }>;
  deviceAlarms: Array<{ atMs: number; change: string; condition: string; level: string }>;
  lcd: string[] | null;
  timeline: TimelineEntry[];
  wallMs: number;
}

export interface E2eWorld {
  run: SimRun;
  clock: VirtualClock;
  server: BsnServer;
  db: Database;
  lpuModem: { line: UartLine; network: NetworkModel; model: Sim800Model; driver: Sim800 };
  serverModem: { telephony: TelephonyModel; driver: Sim800 };
  uplink: Uplink;
  /** The LPU's flash queue (what the uplink has not had acknowledged yet). */
  queue: FlashQueue;
  fallback: Fallback;
  strips: EcgStripSource | null;
  /** Starts the device's sensing and its uplink (summaries, uploads, fallback, strips); the modems initialised first. */
  startDevice(): void;
  timeline: TimelineEntry[];
  mails: Array<{ to: string; atMs: number; text: string }>;
}

const TABLES = loadDefaultActionTables();
const LEVEL_RANK = ['none', 'mild', 'family', 'physician', 'emergency', 'critical'];
const ROLE_LEVEL: Record<Role, string> = { family: 'family', physician: 'physician', emergency: 'emergency', technical: 'fault' };

/** A seeded RandomSource (the server's link tokens, the LPU's nonces) from the simulator's Rng. */
function randomFrom(rng: Rng): RandomSource {
  return (n: number) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = rng.int(0, 255);
    return b;
  };
}

/**
 * The server's telephony over its own SIM800: one call or SMS at a time (one modem). Whatever goes
 * to the emergency number goes first, and a call still ringing at someone else is hung up when
 * the emergency unit is waiting: an asystole must not wait out a 45 s ring at the family (the
 * family is called again on the escalation's next retry).
 */
function modemTelephony(driver: Sim800, busy: { n: number }, needsVirtualTime: () => void, emergencyNumber: string): Telephony {
  interface Job { urgent: boolean; run: (current: { urgentWaiting: () => boolean }) => Promise<void> }
  const waiting: Job[] = [];
  let running = false;
  const urgentWaiting = () => waiting.some((j) => j.urgent);
  const next = () => {
    if (running) return;
    const i = waiting.findIndex((j) => j.urgent);
    const job = waiting.splice(i >= 0 ? i : 0, 1)[0];
    if (!job) return;
    running = true;
    void job.run({ urgentWaiting }).finally(() => {
      running = false;
      busy.n--;
      next();
    });
  };
  const one = <T>(to: string, fn: (current: { urgentWaiting: () => boolean }) => Promise<T>): Promise<T> => {
    busy.n++;
    needsVirtualTime();
    return new Promise<T>((resolve, reject) => {
      waiting.push({ urgent: to === emergencyNumber, run: (c) => fn(c).then(resolve, reject) });
      next();
    });
  };
  return {
    call: (to) => one(to, async (c) => {
      const giveUpIf = to === emergencyNumber ? undefined : c.urgentWaiting;
      const r = await driver.call(to, { answerTimeoutMs: 45_000, ...(giveUpIf ? { giveUpIf } : {}) });
      return r.outcome === 'answered' ? 'answered' : r.outcome === 'busy' ? 'busy' : r.outcome === 'no-answer' || r.outcome === 'no-carrier' ? 'no-answer' : 'failed';
    }),
    sms: (to, text) => one(to, async () => {
      // PDU mode: a notice longer than 160 characters goes as one concatenated SMS (the phone
      // joins the parts), so nothing of it (the location, the link) is lost.
      const r = await driver.sendSms(to, text.replace(/[^\x20-\x7e]/g, '?'));
      return r.messageRef === null ? 'failed' : 'sent';
    }),
  };
}

function laiHeader(c: Cell): string {
  return `${c.mcc}-${c.mnc}-0x${c.lac.toString(16).padStart(4, '0')}`;
}

/** Runs the clock until `p` settles (bounded by `limitMs` of virtual time). */
export async function runOn<T>(clock: VirtualClock, p: Promise<T>, limitMs = 600_000, stepMs = 50): Promise<T> {
  let settled = false;
  let failed = false;
  let value: T | undefined;
  let error: unknown;
  p.then((v) => { settled = true; value = v; }, (err) => { settled = true; failed = true; error = err; });
  const end = clock.now() + limitMs;
  while (!settled && clock.now() < end) await clock.runFor(stepMs);
  if (!settled) throw new Error(`did not settle within ${limitMs} ms of virtual time`);
  if (failed) throw error;
  return value as T;
}

/**
 * Stops the server's escalation engine while running the virtual clock. The engine's last step may
 * be a phone call through the server's modem model, which only progresses in virtual time: awaiting
 * `engine.stop()` (or `idle()`, or `server.close()`) without running the clock never returns.
 */
export async function stopEngine(clock: VirtualClock, server: BsnServer, limitMs = ENGINE_DRAIN_LIMIT_MS): Promise<void> {
  if (!server.engine) return;
  await runOn(clock, server.engine.stop(), limitMs);
}

/** Virtual time the engine may take to finish its step in flight: a 45 s call plus the modem's setup. */
const ENGINE_DRAIN_LIMIT_MS = 180_000;

/** Builds the world; `runE2e` runs it. */
export async function createE2e(o: E2eOptions): Promise<E2eWorld & { close(): Promise<void> }> {
  const { setup: _setup, ...simOpts } = o;
  const run = createSimRun(simOpts);
  const w = run.dw.world;
  const clock = w.clock;
  const rng = w.rng.fork('e2e');
  const timeline: TimelineEntry[] = [];
  // eslint-disable-next-line prefer-const
  let world: E2eWorld;
  const note = (source: TimelineEntry['source'], text: string) => {
    const e = { tMs: clock.now(), source, text };
    timeline.push(e);
    o.onTimeline?.(e, world);
  };

  // Server: PGlite in memory; its database work holds virtual time (clock.track), its phone calls
  // take virtual time (the modem rings), so the clock it gets has no track and the db is wrapped.
  const rawDb = await openDatabase({});
  const db: Database = {
    kind: rawDb.kind,
    query: (text, params) => clock.track(rawDb.query(text, params)),
    transaction: (fn) => clock.track(rawDb.transaction(fn)),
    close: () => rawDb.close(),
  };
  const mails: E2eWorld['mails'] = [];
  let smtp: SMTPServer | null = null;
  let mailer: SmtpMailer | null = null;
  if (o.smtp ?? true) {
    const srv = new SMTPServer({
      authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false,
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          for (const r of session.envelope.rcptTo) {
            mails.push({ to: r.address, atMs: clock.now(), text });
            note('mail', `email to ${ROLE_OF_EMAIL.get(r.address) ?? r.address} delivered`);
          }
          cb();
        });
      },
    });
    smtp = srv;
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const port = (srv.server.address() as AddressInfo).port;
    const smtpMailer = new SmtpMailer(`smtp://127.0.0.1:${port}`);
    mailer = smtpMailer;
  }
  const trackedMailer = mailer ? { send: (m: Parameters<SmtpMailer['send']>[0]) => clock.track(mailer!.send(m)) } : null;

  // A request holds virtual time while the server works on it, but a request that waits for the
  // escalation engine may wait for a phone call, which takes virtual time: when the server starts
  // using its modem, every held request lets time go on (a deterministic point in the flow).
  let held: Array<() => void> = [];
  const releaseHeld = () => {
    const h = held;
    held = [];
    for (const r of h) r();
  };
  const modemBusy = { n: 0 };
  const holdWhile = <T>(p: Promise<T>): Promise<T> => {
    // While the modem is in a call, a request may wait for it: time must go on.
    if (modemBusy.n > 0) return p;
    const released = new Promise<void>((res) => held.push(res));
    void clock.track(Promise.race([p.then(() => undefined, () => undefined), released]));
    return p;
  };

  // The server's own modem: its UART, SIM800 model, a GSM network and the phone network's callees.
  // Both ends poll their receive FIFO every millisecond (a firmware loop; see sim/uart.ts): one
  // clock event per millisecond with data instead of one per byte.
  const sLine = new UartLine(clock, {}, { name: 'server-host', readIntervalMs: 1 }, { name: 'server-sim800', rxFifoBytes: 1024, readIntervalMs: 1 });
  await sLine.b.open(115200);
  const answers = { ...DEFAULT_ANSWERS, ...o.answers };
  const sTelephony = new TelephonyModel(rng.fork('server-telephony'), {
    behaviours: Object.fromEntries(Object.entries(E2E_CONTACTS).map(([r, c]) => [c.phone, answers[r as Role]])),
    defaultBehaviour: { answerProbability: 0, answerDelayMs: 0 },
  });
  const sNetwork = new NetworkModel(clock, rng.fork('server-network'), { cell: { mcc: '262', mnc: '01', lac: 0x0100, ci: 0x0001 } });
  new Sim800Model(sLine.b, clock, { rng: rng.fork('server-model'), network: sNetwork, telephony: sTelephony, bootMs: 2000 });
  const sDriver = new Sim800(sLine.a, clock, { baud: 115200, smsMode: 'pdu' });
  sTelephony; // calls and SMS are read from its records
  const server = await createBsnServer({
    db, clock: { now: () => E2E_EPOCH0 + Math.floor(clock.now()), after: (ms, task) => clock.after(ms, task) },
    notifier: composeNotifier(modemTelephony(sDriver, modemBusy, releaseHeld, E2E_CONTACTS.emergency.phone), trackedMailer),
    operatorToken: OPERATOR_TOKEN, random: randomFrom(rng.fork('server-random')), log: process.env.BSN_E2E_LOG ? jsonLogger((l) => void process.stderr.write(l + '\n')) : silentLogger,
    escalation: { retryIntervalMs: o.retryIntervalMs ?? 60_000 },
    linkBase: 'https://care.example/ack',
  });

  // The LPU's modem: UART at bit level, SIM800 model, GPRS to the server in this process.
  const cell = o.network?.cell ?? E2E_CELL;
  const endpoint: HttpEndpoint = {
    post: (url, body, contentType) => holdWhile((async () => {
      const r = await server.http.inject({
        method: 'POST', url: new URL(url).pathname, payload: Buffer.from(body),
        headers: { 'content-type': contentType, [SERVING_LAI_HEADER]: laiHeader(cell), [SERVING_CELL_HEADER]: `0x${cell.ci.toString(16)}` },
      });
      return { status: r.statusCode, body: new Uint8Array(r.rawPayload) };
    })()),
  };
  const line = new UartLine(clock, {}, { name: 'uno', readIntervalMs: 1 }, { name: 'sim800', rxFifoBytes: 1024, readIntervalMs: 1 });
  await line.b.open(115200);
  const network = new NetworkModel(clock, rng.fork('network'), { endpoint, ...o.network, cell });
  const lpuTelephony = new TelephonyModel(rng.fork('lpu-telephony'));
  const model = new Sim800Model(line.b, clock, { rng: rng.fork('model'), network, telephony: lpuTelephony, bootMs: 2000 });
  const driver = new Sim800(line.a, clock, { baud: 115200 });

  // Provisioning (the registration phase's secure channel): the credential into EEPROM and flash.
  const reg = await server.http.inject({ method: 'POST', url: '/v1/register', payload: JSON.stringify({ contacts: E2E_CONTACTS }), headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_TOKEN}` } });
  if (reg.statusCode !== 201) throw new Error(`register: ${reg.statusCode} ${reg.body}`);
  const nv = { eeprom: w.uno.eeprom() as PersistentMemory, flash: w.uno.flash() as PersistentMemory };
  writeCredential(nv, new Uint8Array(reg.rawPayload));

  const toEpoch = (boardMs: number) => E2E_EPOCH0 + Math.round(boardMs);
  // The same uplink composition as `bsn-care run` on hardware (firmware/uplink/lpu-uplink.ts).
  const lpu = composeLpuUplink(
    { scheduler: clock, nv, modem: driver, device: run.device, random: randomFrom(rng.fork('lpu-random')), jitterRandom: randomFrom(rng.fork('lpu-backoff')), epochMs: toEpoch },
    { baseUrl: 'http://bsn-care.example', apn: 'internet', summaryPeriodMs: o.summaryPeriodMs ?? 5000, uploadPeriodMs: o.uploadPeriodMs ?? 60_000, ecgStrips: o.ecgStrips ?? false },
  );

  world = {
    run, clock, server, db: rawDb,
    lpuModem: { line, network, model, driver },
    serverModem: { telephony: sTelephony, driver: sDriver },
    uplink: lpu.uplink, queue: lpu.queue, fallback: lpu.fallback, strips: lpu.strips, timeline, mails,
    startDevice() {
      run.device.start();
      lpu.start();
    },
  };
  o.setup?.(world);
  return {
    ...world,
    async close() {
      lpu.stop();
      try {
        // If the engine cannot finish (its step outlasts the limit), closing the server would wait
        // for it forever: report that instead, and still free the sockets.
        await stopEngine(clock, server);
        await server.close();
        await rawDb.close();
      } finally {
        mailer?.close();
        if (smtp) await new Promise<void>((res) => smtp!.close(() => res()));
      }
    },
  };
}

/** Runs the whole chain for `durationMs` and returns the summary with alert latencies. */
export async function runE2e(o: E2eOptions): Promise<E2eSummary> {
  const wall0 = performance.now();
  const e = await createE2e(o);
  const { run, clock, timeline } = e;
  const w = run.dw.world;
  const note = (source: TimelineEntry['source'], text: string) => {
    const x = { tMs: clock.now(), source, text };
    timeline.push(x);
    o.onTimeline?.(x, e);
  };
  try {
    if (o.speed !== undefined) clock.setSpeed(o.speed);
    // Threshold crossings: the patient's true values once a second, classified by the server's own tables.
    const crossings: Record<string, number> = {};
    let worst = 0;
    const probe = () => {
      const t = w.truth();
      const at = E2E_EPOCH0 + clock.now();
      const rs: Reading[] = [
        { kind: 'blood-pressure', systolicMmHg: t.systolicMmHg, diastolicMmHg: t.diastolicMmHg, seq: 1, measuredAt: at },
        { kind: 'heart-rate', heartRateBpm: t.heartRateBpm, seq: 1, measuredAt: at },
        { kind: 'temperature', tempC: t.coreTempC, seq: 1, measuredAt: at },
      ];
      for (const r of rs) {
        const c = classify(TABLES, r);
        const rank = LEVEL_RANK.indexOf(c.level);
        for (let k = 2; k <= rank; k++) {
          const lvl = LEVEL_RANK[k]!;
          if (crossings[lvl] === undefined) {
            crossings[lvl] = clock.now();
            if (k > worst) worst = k;
            note('patient', `true ${r.kind} crosses the ${lvl} threshold (${c.why})`);
          }
        }
      }
    };
    probe();
    clock.every(1000, probe);
    run.device.onEvent((ev) => {
      if (ev.kind === 'alarm') note('device', `alarm ${ev.change}: ${ev.alarm.condition} (${ev.alarm.level}) ${ev.alarm.detail}`);
      else if (ev.kind === 'blood-pressure') note('device', ev.result.kind === 'reading' ? `cuff ${ev.result.systolicMmHg.toFixed(0)}/${ev.result.diastolicMmHg.toFixed(0)} mmHg` : `cuff fault ${ev.result.fault}`);
      else if (ev.kind === 'fault') note('device', `fault ${ev.channel} ${ev.fault}`);
    });
    // Uploads as the network saw them.
    const net = e.lpuModem.network;
    let seenPosts = 0;
    clock.every(1000, () => {
      for (; seenPosts < net.posts.length; seenPosts++) {
        const p = net.posts[seenPosts]!;
        const path = new URL(p.url).pathname;
        const st = e.uplink.status();
        note('uplink', `POST ${path} (${p.body.length} B) -> ${p.status}${path === '/v1/data' ? `; server has all readings through seq ${st.acknowledgedSeq}, ${st.queued} queued` : ''}`);
      }
    });
    // Server's calls and SMS as the phone network saw them.
    const tel = e.serverModem.telephony;
    let seenSms = 0;
    const callNoted = new Set<number>();
    clock.every(1000, () => {
      tel.calls.forEach((c, i) => {
        if (!callNoted.has(i) && (c.outcome !== undefined || c.answeredAt !== undefined)) {
          callNoted.add(i);
          const how = c.answeredAt !== undefined ? `ANSWERED after ${((c.answeredAt - c.dialledAt) / 1000).toFixed(0)} s` : c.outcome === 'hung-up-by-caller' ? `no answer (the server hung up after ${(((c.endedAt ?? c.dialledAt) - c.dialledAt) / 1000).toFixed(0)} s)` : c.outcome;
          note('phone', `server's call to ${ROLE_OF_NUMBER.get(c.number) ?? c.number} (${c.number}) placed at ${fmtTime(c.dialledAt)}: ${how}`);
        }
      });
      for (; seenSms < tel.outbox.length; seenSms++) {
        const s = tel.outbox[seenSms]!;
        note('phone', `SMS to ${ROLE_OF_NUMBER.get(s.number) ?? s.number}: ${s.text.slice(0, 120)}`);
      }
    });

    await runOn(clock, e.serverModem.driver.init());
    await runOn(clock, e.lpuModem.driver.init());
    e.startDevice();
    await clock.runUntil(o.durationMs);
    // The run ends: the LPU stops, and the escalation engine finishes the step in flight (a call
    // rings for up to 45 s of virtual time) and starts no new one.
    run.device.stop();
    e.uplink.stop();
    e.fallback.stop();
    e.strips?.stop();
    await stopEngine(clock, e.server);

    const latency = (role: Role | 'unknown', atMs: number) => {
      const level = role === 'unknown' ? null : ROLE_LEVEL[role];
      const c = level !== null ? crossings[level] : undefined;
      return { level, latencyMs: c === undefined ? null : atMs - c };
    };
    const alerts: AlertRecord[] = [];
    for (const c of tel.calls) {
      const role = ROLE_OF_NUMBER.get(c.number) ?? 'unknown';
      alerts.push({ channel: 'call', role, to: c.number, atMs: c.dialledAt, ...(c.outcome ? { outcome: c.outcome } : {}), ...(c.answeredAt !== undefined ? { answeredAtMs: c.answeredAt } : {}), ...latency(role, c.dialledAt) });
    }
    // The phone's record: a concatenated SMS appears whole, when its last part arrived.
    for (const s of tel.outbox) {
      const role = ROLE_OF_NUMBER.get(s.number) ?? 'unknown';
      alerts.push({ channel: 'sms', role, to: s.number, atMs: s.at, text: s.text, ...latency(role, s.at) });
    }
    for (const m of e.mails) {
      const role = ROLE_OF_EMAIL.get(m.to) ?? 'unknown';
      alerts.push({ channel: 'email', role, to: m.to, atMs: m.atMs, ...latency(role, m.atMs) });
    }
    alerts.sort((a, b) => a.atMs - b.atMs);
    const stored = await e.db.query('SELECT count(*) AS n, count(DISTINCT seq) AS d FROM readings');
    const repeated = await e.db.query(`SELECT count(*) - count(DISTINCT measured_at) AS r FROM readings WHERE kind = 'heart-rate'`);
    const outOfOrder = await e.db.query(`SELECT count(*) AS n FROM (SELECT measured_at < lag(measured_at) OVER (PARTITION BY kind ORDER BY seq) AS back FROM readings WHERE kind IN ('heart-rate', 'temperature', 'rhythm')) x WHERE back`);
    const acked = await e.db.query('SELECT acked_seq FROM lpus');
    const escs = await e.db.query('SELECT topic, status, state FROM escalations ORDER BY id');
    const evs = await e.db.query('SELECT kind, level, min(at) AS first_at, count(*) AS n FROM events GROUP BY kind, level ORDER BY min(at), kind, level');
    const dev = run.device;
    void dev;
    return {
      scenario: w.patient.scenario.name,
      seed: o.seed,
      durationMs: o.durationMs,
      crossings,
      alerts,
      uploads: {
        posts: net.posts.length,
        ok: net.posts.filter((p) => p.status >= 200 && p.status < 300).length,
        failed: net.posts.filter((p) => !(p.status >= 200 && p.status < 300)).length,
        readingsStored: Number(stored[0]!.n),
        ackedSeq: Number(acked[0]?.acked_seq ?? 0),
        duplicates: Number(stored[0]!.n) - Number(stored[0]!.d),
        repeated: Number(repeated[0]!.r),
        outOfOrder: Number(outOfOrder[0]!.n),
        queuedAtEnd: e.queue.pendingReadings,
        lastSeqAssigned: e.queue.assignedSeq,
      },
      escalations: escs.map((r) => ({ kind: String(r.topic), level: String((JSON.parse(String(r.state)) as { core?: { level?: string } }).core?.level ?? '?'), status: String(r.status) })),
      events: evs.map((r) => ({ kind: String(r.kind), level: String(r.level), firstAtMs: Number(r.first_at) - E2E_EPOCH0, count: Number(r.n) })),
      deviceAlarms: timeline.filter((t) => t.source === 'device' && t.text.startsWith('alarm')).map((t) => {
        const m = /^alarm (\w+): (\S+) \((\w+)\)/.exec(t.text)!;
        return { atMs: t.tMs, change: m[1]!, condition: m[2]!, level: m[3]! };
      }),
      lcd: run.lcdLines(),
      timeline,
      wallMs: Math.round(performance.now() - wall0),
    };
  } finally {
    await e.close();
  }
}
