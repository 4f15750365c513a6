// Versioned schema migrations, the same SQL for PGlite and PostgreSQL. Each runs in its own
// transaction together with its schema_migrations row, under an advisory lock, so two server
// processes starting on one database apply each migration exactly once.
import type { Database } from './db.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'protocol records, patients, readings, escalations',
    sql: `
CREATE TABLE server_identity (
  id smallint PRIMARY KEY CHECK (id = 1),
  id_s bytea NOT NULL CHECK (length(id_s) = 32)
);
-- One row per registered LPU (= one patient). The protocol record is stored in its own
-- checksummed encoding; the trSeq columns and shadow_ids are indexes kept in step with it.
CREATE TABLE lpus (
  id bigserial PRIMARY KEY,
  id_l bytea NOT NULL UNIQUE CHECK (length(id_l) = 16),
  version bigint NOT NULL,
  record bytea NOT NULL,
  trseq_current bigint NOT NULL,
  trseq_pending bigint,
  contacts text NOT NULL,
  acked_seq bigint NOT NULL DEFAULT 0,
  last_lai text,
  last_cell_id text,
  last_seen_at bigint,
  created_at bigint NOT NULL
);
CREATE INDEX lpus_trseq_current ON lpus (trseq_current);
CREATE INDEX lpus_trseq_pending ON lpus (trseq_pending);
CREATE TABLE shadow_ids (
  sid bytea PRIMARY KEY,
  lpu_id bigint NOT NULL REFERENCES lpus (id) ON DELETE CASCADE
);
CREATE INDEX shadow_ids_lpu ON shadow_ids (lpu_id);
CREATE TABLE readings (
  lpu_id bigint NOT NULL REFERENCES lpus (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  kind text NOT NULL,
  measured_at bigint NOT NULL,
  value text NOT NULL,
  received_at bigint NOT NULL,
  PRIMARY KEY (lpu_id, seq)
);
CREATE TABLE events (
  id bigserial PRIMARY KEY,
  lpu_id bigint NOT NULL REFERENCES lpus (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  kind text NOT NULL,
  level text NOT NULL,
  escalation_id bigint,
  at bigint NOT NULL
);
CREATE TABLE escalations (
  id bigserial PRIMARY KEY,
  lpu_id bigint NOT NULL REFERENCES lpus (id) ON DELETE CASCADE,
  topic text NOT NULL,
  status text NOT NULL,
  state text NOT NULL,
  next_due_at bigint,
  version bigint NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
-- At most one open escalation per patient and topic (a reading kind or a fault).
CREATE UNIQUE INDEX escalations_open ON escalations (lpu_id, topic) WHERE status = 'active';
-- The outbox: a row is written ('intent') before a call, SMS or email goes out and marked 'done'
-- after, so a restart redoes at most the one step that was in flight.
CREATE TABLE notifications (
  id bigserial PRIMARY KEY,
  escalation_id bigint NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
  step int NOT NULL,
  channel text NOT NULL,
  role text NOT NULL,
  attempt int NOT NULL,
  recipient text NOT NULL,
  message text NOT NULL,
  status text NOT NULL,
  outcome text,
  created_at bigint NOT NULL,
  done_at bigint,
  UNIQUE (escalation_id, step)
);
-- Acknowledgement tokens: only a hash is stored, the token itself goes out in the link.
CREATE TABLE ack_tokens (
  token_hash bytea PRIMARY KEY,
  escalation_id bigint NOT NULL REFERENCES escalations (id) ON DELETE CASCADE,
  role text NOT NULL,
  created_at bigint NOT NULL,
  used_at bigint
);
`,
  },
  {
    version: 2,
    name: 'records at rest: per-patient data keys (CP-ABE and KEK wrapped), sealed records',
    sql: `
-- The opaque subject of a patient's records (FHIR Patient id, the {patient} of the policies) and
-- the care unit the policies name ({unit}).
CREATE TABLE record_subjects (
  lpu_id bigint PRIMARY KEY REFERENCES lpus (id) ON DELETE CASCADE,
  patient_ref text NOT NULL UNIQUE,
  care_unit text NOT NULL,
  created_at bigint NOT NULL
);
-- Data keys, one row per (patient, kind of record, version), never in the clear: abe_wrapped under
-- the kind's attribute policy (for readers), server_wrapped under the server's KEK.
CREATE TABLE record_keys (
  lpu_id bigint NOT NULL REFERENCES lpus (id) ON DELETE CASCADE,
  kind text NOT NULL,
  version int NOT NULL CHECK (version >= 1),
  policy text NOT NULL,
  abe_wrapped bytea NOT NULL,
  server_wrapped bytea NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (lpu_id, kind, version)
);
-- Readings sealed with AES-256-GCM under their kind's data key (server/records/record-cipher.ts).
-- measured_at stays in the clear for time-range searches.
CREATE TABLE sealed_records (
  lpu_id bigint NOT NULL REFERENCES lpus (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  kind text NOT NULL,
  key_version int NOT NULL,
  measured_at bigint NOT NULL,
  body bytea NOT NULL,
  PRIMARY KEY (lpu_id, seq)
);
CREATE INDEX sealed_records_time ON sealed_records (lpu_id, measured_at);
CREATE INDEX sealed_records_key ON sealed_records (lpu_id, kind, key_version)
`,
  },
];

export async function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  const applied: number[] = [];
  for (const m of migrations) {
    const did = await db.transaction(async (tx) => {
      // Serialises concurrent starters; the lock ends with the transaction.
      await tx.query('SELECT pg_advisory_xact_lock(4242001)');
      await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (done.length > 0) return false;
      for (const stmt of m.sql.split(/;\s*\n/).map((s) => s.trim()).filter((s) => s.length > 0)) await tx.query(stmt);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (did) applied.push(m.version);
  }
  return applied;
}
