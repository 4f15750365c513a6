// A replayed batch through the real chain: an eavesdropper on the GPRS side records a sealed data
// frame the device firmware sent through the SIM800 model and posts it to the server again (and an
// MA1). The real server (PGlite) refuses both as replays, stores nothing more, and the device's
// own uploads go on unaffected. (The server-level and protocol-level versions are in
// tests/server/api.test.ts, tests/server/bad-input.test.ts and tests/uplink/uplink-direct.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createE2e, E2E_CELL, runOn } from '../../cli/e2e-run.ts';
import { SERVING_CELL_HEADER, SERVING_LAI_HEADER } from '../../server/app.ts';
import { watchdog } from './helpers.ts';

test('a recorded data frame and MA1, posted again, are refused as replays and store nothing', async () => {
  const w = await createE2e({ scenario: 'normal', seed: 7, durationMs: 0, device: { nibpIntervalMs: 120_000 } });
  try {
    await watchdog((async () => {
      await runOn(w.clock, w.serverModem.driver.init());
      await runOn(w.clock, w.lpuModem.driver.init());
      w.run.device.start();
      w.uplink.start();
      await w.clock.runUntil(75_000);
      const posts = w.lpuModem.network.posts;
      const data = posts.find((p) => p.url.endsWith('/v1/data') && p.status === 200);
      const ma1 = posts.find((p) => p.url.endsWith('/v1/ma1') && p.status === 200);
      assert.ok(data && ma1, posts.map((p) => `${p.url} ${p.status}`).join());
      const count = async () => Number((await w.db.query('SELECT count(*) AS n FROM readings'))[0]!.n);
      const before = await count();
      assert.ok(before > 0);
      const lai = `${E2E_CELL.mcc}-${E2E_CELL.mnc}-0x${E2E_CELL.lac.toString(16).padStart(4, '0')}`;
      const replay = (p: typeof data) => w.server.http.inject({
        method: 'POST', url: new URL(p!.url).pathname, payload: Buffer.from(p!.body),
        headers: { 'content-type': p!.contentType, [SERVING_LAI_HEADER]: lai, [SERVING_CELL_HEADER]: `0x${E2E_CELL.ci.toString(16)}` },
      });
      const r1 = await replay(data);
      assert.is(r1.statusCode, 409, r1.body);
      assert.is((r1.json() as { error?: string }).error, 'replay');
      const r2 = await replay(ma1);
      assert.ok(r2.statusCode >= 400 && r2.statusCode < 500, `MA1 replay: ${r2.statusCode} ${r2.body}`);
      assert.is(await count(), before, 'the replays stored nothing');
      // The device's session is unaffected: its next uploads are acknowledged.
      const acked = w.uplink.status().acknowledgedSeq;
      await w.clock.runUntil(150_000);
      assert.ok(w.uplink.status().acknowledgedSeq > acked, 'uploads go on');
      assert.is(w.uplink.status().consecutiveFailures, 0);
      process.stdout.write(`ROW replay: data frame -> ${r1.statusCode} ${(r1.json() as { error?: string }).error}, MA1 -> ${r2.statusCode} ${(r2.json() as { error?: string }).error}; readings ${before} before and after; device acked ${acked} -> ${w.uplink.status().acknowledgedSeq}\n`);
    })(), 90_000, 'the replay run');
  } finally {
    await w.close();
  }
});

test.run();
