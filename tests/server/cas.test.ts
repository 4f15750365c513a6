// Two real server processes on one PostgreSQL database: every MA1, posted to both at once, is
// accepted by exactly one of them (compare-and-swap on the record), and the record's version
// counts exactly the accepted ones.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMa1 } from '../../protocol/index.ts';
import { ROUTES, SERVING_LAI_HEADER } from '../../server/app.ts';
import { int, openDatabase } from '../../server/db.ts';
import { seededRandom } from '../protocol/helpers.ts';
import { startChild } from './child.ts';
import { bin, CELL, CELL_TEXT, dropSchema, PG_URL, post, randomSchema, registerLpu } from './helpers.ts';

const ROUNDS = 24;

if (PG_URL) {
  test('two server processes, one database: each MA1 accepted exactly once', async () => {
    const schema = randomSchema();
    // Both start together: the migrations themselves must not race either.
    const [a, b] = await Promise.all([startChild(['--db', PG_URL, '--schema', schema]), startChild(['--db', PG_URL, '--schema', schema, '--no-escalation'])]);
    try {
      const { credential } = await registerLpu(a.base);
      const random = seededRandom(99);
      const outcomes: string[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const m = createMa1(credential, CELL, random);
        assert.ok(m.ok);
        if (!m.ok) return;
        const send = (base: string) => post(base, ROUTES.ma1, m.value.ma1, { ...bin, [SERVING_LAI_HEADER]: CELL_TEXT });
        const [ra, rb] = await Promise.all([send(a.base), send(b.base)]);
        const statuses = [ra.status, rb.status].sort();
        assert.equal(statuses, [200, 409], `round ${i}: ${ra.status} ${JSON.stringify(ra.json)} / ${rb.status} ${JSON.stringify(rb.json)}`);
        const loser = ra.status === 409 ? ra : rb;
        outcomes.push(String(loser.json?.error));
      }
      console.log(`losers: ${outcomes.filter((o) => o === 'conflict').length} lost the CAS race, ${outcomes.filter((o) => o === 'replay').length} saw the committed replay entry`);
      const db = await openDatabase({ url: PG_URL, schema });
      try {
        assert.is(int((await db.query('SELECT version FROM lpus'))[0]!.version), ROUNDS, 'one committed change per accepted MA1');
      } finally {
        await db.close();
      }
    } finally {
      a.proc.kill('SIGTERM');
      b.proc.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
      await dropSchema(schema);
    }
  });
} else {
  console.log('SKIP two-process CAS test: BSN_TEST_DATABASE_URL is not set');
}

test.run();
