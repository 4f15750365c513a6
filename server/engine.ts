// The escalation engine: the thin stateful shell around the pure core (escalation.ts). Every
// state change is one transaction with compare-and-swap on the escalation row, and every
// call/SMS/email is an outbox row written as 'intent' in that same transaction, sent, then marked
// 'done' (for a call, together with the call's result). After a crash, resume() sends whatever
// is still 'intent' - at most the one step that was in flight - and re-arms the timers, so an
// escalation loses no step and repeats at most one.
//
// Several server processes may share one PostgreSQL database, each with an engine: a lease on the
// escalation row (escalation-lease.ts) picks the one process that fires its timers and sends its
// outbox rows; the others still apply readings and acknowledgements to it. A process that dies
// leaves its leases to run out, and another one continues its escalations (at most one step
// repeated). On PGlite (one process per database) the engine takes every lease at start.
import { createHash, randomUUID } from 'node:crypto';
import { formatLai, decodeLai, type RandomSource } from '../protocol/index.ts';
import type { ServerClock, TimerHandle } from './clock.ts';
import type { Classification } from './action-tables.ts';
import type { Contacts } from './contacts.ts';
import { int, intOrNull, type Database, type Sql } from './db.ts';
import { opensAfter, startEscalation, stepEscalation, type Action, type CallOutcome, type EscalationConfig, type EscalationEvent, type EscalationLevel, type EscalationState, type Role, type Transition } from './escalation.ts';
import type { Logger } from './log.ts';
import type { Notifier } from './notifier.ts';
import type { Reading } from '../protocol/readings.ts';
import { EscalationLeases, migrateLeases } from './escalation-lease.ts';
import { checkTimeZone, describeCurrent, describeReading, formatClockTime, type DescribeOptions } from './describe.ts';

export interface EngineOptions {
  readonly db: Database;
  readonly clock: ServerClock;
  readonly notifier: Notifier;
  readonly log: Logger;
  readonly random: RandomSource;
  readonly config: EscalationConfig;
  /** Base of the per-recipient acknowledgement links, e.g. https://care.example/ack. */
  readonly linkBase: string;
  /** A fault of the same sensor and kind within this time is recorded, not notified again. */
  readonly faultQuietMs?: number;
  /** IANA time zone for the measurement times in messages (default UTC). */
  readonly timeZone?: string;
  /** How long an escalation stays with a process that stopped renewing (default 15 s). */
  readonly leaseMs?: number;
  /** How often leases are renewed and free or expired ones looked for (default min(1 s, leaseMs / 3)). */
  readonly pollMs?: number;
  /**
   * Whether other processes may run engines on this database (default: PostgreSQL yes, PGlite
   * no). When false, every lease is taken at start and there is no polling.
   */
  readonly shared?: boolean;
  /** This process's lease owner id (default a random UUID). */
  readonly instanceId?: string;
}

export const DEFAULT_LEASE_MS = 15_000;

interface Stored {
  readonly core: EscalationState;
  /** The reading that opened the escalation. */
  readonly trigger: { readonly summary: string; readonly why: string; readonly seq: number };
  /** Why the escalation is at its current level (the reading that last raised it); absent = trigger.why. */
  readonly why?: string;
}

interface MessageContext {
  readonly lpuId: number;
  readonly contacts: Contacts;
  /** LAI and cell from the last MA1 whose LAI matched the serving network's. */
  readonly location: string;
  /** When that MA1 was accepted, formatted; null if unknown. */
  readonly verifiedAt: string | null;
  /** The newest reading of the escalation's kind and the one that opened it (null for faults). */
  readonly latest: Reading | null;
  readonly first: Reading | null;
  readonly now: number;
}

/** One SMS (GSM 7-bit, no concatenation in the SIM800 driver). */
export const SMS_CHARS = 160;

class ConflictError extends Error {}

export const hashToken = (token: string): Uint8Array => new Uint8Array(createHash('sha256').update(token, 'utf8').digest());

const base64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

export class EscalationEngine {
  private readonly timers = new Map<number, TimerHandle>();
  private readonly chains = new Map<number, Promise<void>>();
  private stopped = false;
  private poller: ReturnType<typeof setInterval> | null = null;
  private polling = false;
  /** Version of each held escalation as its last drain saw it (a poll re-drains only on change). */
  private readonly seen = new Map<number, number>();
  readonly leases: EscalationLeases;
  readonly shared: boolean;

  constructor(private readonly o: EngineOptions) {
    if (o.timeZone) checkTimeZone(o.timeZone);
    const leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
    if (!(leaseMs >= 100)) throw new RangeError('leaseMs must be at least 100');
    this.leases = new EscalationLeases(o.db, o.instanceId ?? randomUUID(), leaseMs);
    this.shared = o.shared ?? o.db.kind === 'postgres';
  }

  /**
   * Starts the engine on its database: takes over what a previous process left (re-arms timers,
   * finishes interrupted sends) and, on a shared database, starts renewing leases and looking for
   * escalations whose owner died.
   */
  async resume(): Promise<void> {
    await migrateLeases(this.o.db);
    const ids = this.shared ? (await this.leases.claimable()).map((c) => c.id) : await this.leases.takeAll();
    for (const id of ids) this.schedule(id);
    if (ids.length) this.o.log.log('info', 'escalations-resumed', { count: ids.length });
    if (this.shared && !this.stopped) {
      const pollMs = this.o.pollMs ?? Math.min(1000, Math.floor(this.leases.ttlMs / 3));
      // Real time on purpose: a lease measures whether a process is alive, not simulated time.
      this.poller = setInterval(() => void this.poll(), pollMs);
      this.poller.unref?.();
    }
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      await this.leases.renewAll();
      // Work this process holds that another process changed (a reading, an acknowledgement), or
      // may take over (its owner stopped renewing); drain() claims before it acts.
      for (const c of await this.leases.claimable()) {
        if (this.chains.has(c.id) || (c.mine && this.seen.get(c.id) === c.version)) continue;
        this.schedule(c.id);
      }
    } catch (e) {
      this.o.log.log('warn', 'lease-poll-failed', { error: String((e as Error)?.message ?? e) });
    } finally {
      this.polling = false;
    }
  }

  /** Handles one newly stored, classified reading. Returns the escalation id, if any. */
  async onReading(lpuId: number, reading: Reading, c: Classification): Promise<number | null> {
    if (c.level === 'none') return null;
    const now = this.o.clock.now();
    const at = { lpuId, seq: reading.seq, kind: reading.kind, level: c.level };
    if (c.level === 'mild') {
      // The LPU beeps locally; the server only records the event.
      await this.o.db.query('INSERT INTO events (lpu_id, seq, kind, level, at) VALUES ($1, $2, $3, $4, $5)', [lpuId, reading.seq, reading.kind, 'mild', now]);
      this.o.log.log('info', 'mild-event', at);
      return null;
    }
    const level = c.level as EscalationLevel;
    const topic = reading.kind === 'fault' ? `fault:${reading.sensor}:${reading.fault}` : reading.kind;
    const trigger = { summary: describeReading(reading), why: c.why, seq: reading.seq };
    for (let tries = 0; tries < 5; tries++) {
      try {
        const id = await this.o.db.transaction(async (tx) => {
          const open = await tx.query(`SELECT id, state, version FROM escalations WHERE lpu_id = $1 AND topic = $2 AND status = 'active'`, [lpuId, topic]);
          let escId: number;
          if (open[0]) {
            escId = int(open[0].id);
            const stored = JSON.parse(String(open[0].state)) as Stored;
            const t = stepEscalation(stored.core, { type: 'reading', level }, now, this.o.config);
            const raised = t.state.level !== stored.core.level ? { why: c.why } : {};
            if (t.state !== stored.core) await this.commit(tx, escId, int(open[0].version), { ...stored, ...raised, core: t.state }, t, now);
          } else {
            const last = (await tx.query('SELECT state, status, updated_at FROM escalations WHERE lpu_id = $1 AND topic = $2 ORDER BY id DESC LIMIT 1', [lpuId, topic]))[0];
            const prev = last ? { ...(JSON.parse(String(last.state)) as Stored).core, status: String(last.status) as 'active' | 'resolved', updatedAt: int(last.updated_at) } : null;
            if (!opensAfter(prev, level, now, this.o.config)) {
              // Recorded, not rung: someone answered for this within the quiet time.
              await tx.query('INSERT INTO events (lpu_id, seq, kind, level, at) VALUES ($1, $2, $3, $4, $5)', [lpuId, reading.seq, reading.kind, level, now]);
              return null;
            }
            if (level === 'fault' && reading.kind === 'fault' && reading.sensor === 'ppg' && (reading.fault === 'flat' || reading.fault === 'no-pulse')) {
              // No pulse at the finger while the ECG shows a critical rhythm or rate is the same
              // emergency seen twice, not a sensor to fix: a "technical fault" text to the family
              // at that moment would mislead. Recorded, not notified.
              const active = await tx.query(`SELECT state FROM escalations WHERE lpu_id = $1 AND status = 'active' AND topic IN ('rhythm', 'heart-rate')`, [lpuId]);
              const levels = active.map((r) => (JSON.parse(String(r.state)) as Stored).core.level);
              if (levels.some((l) => l === 'critical' || l === 'emergency')) {
                await tx.query('INSERT INTO events (lpu_id, seq, kind, level, at) VALUES ($1, $2, $3, $4, $5)', [lpuId, reading.seq, reading.kind, 'fault', now]);
                return null;
              }
            }
            if (level === 'fault') {
              const recent = await tx.query('SELECT created_at FROM escalations WHERE lpu_id = $1 AND topic = $2 ORDER BY id DESC LIMIT 1', [lpuId, topic]);
              if (recent[0] && now - int(recent[0].created_at) < (this.o.faultQuietMs ?? 3_600_000)) {
                await tx.query('INSERT INTO events (lpu_id, seq, kind, level, at) VALUES ($1, $2, $3, $4, $5)', [lpuId, reading.seq, reading.kind, 'fault', now]);
                return null;
              }
            }
            const t = startEscalation(level, now);
            // The process that opens an escalation owns it first.
            const lease = this.leases.insertValues();
            const ins = await tx.query(
              `INSERT INTO escalations (lpu_id, topic, status, state, next_due_at, version, created_at, updated_at, ${lease.columns}) VALUES ($1, $2, 'active', $3, NULL, 0, $4, $4, ${lease.values(5)}) RETURNING id`,
              [lpuId, topic, JSON.stringify({ core: t.state, trigger }), now, ...lease.params],
            );
            escId = int(ins[0]!.id);
            await this.commit(tx, escId, 0, { core: t.state, trigger }, t, now);
          }
          await tx.query('INSERT INTO events (lpu_id, seq, kind, level, escalation_id, at) VALUES ($1, $2, $3, $4, $5, $6)', [lpuId, reading.seq, reading.kind, level, escId, now]);
          return escId;
        });
        if (id !== null) {
          this.o.log.log('info', 'escalation-event', { ...at, escalation: id });
          this.schedule(id);
        }
        return id;
      } catch (e) {
        // Another writer opened or changed the escalation first: read again and re-apply.
        if (!(e instanceof ConflictError) && !isUniqueViolation(e)) throw e;
      }
    }
    throw new Error('escalation update kept conflicting');
  }

  /** A recipient's acknowledgement through their link token; returns the role, or null if unknown. */
  async acknowledge(token: string): Promise<{ escalationId: number; role: Role } | null> {
    const rows = await this.o.db.query('SELECT escalation_id, role FROM ack_tokens WHERE token_hash = $1', [hashToken(token)]);
    if (!rows[0]) return null;
    const escalationId = int(rows[0].escalation_id);
    const role = String(rows[0].role) as Role;
    await this.o.db.query('UPDATE ack_tokens SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL', [hashToken(token), this.o.clock.now()]);
    await this.serial(escalationId, () => this.apply(escalationId, { type: 'acknowledged', role }));
    this.o.log.log('info', 'acknowledged', { escalation: escalationId, role });
    this.schedule(escalationId);
    return { escalationId, role };
  }

  /** Resolves once no escalation work is queued (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.chains.values()];
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
    await this.idle();
    // Another process may continue at once instead of waiting for the leases to run out.
    await this.leases.releaseAll().catch(() => undefined);
  }

  // ---- internals ----

  private serial(id: number, fn: () => Promise<void>): Promise<void> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(fn).catch((e: unknown) => this.o.log.log('error', 'escalation-error', { escalation: id, error: String((e as Error)?.message ?? e) }));
    this.chains.set(id, next);
    this.o.clock.track?.(next);
    void next.then(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }

  private schedule(id: number): void {
    if (this.stopped) return;
    void this.serial(id, () => this.drain(id));
  }

  private async commit(tx: Sql, id: number, version: number, stored: Stored, t: Transition, now: number): Promise<void> {
    const s = t.state;
    const upd = await tx.query(
      `UPDATE escalations SET state = $3, status = $4, next_due_at = $5, version = version + 1, updated_at = $6 WHERE id = $1 AND version = $2 RETURNING id`,
      [id, version, JSON.stringify(stored), s.status, s.nextDueAt, now],
    );
    if (!upd[0]) throw new ConflictError(`escalation ${id} changed`);
    const acts = t.actions.filter((a): a is Exclude<Action, { type: 'stop' }> => a.type !== 'stop');
    if (acts.length === 0) return;
    const ctx = await this.context(tx, id, stored, now);
    const max = await tx.query('SELECT coalesce(max(step), 0) AS m FROM notifications WHERE escalation_id = $1', [id]);
    let step = int(max[0]!.m);
    for (const a of acts) {
      const recipient = a.type === 'email' ? ctx.contacts[a.role]?.email ?? '' : ctx.contacts[a.role]?.phone ?? '';
      await tx.query(
        `INSERT INTO notifications (escalation_id, step, channel, role, attempt, recipient, message, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'intent', $8)`,
        [id, ++step, a.type, a.role, a.type === 'call' ? a.attempt : 1, recipient, this.message(a, stored, ctx), now],
      );
    }
  }

  /**
   * What a message written now must say: the patient's contacts, the last verified location and
   * the newest reading of the escalation's kind (not the one that opened it: whoever answers a
   * later step must hear the current value and when it was measured).
   */
  private async context(q: Sql, escId: number, stored: Stored, now: number): Promise<MessageContext> {
    const r = (await q.query('SELECT l.id, l.contacts, l.last_lai, l.last_cell_id, l.last_seen_at, e.topic FROM escalations e JOIN lpus l ON l.id = e.lpu_id WHERE e.id = $1', [escId]))[0]!;
    const lpuId = int(r.id);
    const tz = this.o.timeZone ?? 'UTC';
    const lai = r.last_lai ? decodeLai(Uint8Array.from(Buffer.from(String(r.last_lai), 'hex'))) : null;
    const seenAt = intOrNull(r.last_seen_at);
    const location = lai?.ok ? `LAI ${formatLai(lai.value)}${r.last_cell_id ? `, cell ${String(r.last_cell_id)}` : ''}` : 'location unknown';
    const verifiedAt = lai?.ok && seenAt !== null ? formatClockTime(seenAt, now, tz) : null;
    let latest: Reading | null = null;
    let first: Reading | null = null;
    const topic = String(r.topic);
    if (!topic.startsWith('fault:')) {
      // Newest first along the (lpu_id, seq) primary key; the trigger by its seq.
      latest = readingOf((await q.query('SELECT seq, measured_at, value FROM readings WHERE lpu_id = $1 AND kind = $2 ORDER BY seq DESC LIMIT 1', [lpuId, topic]))[0]);
      first = readingOf((await q.query('SELECT seq, measured_at, value FROM readings WHERE lpu_id = $1 AND seq = $2', [lpuId, stored.trigger.seq]))[0]);
    }
    return { lpuId, contacts: JSON.parse(String(r.contacts)) as Contacts, location, verifiedAt, latest, first, now };
  }

  private message(a: Exclude<Action, { type: 'stop' }>, s: Stored, ctx: MessageContext): string {
    const who = `patient #${ctx.lpuId}`;
    if (a.type !== 'call' && a.reason === 'fault') return `BSN-Care TECHNICAL FAULT (not a medical alarm) for ${who}: ${s.trigger.summary} (${s.trigger.why}). Please check the sensor.`;
    const timeZone = this.o.timeZone ?? 'UTC';
    const current = (o: DescribeOptions = {}) => (ctx.latest ? describeCurrent(ctx.latest, ctx.first, ctx.now, { timeZone, ...o }) : s.trigger.summary);
    const where = (withTime: boolean) => `Verified location: ${ctx.location}${withTime && ctx.verifiedAt ? ` (verified ${ctx.verifiedAt})` : ''}.`;
    if (a.role === 'emergency' && a.type === 'sms') {
      // The unit's SMS must fit one SMS: the current value and the location always, the course
      // and the time of verification as room allows (the call and email carry everything).
      const forms = [
        `BSN-Care EMERGENCY ${who}: ${current({ short: true })}. ${where(true)}`,
        `BSN-Care EMERGENCY ${who}: ${current({ short: true })}. ${where(false)}`,
        `BSN-Care EMERGENCY ${who}: ${current({ short: true, noCourse: true })}. ${where(false)}`,
      ];
      return forms.find((f) => f.length <= SMS_CHARS) ?? forms[forms.length - 1]!;
    }
    const what = `${who} (${s.why ?? s.trigger.why}): ${current()}.`;
    if (a.role === 'emergency') return `BSN-Care EMERGENCY for ${what} ${where(true)}`;
    return `BSN-Care alert for ${what}`;
  }

  /** Applies an event to the stored state (one CAS transaction). */
  private async apply(id: number, e: EscalationEvent, extra?: (tx: Sql) => Promise<boolean>): Promise<void> {
    for (let tries = 0; tries < 5; tries++) {
      try {
        await this.o.db.transaction(async (tx) => {
          const r = (await tx.query('SELECT state, version FROM escalations WHERE id = $1', [id]))[0];
          if (!r) return;
          const stored = JSON.parse(String(r.state)) as Stored;
          const now = this.o.clock.now();
          const t = stepEscalation(stored.core, e, now, this.o.config);
          // extra false: the event is stale (its outbox row was completed by another process).
          if (extra && !(await extra(tx))) return;
          if (t.state !== stored.core) await this.commit(tx, id, int(r.version), { ...stored, core: t.state }, t, now);
          if (t.state.status === 'resolved' && stored.core.status === 'active') this.o.log.log('info', 'escalation-resolved', { escalation: id, reason: t.state.resolution });
        });
        return;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
      }
    }
  }

  /** Sends outstanding intents, fires a due timer, and re-arms the timer for what comes next. */
  private async drain(id: number): Promise<void> {
    for (let guard = 0; guard < 1000 && !this.stopped; guard++) {
      // Only the lease holder fires timers and sends; the claim right before each send or timer
      // step also renews it (the fence against a process whose lease has run out).
      if (!(await this.leases.claim(id))) {
        this.timers.get(id)?.cancel();
        this.timers.delete(id);
        this.seen.delete(id);
        return;
      }
      // The row is read before the outbox: a change committed in between has a newer version
      // than the one recorded below, so the next poll drains again.
      const r = (await this.o.db.query('SELECT status, next_due_at, version FROM escalations WHERE id = $1', [id]))[0];
      const intent = (await this.o.db.query(`SELECT id, step, channel, role, attempt, recipient, message FROM notifications WHERE escalation_id = $1 AND status = 'intent' ORDER BY step LIMIT 1`, [id]))[0];
      if (intent) {
        await this.send(id, intent);
        continue;
      }
      this.timers.get(id)?.cancel();
      this.timers.delete(id);
      if (r) this.seen.set(id, int(r.version));
      if (!r || r.status !== 'active') {
        this.seen.delete(id);
        return;
      }
      const due = intOrNull(r.next_due_at);
      if (due === null) return;
      const now = this.o.clock.now();
      if (due <= now) {
        await this.apply(id, { type: 'timer' });
        continue;
      }
      this.timers.set(id, this.o.clock.after(due - now, () => this.schedule(id)));
      return;
    }
  }

  private async send(escId: number, n: Record<string, unknown>): Promise<void> {
    const nid = int(n.id);
    const channel = String(n.channel) as 'call' | 'sms' | 'email';
    const role = String(n.role) as Role;
    const to = String(n.recipient);
    let text = String(n.message);
    const fields = { escalation: escId, step: int(n.step), channel, role, attempt: int(n.attempt) };
    this.o.log.log('info', 'notify-start', fields);
    let outcome: string;
    // An adapter that throws counts as a failed attempt: the escalation goes on, never stalls.
    const guarded = async <T extends string>(p: () => Promise<T>): Promise<T | 'failed'> => {
      try {
        return await p();
      } catch {
        return 'failed';
      }
    };
    if (to === '') outcome = channel === 'call' ? 'failed' : 'no-recipient';
    else if (channel === 'call') outcome = await guarded(() => this.o.notifier.call(to, text));
    else {
      if (role !== 'emergency') {
        // A fresh unguessable link per recipient and send; only its hash is stored.
        const token = base64url(this.o.random(32));
        await this.o.db.query('INSERT INTO ack_tokens (token_hash, escalation_id, role, created_at) VALUES ($1, $2, $3, $4)', [hashToken(token), escId, role, this.o.clock.now()]);
        text += ` Acknowledge and see the readings: ${this.o.linkBase}/${token}`;
      }
      outcome = channel === 'sms'
        ? await guarded(() => this.o.notifier.sms(to, text))
        : await guarded(() => this.o.notifier.email({ to, subject: text.startsWith('BSN-Care TECHNICAL') ? 'BSN-Care technical fault' : 'BSN-Care alert', text }));
    }
    // Only the first result for a row counts: a process that lost its lease during a long call
    // finds the row already done by the process that took over.
    const markDone = async (tx: Sql) =>
      (await tx.query(`UPDATE notifications SET status = 'done', outcome = $2, done_at = $3 WHERE id = $1 AND status = 'intent' RETURNING id`, [nid, outcome, this.o.clock.now()])).length > 0;
    if (channel === 'call') await this.apply(escId, { type: 'call-result', role: role as 'family', outcome: outcome as CallOutcome }, markDone);
    else await this.o.db.transaction(markDone);
    this.o.log.log('info', 'notify-done', { ...fields, outcome });
  }
}

/** A stored readings row back as a Reading, or null if it is missing or not a measurement. */
function readingOf(row: Record<string, unknown> | undefined): Reading | null {
  if (!row) return null;
  try {
    const v = JSON.parse(String(row.value)) as { kind?: unknown };
    if (typeof v !== 'object' || v === null || typeof v.kind !== 'string') return null;
    return { ...v, seq: int(row.seq), measuredAt: int(row.measured_at) } as Reading;
  } catch {
    return null;
  }
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}

