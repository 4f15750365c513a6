// `bsn-care server`: the BSN-Care server standalone, on the wall clock. Logs are JSON lines on
// stdout; the first line with event "listening" carries the port (useful with --port 0).
import { parseArgs } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { UsageError, type Command } from '../command.ts';
import { createBsnServer } from '../../server/app.ts';
import { loadActionTablesFile } from '../../server/action-tables.ts';
import { wallClock } from '../../server/clock.ts';
import { openDatabase } from '../../server/db.ts';
import { decodeMasterPublicKey } from '../../server/abe/waters11.ts';
import type { RecordsConfig } from '../../server/records/store.ts';
import { checkTimeZone } from '../../server/describe.ts';
import type { CallOutcome } from '../../server/escalation.ts';
import { jsonLogger } from '../../server/log.ts';
import { composeNotifier, noTelephony, ScriptedTelephony, SmtpMailer, type Telephony } from '../../server/notifier.ts';

const usage = `Usage: bsn-care server [--port N] [--host H] [--db DATABASE_URL | --data-dir DIR] [--smtp URL]

Runs the BSN-Care server (HTTP API for registration, MA1/MA3, sealed batches, acknowledgements).

Options:
  --port N              TCP port (default 8080; 0 picks a free one)
  --host H              listen address (default 127.0.0.1)
  --db URL              PostgreSQL (default: env DATABASE_URL; otherwise embedded PGlite)
  --data-dir DIR        PGlite data directory (default: in memory)
  --schema NAME         database schema to use (created if missing)
  --smtp URL            SMTP server for email, e.g. smtp://user:pass@mail.example:587
  --operator-token T    bearer token for registration (default: env BSN_OPERATOR_TOKEN; required)
  --link-base URL       base of acknowledgement links (default http://HOST:PORT/ack)
  --retry-ms N          time between escalation calls (default 60000)
  --time-zone TZ        IANA time zone for measurement times in notifications (default UTC)
  --lease-ms N          how long another server process on the same PostgreSQL waits before it
                        takes over the escalations of a process that stopped (default 15000)
  --instance ID         this process's lease owner id (default: random)
  --actions FILE        action tables JSON (default: server/action-tables/default.ts)
  --no-escalation       run without the escalation engine (extra API processes on one database)
  --records-mpk FILE    records at rest and GET /fhir/Observation: the CP-ABE public parameters
                        (from bsn-care records-keys), with --records-kek-file FILE (64 hex digits)
                        and --care-unit NAME (default general)
  --telephony-script F  JSON {"script": {"+49...": ["no-answer", "answered"]}, "log": "calls.jsonl",
                        "callMs": 0}: a scripted phone network instead of a modem (tests, demos)

Without a modem adapter or --telephony-script, calls and SMS fail and escalations keep retrying.`;

/** The scripted phone network, continuing its per-number counts from an existing log file. */
function scriptedTelephony(file: string): Telephony {
  const cfg = JSON.parse(readFileSync(file, 'utf8')) as { script?: Record<string, CallOutcome[]>; log?: string; callMs?: number };
  const callMs = cfg.callMs ?? 0;
  const t = new ScriptedTelephony(cfg.script ?? {}, cfg.log ?? null, callMs > 0 ? () => new Promise((r) => setTimeout(r, callMs)) : null);
  if (cfg.log && existsSync(cfg.log)) {
    for (const line of readFileSync(cfg.log, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const d = JSON.parse(line) as { channel: string; to: string };
      if (d.channel === 'call') t.countPrevious(d.to);
    }
  }
  return t;
}

export const command: Command = {
  name: 'server',
  summary: 'run the BSN-Care server (HTTP API, storage, escalation)',
  usage,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' }, 'data-dir': { type: 'string' }, schema: { type: 'string' },
        smtp: { type: 'string' }, 'operator-token': { type: 'string' }, 'link-base': { type: 'string' }, 'retry-ms': { type: 'string' },
        actions: { type: 'string' }, 'time-zone': { type: 'string' }, 'lease-ms': { type: 'string' }, instance: { type: 'string' }, 'no-escalation': { type: 'boolean' }, 'telephony-script': { type: 'string' },
        'records-mpk': { type: 'string' }, 'records-kek-file': { type: 'string' }, 'care-unit': { type: 'string' },
      },
      allowPositionals: false,
    });
    const port = Number(values.port ?? 8080);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0..65535');
    const retryMs = Number(values['retry-ms'] ?? 60_000);
    if (!Number.isFinite(retryMs) || retryMs < 10) throw new UsageError('--retry-ms must be at least 10');
    const url = values.db ?? process.env.DATABASE_URL;
    if (url && values['data-dir']) throw new UsageError('--db and --data-dir exclude each other');
    const operatorToken = values['operator-token'] ?? process.env.BSN_OPERATOR_TOKEN ?? '';
    if (operatorToken.length < 16) throw new UsageError('an operator token of at least 16 characters is required (--operator-token or BSN_OPERATOR_TOKEN)');
    let tables;
    if (values.actions) {
      const t = loadActionTablesFile(values.actions);
      if (!t.ok) throw new UsageError(`--actions: ${t.errors.join('; ')}`);
      tables = t.value;
    }
    let records: RecordsConfig | undefined;
    if (values['records-mpk'] || values['records-kek-file']) {
      if (!values['records-mpk'] || !values['records-kek-file']) throw new UsageError('--records-mpk and --records-kek-file go together');
      const mpk = decodeMasterPublicKey(readFileSync(values['records-mpk']));
      if (!mpk.ok) throw new UsageError(`--records-mpk: ${mpk.error.message}`);
      const kekHex = readFileSync(values['records-kek-file'], 'utf8').trim();
      if (!/^[0-9a-fA-F]{64}$/.test(kekHex)) throw new UsageError('--records-kek-file must hold 64 hex digits');
      if (values['care-unit'] !== undefined && !/^[a-z0-9][a-z0-9_.-]{0,63}$/.test(values['care-unit'])) throw new UsageError('--care-unit: 1-64 of a-z 0-9 _ . - (e.g. cardiology)');
      records = { mpk: mpk.value, kek: Uint8Array.from(Buffer.from(kekHex, 'hex')), careUnit: values['care-unit'] ?? 'general' };
    }
    const leaseMs = values['lease-ms'] === undefined ? undefined : Number(values['lease-ms']);
    if (leaseMs !== undefined && (!Number.isInteger(leaseMs) || leaseMs < 100)) throw new UsageError('--lease-ms must be an integer of at least 100');
    const timeZone = values['time-zone'];
    if (timeZone !== undefined) {
      try {
        checkTimeZone(timeZone);
      } catch {
        throw new UsageError(`--time-zone: unknown time zone ${JSON.stringify(timeZone)}`);
      }
    }
    const host = values.host ?? '127.0.0.1';
    const log = jsonLogger((line) => process.stdout.write(line + '\n'));
    const db = await openDatabase({ ...(url ? { url } : {}), ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}), ...(values.schema ? { schema: values.schema } : {}) });
    const telephony = values['telephony-script'] ? scriptedTelephony(values['telephony-script']) : noTelephony;
    if (!values['telephony-script']) log.log('warn', 'no-telephony', { note: 'no modem adapter: calls and SMS fail' });
    const mailer = values.smtp ? new SmtpMailer(values.smtp) : null;
    const server = await createBsnServer({
      db, clock: wallClock, notifier: composeNotifier(telephony, mailer), operatorToken, log,
      escalation: values['no-escalation'] ? false : { retryIntervalMs: retryMs },
      linkBase: values['link-base'] ?? `http://${host}:${port}/ack`,
      ...(timeZone ? { timeZone } : {}),
      lease: { ...(leaseMs !== undefined ? { leaseMs } : {}), ...(values.instance ? { instanceId: values.instance } : {}) },
      ...(tables ? { tables } : {}),
      ...(records ? { records } : {}),
    });
    const actual = await server.listen(port, host);
    log.log('info', 'listening', { port: actual, host, database: db.kind, escalation: !values['no-escalation'], instance: server.engine?.leases.owner ?? null });
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
    mailer?.close();
    await db.close();
    return 0;
  },
};
