// `bsn-care records-keys --out DIR`: the attribute authority's and the server's keys for records
// at rest: mpk.bin (CP-ABE public parameters, for the server and readers), msk.bin (the master
// secret: stays with the authority, issues reader keys; never on the server), kek.hex (the
// server's 32-byte key-encryption key). Files are written with mode 0600 and never overwritten.
// `--reader-key ATTRS --msk FILE --mpk FILE` issues a reader's attribute key (e.g.
// role:physician,unit:cardiology) to stdout as base64url.
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError, type Command } from '../command.ts';
import { decodeMasterPublicKey, decodeMasterSecretKey, encodeMasterPublicKey, encodeMasterSecretKey, encodeSecretKey, keygen, setup } from '../../server/abe/waters11.ts';
import { isAttributeName } from '../../server/policy/policy.ts';

const usage = `Usage: bsn-care records-keys --out DIR
       bsn-care records-keys --reader-key ATTR[,ATTR...] --mpk FILE --msk FILE

Creates DIR/mpk.bin, DIR/msk.bin and DIR/kek.hex for records at rest (server/abe/README.md):
run the server with --records-mpk DIR/mpk.bin --records-kek-file DIR/kek.hex, and keep msk.bin
with the attribute authority, not on the server. --reader-key prints an attribute key.`;

export const command: Command = {
  name: 'records-keys',
  summary: 'create the CP-ABE and key-encryption keys for records at rest, or issue a reader key',
  usage,
  async run(args) {
    let values;
    try {
      ({ values } = parseArgs({ args, options: { out: { type: 'string' }, 'reader-key': { type: 'string' }, mpk: { type: 'string' }, msk: { type: 'string' } }, allowPositionals: false, strict: true }));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (values['reader-key'] !== undefined) {
      if (!values.mpk || !values.msk) throw new UsageError('--reader-key needs --mpk and --msk');
      const attrs = values['reader-key'].split(',').map((a) => a.trim()).filter((a) => a.length > 0);
      if (attrs.length === 0 || !attrs.every(isAttributeName)) throw new UsageError('attributes: lowercase names such as role:physician,unit:cardiology');
      const mpk = decodeMasterPublicKey(readFileSync(values.mpk));
      const msk = decodeMasterSecretKey(readFileSync(values.msk));
      if (!mpk.ok || !msk.ok) throw new UsageError('--mpk/--msk: not a key file from records-keys');
      process.stdout.write(Buffer.from(encodeSecretKey(keygen(mpk.value, msk.value, attrs))).toString('base64url') + '\n');
      return 0;
    }
    if (!values.out) throw new UsageError('--out DIR is required');
    const files = ['mpk.bin', 'msk.bin', 'kek.hex'].map((f) => join(values.out!, f));
    for (const f of files) if (existsSync(f)) throw new UsageError(`${f} exists: refusing to overwrite keys`);
    mkdirSync(values.out, { recursive: true });
    const { mpk, msk } = setup();
    writeFileSync(files[0]!, encodeMasterPublicKey(mpk), { mode: 0o644 });
    writeFileSync(files[1]!, encodeMasterSecretKey(msk), { mode: 0o600 });
    writeFileSync(files[2]!, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    process.stdout.write(`wrote ${files.join(', ')}\n`);
    return 0;
  },
};
