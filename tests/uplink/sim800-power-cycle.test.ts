// An LPU power cycle in the middle of an upload over the SIM800 model: the server has stored a
// batch whose acknowledgement never reached the LPU; a new Uno on the same EEPROM and flash files
// resends it with the same sequence numbers, authenticates with a credential the server accepts,
// and nothing is lost or stored twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sim800World } from './sim800-rig.ts';
import { loadCredential } from '../../firmware/uplink/credential-store.ts';
import { toHex } from '../../protocol/bytes.ts';

test('power cut after the server stored a batch, before the LPU saw the ack; and a cut right after MA2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bsn-uplink-'));
  try {
    const files = { eeprom: join(dir, 'eeprom.bin'), flash: join(dir, 'flash.bin') };
    const a = await sim800World({ seed: 41, files, uplink: { uploadPeriodMs: 30_000 } });
    let dataPosts = 0;
    let cut = false;
    const server = a.server;
    const realPost = server.post.bind(server);
    server.post = async (url, body) => {
      const r = await realPost(url, body);
      if (url.endsWith('/v1/data') && ++dataPosts === 4) cut = true;
      return r;
    };
    a.uplink.start();
    while (!cut) await a.clock.runFor(50);
    // The board loses power now: the answer is on its way through the modem and never arrives.
    a.uno!.powerOff();
    const inFlight = a.queue.pending!;
    assert.ok(inFlight, 'a batch was in flight');
    assert.ok(server.ackedSeq >= inFlight.lastSeq, 'and the server had stored it');
    const storedAtCut = server.stored().length;
    const taken = a.vitals.taken;

    // Second life: a new Uno on the same files; a cut right after the next MA2 is accepted
    // (credential written, MA3 not yet sent).
    const b = await sim800World({ seed: 42, files, server, uplink: { uploadPeriodMs: 30_000 } });
    assert.equal(b.queue.pending, inFlight, 'same batch, same numbers after the reboot');
    let ma2Seen = false;
    server.post = async (url, body) => {
      const r = await realPost(url, body);
      if (url.endsWith('/v1/ma1') && r.status === 200) ma2Seen = true;
      return r;
    };
    b.uplink.start();
    while (b.session.stats.handshakes === 0) await b.clock.runFor(10);
    assert.ok(ma2Seen);
    b.uno!.powerOff();
    const credAfterMa2 = loadCredential({ eeprom: b.nv.eeprom, flash: b.nv.flash })!.credential;

    // Third life: runs to the end.
    server.post = realPost;
    const c = await sim800World({ seed: 43, files, server, uplink: { uploadPeriodMs: 30_000 } });
    assert.is(toHex(loadCredential(c.nv)!.credential.kls), toHex(credAfterMa2.kls), 'the credential written before MA3 survived');
    c.vitals.taken = taken + b.vitals.taken; // continue the count (summary contents only)
    c.uplink.start();
    await c.clock.runFor(5 * 60_000);
    c.uplink.stop();
    const stored = server.stored();
    assert.ok(stored.length > storedAtCut);
    stored.forEach((r, i) => assert.is(r.seq, i + 1, 'contiguous'));
    assert.ok(server.duplicatesDropped >= inFlight.lastSeq - inFlight.firstSeq + 1, 'the resent batch was de-duplicated, not stored twice');
    // every summary of the three lives is on the server or still queued (a batch the server stored
    // but whose ack had not arrived when the run stopped counts once)
    const overlap = Math.max(0, server.ackedSeq - c.queue.acknowledgedSeq);
    assert.is(stored.length + c.queue.pendingReadings - overlap, c.vitals.taken * 3);
    assert.is(c.session.stats.handshakes, 1, 'the server accepted the credential after two power cuts');
    const rec = (await server.store.getById(credAfterMa2.idL))!;
    assert.is(toHex(rec.current.kls), toHex(loadCredential(c.nv)!.credential.kls), 'LPU and server agree on the current pair');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
