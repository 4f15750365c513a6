// The fleet benchmark's server process: the real BSN-Care server (server/app.ts) on the wall
// clock, on loopback, with a telephony double that records the instant of every call and SMS
// (the radio network cannot run here). It talks to the benchmark over the IPC channel only:
// it announces its port, and answers requests for its resource use, the recorded dials and what
// the database holds. Run by bench/fleet.ts as `node --import tsx bench/fleet/server-child.ts`.
import { openDatabase, int, type Database } from '../../server/db.ts';
import { createBsnServer } from '../../server/app.ts';
import { wallClock } from '../../server/clock.ts';
import { composeNotifier, type Telephony } from '../../server/notifier.ts';
import type { ChildReply, ChildRequest, DialInstant } from './ipc.ts';

const send = (m: ChildReply): void => void process.send?.(m);

const dials: DialInstant[] = [];
/** Wall-clock instant shared by both processes (ms since the Unix epoch, sub-ms resolution). */
const nowMs = (): number => performance.timeOrigin + performance.now();

// Calls are answered at once, so each escalation ends with its first call and the run measures
// only the time to that first call.
const telephony: Telephony = {
  async call(to) {
    dials.push({ channel: 'call', to, atMs: nowMs() });
    return 'answered';
  },
  async sms(to) {
    dials.push({ channel: 'sms', to, atMs: nowMs() });
    return 'sent';
  },
};

async function main(): Promise<void> {
  const url = process.env.BSN_FLEET_DATABASE_URL || undefined;
  const schema = process.env.BSN_FLEET_SCHEMA || undefined;
  const operatorToken = process.env.BSN_FLEET_OPERATOR_TOKEN ?? '';
  const db: Database = await openDatabase({ ...(url ? { url } : {}), ...(schema ? { schema } : {}) });
  const server = await createBsnServer({
    db, clock: wallClock, notifier: composeNotifier(telephony, null), operatorToken,
    escalation: { retryIntervalMs: 60_000, emergencyAfterRounds: 1 }, linkBase: 'http://127.0.0.1/ack',
  });
  const port = await server.listen(0, '127.0.0.1');
  const cpu0 = process.cpuUsage();
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 100);
  sampler.unref();

  process.on('message', (raw) => {
    const m = raw as ChildRequest;
    void (async () => {
      switch (m.type) {
        case 'stats': {
          const rss = process.memoryUsage.rss();
          peakRss = Math.max(peakRss, rss);
          const c = process.cpuUsage(cpu0);
          send({ type: 'stats', id: m.id, rssBytes: rss, peakRssBytes: peakRss, cpuUserUs: c.user, cpuSystemUs: c.system });
          break;
        }
        case 'dials':
          send({ type: 'dials', id: m.id, dials });
          break;
        case 'stored': {
          // What the database holds, per LPU: the readings rows, and the acknowledgement it keeps.
          const rows = await db.query(
            `SELECT l.id, l.acked_seq, count(r.seq)::int AS n, coalesce(max(r.seq), 0) AS max_seq, count(DISTINCT r.seq)::int AS distinct_seqs
             FROM lpus l LEFT JOIN readings r ON r.lpu_id = l.id GROUP BY l.id, l.acked_seq ORDER BY l.id`,
          );
          send({
            type: 'stored', id: m.id,
            perLpu: rows.map((r) => ({ patientId: int(r.id), ackedSeq: int(r.acked_seq), rows: int(r.n), maxSeq: int(r.max_seq), distinctSeqs: int(r.distinct_seqs) })),
          });
          break;
        }
        case 'stop':
          clearInterval(sampler);
          await server.close();
          await db.close();
          // Exit on our own (not by signal) so a --cpu-prof profile gets written.
          process.send?.({ type: 'stop', id: m.id } satisfies ChildReply, () => process.exit(0));
          break;
      }
    })().catch((e: unknown) => {
      process.stderr.write(`fleet server child: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    });
  });
  send({ type: 'ready', port, database: db.kind });
}

main().catch((e: unknown) => {
  process.stderr.write(`fleet server child failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
