// The same uplink directly over HTTP on a real loopback socket (the path the fleet benchmark uses).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VirtualClock } from '../../sim/clock.ts';
import { HttpUplinkTransport } from '../../hal/targets/http-uplink.ts';
import { writeCredential } from '../../firmware/uplink/credential-store.ts';
import { CELL_A, seededRandom } from '../protocol/helpers.ts';
import { ServerDouble } from './server-double.ts';
import { CountingVitals, fixedCell, makeStack, memories } from './rig.ts';

test('handshake and batches over a real HTTP socket; a refused connection is an unreachable server', async () => {
  const server = new ServerDouble(seededRandom(51), CELL_A);
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void server.post(req.url ?? '/', new Uint8Array(Buffer.concat(chunks))).then((r) => {
        res.writeHead(r.status, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.from(r.body));
      });
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as AddressInfo).port;
  try {
    const clock = new VirtualClock();
    const nv = memories();
    writeCredential(nv, await server.register());
    const t = new HttpUplinkTransport({ baseUrl: `http://127.0.0.1:${port}` });
    const s = makeStack({ clock, nv, transport: { post: (p, b) => clock.track(t.post(p, b)) }, cell: fixedCell(CELL_A), random: seededRandom(52), vitals: new CountingVitals() });
    s.uplink.start();
    await clock.runFor(185_000);
    const stored = server.stored();
    assert.ok(stored.length >= 36 * 3 - 3, `stored ${stored.length}`);
    stored.forEach((r, i) => assert.is(r.seq, i + 1));
    s.uplink.stop();

    const dead = new HttpUplinkTransport({ baseUrl: 'http://127.0.0.1:1' });
    const nv2 = memories();
    writeCredential(nv2, await server.register());
    const s2 = makeStack({ clock, nv: nv2, transport: dead, cell: fixedCell(CELL_A), random: seededRandom(53) });
    await s2.session.authenticate().then(
      () => assert.unreachable(),
      (e: { code?: string }) => assert.is(e.code, 'unreachable'),
    );
  } finally {
    http.close();
  }
});

test.run();
