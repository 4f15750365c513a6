// Shared checks for the end-to-end tests: the whole chain (cli/e2e-run.ts) on one virtual clock.
import { runE2e, E2E_CONTACTS, type E2eOptions, type E2eSummary } from '../../cli/e2e-run.ts';

export { E2E_CONTACTS };

export async function e2e(scenario: string, minutes: number, extra: Partial<E2eOptions> = {}): Promise<E2eSummary> {
  return runE2e({ scenario, seed: 7, durationMs: minutes * 60_000, device: { nibpIntervalMs: 120_000 }, ...extra });
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
