// Which server process runs an escalation: a lease on the escalation row (owner id + expiry in
// the database's own clock, so processes on different machines need no synchronised clocks).
// Only the owner fires timers and places calls, SMS and email; any process may apply external
// events (a reading, an acknowledgement) with compare-and-swap and leaves the resulting outbox
// rows for the owner. The owner renews its leases while it lives; once it dies (SIGKILL, power),
// its leases run out and another process claims them, resending at most the one step that was in
// flight. Same SQL on PostgreSQL and PGlite.
import { int, type Database, type Sql } from './db.ts';
import { migrate, type Migration } from './migrations.ts';

export const LEASE_MIGRATIONS: readonly Migration[] = [
  {
    version: 201,
    name: 'escalation leases',
    sql: `
ALTER TABLE escalations ADD COLUMN lease_owner text;
ALTER TABLE escalations ADD COLUMN lease_until bigint;
CREATE INDEX escalations_lease ON escalations (lease_owner) WHERE status = 'active'
`,
  },
];

export const migrateLeases = (db: Database): Promise<number[]> => migrate(db, LEASE_MIGRATIONS);

/** The database's wall clock in ms (clock_timestamp, not the transaction start). */
const DB_NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** Escalations that still need an owner: active ones, and resolved ones with unsent outbox rows. */
const NEEDS_WORK = `(e.status = 'active' OR EXISTS (SELECT 1 FROM notifications n WHERE n.escalation_id = e.id AND n.status = 'intent'))`;

export class EscalationLeases {
  constructor(private readonly db: Database, readonly owner: string, readonly ttlMs: number) {}

  /** Claims or renews the lease on one escalation; false if another live process holds it. */
  async claim(id: number, q: Sql = this.db): Promise<boolean> {
    const r = await q.query(
      `UPDATE escalations SET lease_owner = $2, lease_until = ${DB_NOW} + $3
       WHERE id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < ${DB_NOW}) RETURNING id`,
      [id, this.owner, this.ttlMs],
    );
    return r.length > 0;
  }

  /** The SQL fragment that sets this process as owner in an INSERT of a new escalation. */
  insertValues(): { columns: string; values: (first: number) => string; params: [string, number] } {
    return { columns: 'lease_owner, lease_until', values: (i) => `$${i}, ${DB_NOW} + $${i + 1}`, params: [this.owner, this.ttlMs] };
  }

  /** Extends every lease this process holds; returns how many. */
  async renewAll(): Promise<number> {
    const r = await this.db.query(`UPDATE escalations SET lease_until = ${DB_NOW} + $2 WHERE lease_owner = $1 RETURNING id`, [this.owner, this.ttlMs]);
    return r.length;
  }

  /** Escalations with work that this process holds (mine) or could claim now, with their versions. */
  async claimable(): Promise<Array<{ id: number; version: number; mine: boolean }>> {
    const rows = await this.db.query(
      `SELECT e.id, e.version, e.lease_owner FROM escalations e WHERE ${NEEDS_WORK} AND (e.lease_owner IS NULL OR e.lease_owner = $1 OR e.lease_until < ${DB_NOW}) ORDER BY e.id`,
      [this.owner],
    );
    return rows.map((r) => ({ id: int(r.id), version: int(r.version), mine: r.lease_owner === this.owner }));
  }

  /**
   * Takes every escalation with work, whoever held it: only for a database that one process at a
   * time can open (PGlite), where any other holder is a previous, dead process.
   */
  async takeAll(): Promise<number[]> {
    const rows = await this.db.query(`UPDATE escalations e SET lease_owner = $1, lease_until = ${DB_NOW} + $2 WHERE ${NEEDS_WORK} RETURNING e.id`, [this.owner, this.ttlMs]);
    return rows.map((r) => int(r.id)).sort((a, b) => a - b);
  }

  /** Gives up this process's leases (orderly shutdown: another process may take over at once). */
  async releaseAll(): Promise<void> {
    await this.db.query('UPDATE escalations SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1', [this.owner]);
  }
}
