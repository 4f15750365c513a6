// One small SQL interface over both back ends: embedded PGlite (in memory or a data directory)
// and PostgreSQL through pg. Everything above this file speaks plain parameterised SQL, so the
// same migrations and queries run on both.
import { PGlite } from '@electric-sql/pglite';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import pg from 'pg';

export type SqlScalar = string | number | bigint | boolean | null | Uint8Array;
/** Arrays go in as PostgreSQL arrays (cast the parameter, e.g. $1::bigint[]), for set-based statements. */
export type SqlValue = SqlScalar | readonly SqlScalar[];
export type Row = Record<string, unknown>;

export interface Sql {
  query<T extends Row = Row>(text: string, params?: readonly SqlValue[]): Promise<T[]>;
}

export interface Database extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /** Runs fn inside BEGIN/COMMIT (ROLLBACK on throw) on one connection. */
  transaction<R>(fn: (tx: Sql) => Promise<R>): Promise<R>;
  close(): Promise<void>;
}

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(schema: string): string {
  if (!SCHEMA_RE.test(schema)) throw new RangeError(`schema name ${JSON.stringify(schema)} must match ${SCHEMA_RE}`);
  return schema;
}

export interface OpenOptions {
  /** postgres://... for PostgreSQL; otherwise PGlite. */
  readonly url?: string;
  /** PGlite data directory (file-backed); in memory when absent. */
  readonly dataDir?: string;
  /** Schema to create and use (tests use a random one per run). */
  readonly schema?: string;
}

export async function openDatabase(o: OpenOptions): Promise<Database> {
  const schema = o.schema ? checkSchemaName(o.schema) : null;
  const db = o.url ? openPostgres(o.url, schema) : await openPglite(o.dataDir, schema);
  if (schema) await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch(async (e: unknown) => {
    // Two processes creating the same schema at once: the loser sees a unique violation.
    if (!(await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1', [schema]))[0]?.n) throw e;
  });
  return db;
}

// A fresh in-memory cluster costs an initdb run (seconds); the first one in a process is dumped
// and later in-memory databases start from that dump instead.
let template: Promise<File | Blob> | null = null;

// BSN_PGLITE_TEMPLATE names a file that keeps the dump across processes (the tests set it).
async function freshMemoryPglite(): Promise<PGlite> {
  const file = process.env.BSN_PGLITE_TEMPLATE;
  if (!template && file && existsSync(file)) template = Promise.resolve(new Blob([readFileSync(file)]));
  if (!template) {
    const first = await PGlite.create();
    template = first.dumpDataDir('none');
    const dump = await template;
    if (file) {
      // Write then rename, so a concurrent reader never sees half a file.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, new Uint8Array(await dump.arrayBuffer()));
      renameSync(tmp, file);
    }
    return first;
  }
  return PGlite.create({ loadDataDir: await template });
}

/** A data directory; a new (missing or empty) one starts from the template file when there is one. */
async function openPgliteDir(dataDir: string): Promise<PGlite> {
  const file = process.env.BSN_PGLITE_TEMPLATE;
  const fresh = !existsSync(dataDir) || readdirSync(dataDir).length === 0;
  if (fresh && file && existsSync(file)) return PGlite.create(dataDir, { loadDataDir: new Blob([readFileSync(file)]) });
  return PGlite.create(dataDir);
}

async function openPglite(dataDir: string | undefined, schema: string | null): Promise<Database> {
  const lite = dataDir ? await openPgliteDir(dataDir) : await freshMemoryPglite();
  if (schema) {
    await lite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await lite.exec(`SET search_path TO ${schema}`);
  }
  // PGlite is one connection: transactions must not interleave with other queries, so every
  // statement goes through one queue.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <R>(fn: () => Promise<R>): Promise<R> => {
    const p = queue.then(fn, fn);
    queue = p.catch(() => undefined);
    return p;
  };
  const run = async <T extends Row>(q: Pick<PGlite, 'query'>, text: string, params: readonly SqlValue[] = []) =>
    (await q.query<T>(text, params as unknown[])).rows;
  return {
    kind: 'pglite',
    query: (text, params) => serial(() => run(lite, text, params)),
    transaction: (fn) => serial(() => lite.transaction((tx) => fn({ query: (text, params) => run(tx, text, params) }))),
    close: () => serial(() => lite.close()),
  };
}

function openPostgres(url: string, schema: string | null): Database {
  const pool = new pg.Pool({ connectionString: url, max: 8, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return {
    kind: 'postgres',
    query: async (text, params = []) => (await pool.query(text, params as unknown[])).rows,
    transaction: async (fn) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const r = await fn({ query: async (text, params = []) => (await client.query(text, params as unknown[])).rows });
        await client.query('COMMIT');
        return r;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/** bytea from either driver (pg: Buffer, PGlite: Uint8Array) as a plain Uint8Array copy. */
export function bytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  throw new TypeError('expected a bytea column');
}

/** int8 from either driver (pg: string, PGlite: bigint or number) as a number. */
export function int(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' || typeof v === 'string') return Number(v);
  throw new TypeError(`expected an integer column, got ${typeof v}`);
}

export function intOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : int(v);
}
