// Shared checks for the end-to-end tests: the whole chain (cli/e2e-run.ts) on one virtual clock.
import { runE2e, E2E_CONTACTS, type E2eOptions, type E2eSummary } from '../../cli/e2e-run.ts';

export { E2E_CONTACTS };

/**
 * A wall-clock guard: a run that stops making progress in virtual time would otherwise hang the
 * whole suite. Fails with `what` after `wallMs` of real time, and ends the process shortly after
 * (the hung run still holds sockets open and may hang the next test) so the runner reports it.
 */
export function watchdog<T>(p: Promise<T>, wallMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`HUNG: ${what} did not finish within ${wallMs / 1000} s of wall time (virtual time stopped advancing)`);
      // uvu prints failures only at the end of the file, which a hung run may never reach.
      process.stderr.write(`${err.message}\n`);
      reject(err);
      setTimeout(() => process.exit(1), 2000).unref();
    }, wallMs);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

/** Wall-clock limit of one end-to-end run in the tests (a healthy run takes a few seconds). */
export const E2E_WALL_LIMIT_MS = Number(process.env.E2E_WALL_LIMIT_MS ?? 90_000);

export async function e2e(scenario: E2eOptions['scenario'], minutes: number, extra: Partial<E2eOptions> = {}): Promise<E2eSummary> {
  const name = typeof scenario === 'string' ? scenario : 'name' in scenario ? scenario.name : 'custom';
  return watchdog(
    runE2e({ scenario, seed: 7, durationMs: minutes * 60_000, device: { nibpIntervalMs: 120_000 }, ...extra }),
    E2E_WALL_LIMIT_MS,
    `the e2e run of ${name} (${Math.round(minutes * 60)} s virtual)`,
  );
}

/** The server's calls in order as "role:answered|no-answer". */
export const callSeq = (s: E2eSummary): string[] => s.alerts.filter((a) => a.channel === 'call').map((a) => `${a.role}:${a.answeredAtMs !== undefined ? 'answered' : 'no-answer'}`);

/** Nothing lost or doubled between the LPU and the server. */
export function uploadsClean(s: E2eSummary): string | null {
  const u = s.uploads;
  if (u.duplicates !== 0) return `${u.duplicates} duplicates`;
  if (u.readingsStored !== u.ackedSeq) return `stored ${u.readingsStored} but acked through ${u.ackedSeq} (hole)`;
  if (u.readingsStored === 0) return 'nothing stored';
  return null;
}
