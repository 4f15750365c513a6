// A full session against a real SMTP server (smtp-server, in process on loopback): the family's
// alert email arrives with its cloud link, to the right recipient, carrying no secret; and the
// structured log of the whole session contains none of the secrets' hex strings.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { toHex } from '../../protocol/index.ts';
import { ROUTES } from '../../server/app.ts';
import { bytes, openDatabase } from '../../server/db.ts';
import { composeNotifier, ScriptedTelephony, SmtpMailer } from '../../server/notifier.ts';
import { bp, CONTACTS, HttpLpu, OPERATOR_TOKEN, post, registerLpu, startServer } from './helpers.ts';

interface Received { from: string; to: string[]; raw: string }

function decodeQuotedPrintable(s: string): string {
  return Buffer.from(s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

test('alert email with the cloud link reaches the family over SMTP; logs and mail hold no secret', async () => {
  const received: Received[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString('latin1')));
      stream.on('end', () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const port = (smtp.server.address() as AddressInfo).port;
  const mailer = new SmtpMailer(`smtp://127.0.0.1:${port}`);
  const db = await openDatabase({});
  const telephony = new ScriptedTelephony({ [CONTACTS.family.phone]: ['no-answer', 'answered'] });
  const h = await startServer(db, { notifier: composeNotifier(telephony, mailer) });
  try {
    const { credential } = await registerLpu(h.base);
    const lpu = new HttpLpu(h.base, credential);
    await lpu.handshake();
    assert.is((await lpu.send([bp(1, 118), bp(2, 136, 88)])).ackedSeq, 2);
    await h.server.engine!.idle();
    for (let i = 0; i < 30 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.is(received.length, 1, 'one email (to the family)');
    const mail = received[0]!;
    assert.equal(mail.to, [CONTACTS.family.email]);
    const text = decodeQuotedPrintable(mail.raw);
    assert.match(text, /Subject: BSN-Care alert/);
    assert.match(text, /blood pressure 136\/88 mmHg/);
    const link = /https:\/\/care\.example\.test\/ack\/([A-Za-z0-9_-]{43})/.exec(text);
    assert.ok(link, 'the email carries the per-recipient link');
    const token = link![1]!;
    // The link token works (acknowledges as the family) and is different from the SMS one.
    const smsToken = /ack\/([A-Za-z0-9_-]{43})/.exec(telephony.log.find((d) => d.channel === 'sms')!.text)![1]!;
    assert.is.not(smsToken, token);
    const ack = await post(h.base, ROUTES.ack, JSON.stringify({ token }), { 'content-type': 'application/json' });
    assert.equal(ack.json, { acknowledged: true, role: 'family' });
    // A few more frames, a replay and garbage, so the log covers rejections too.
    const f = lpu.seal([bp(3, 119)]);
    await lpu.sendFrame(f);
    await lpu.sendFrame(f);
    await post(h.base, ROUTES.data, new Uint8Array(40), { 'content-type': 'application/octet-stream' });
    await lpu.handshake();
    await lpu.send([bp(4, 117)]);
    await h.server.engine!.idle();

    const idS = bytes((await db.query('SELECT id_s FROM server_identity'))[0]!.id_s);
    const keys = lpu.session!.keys;
    const secrets: Record<string, string> = {
      operatorToken: OPERATOR_TOKEN,
      idS: toHex(idS),
      idL: toHex(credential.idL),
      klsRegistered: toHex(credential.kls),
      klsNow: toHex(lpu.client.credential.kls),
      kem0: toHex(credential.pairs[0]!.kem),
      sid0: toHex(credential.pairs[0]!.sid),
      lpuToServer: toHex(keys.lpuToServer),
      serverToLpu: toHex(keys.serverToLpu),
      sessionId: toHex(keys.sessionId),
      emailToken: token,
      smsToken,
    };
    const logText = h.logLines.join('\n');
    assert.ok(h.logLines.length > 20, 'the session was logged');
    for (const l of h.logLines) JSON.parse(l); // every line is structured JSON
    for (const [name, value] of Object.entries(secrets)) {
      assert.not.ok(logText.toLowerCase().includes(value.toLowerCase()), `log contains ${name}`);
      if (name !== 'emailToken') assert.not.ok(text.toLowerCase().includes(value.toLowerCase()), `email contains ${name}`);
    }
    assert.match(logText, /"event":"readings-stored"/);
    assert.match(logText, /"event":"frame-rejected".*"code":"duplicate"/);
  } finally {
    await h.close();
    mailer.close();
    await db.close();
    await new Promise<void>((r) => smtp.close(() => r()));
  }
});

test.run();
