// `bsn-care provision`: registers an LPU with a BSN-Care server over HTTP (the provisioning
// channel, protected by the operator token) and writes its binary credential record to a file.
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { UsageError, type Command } from '../command.ts';
import { decodeLpuCredential } from '../../protocol/index.ts';

const usage = `Usage: bsn-care provision --server URL --token T --contacts FILE.json --out FILE [--pairs N]

Registers a new LPU with the server and writes its credential record (binary, checksummed) to FILE.
FILE.json: {"family": {"phone": "+49...", "email": "..."}, "physician": {"phone": ...},
            "emergency": {"phone": ...}, "technical": {"phone": ..., "email": ...}}
The token can also come from env BSN_OPERATOR_TOKEN. Prints the patient id.`;

export const command: Command = {
  name: 'provision',
  summary: 'register an LPU with the server and write its credential record',
  usage,
  async run(args) {
    const { values } = parseArgs({ args, options: { server: { type: 'string' }, token: { type: 'string' }, contacts: { type: 'string' }, out: { type: 'string' }, pairs: { type: 'string' } } });
    const token = values.token ?? process.env.BSN_OPERATOR_TOKEN;
    if (!values.server || !token || !values.out || !values.contacts) throw new UsageError('--server, --token, --contacts and --out are required');
    let contacts: unknown;
    try {
      contacts = JSON.parse(readFileSync(values.contacts, 'utf8'));
    } catch (e) {
      throw new UsageError(`--contacts: ${(e as Error).message}`);
    }
    const pairCount = values.pairs === undefined ? 8 : Number(values.pairs);
    const r = await fetch(new URL('/v1/register', values.server), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ contacts, pairCount }),
    });
    const body = new Uint8Array(await r.arrayBuffer());
    if (r.status !== 201) {
      process.stderr.write(`provision: server answered ${r.status}: ${Buffer.from(body).toString('utf8').slice(0, 300)}\n`);
      return 1;
    }
    // Check before writing: a credential the LPU cannot load must never reach its EEPROM.
    const c = decodeLpuCredential(body);
    if (!c.ok) {
      process.stderr.write(`provision: the server's credential does not decode: ${c.error.code}\n`);
      return 1;
    }
    writeFileSync(values.out, body, { mode: 0o600 });
    process.stdout.write(`patient ${r.headers.get('x-bsn-patient-id')}: credential (${body.length} bytes, ${c.value.pairs.length} shadow pairs) written to ${values.out}\n`);
    return 0;
  },
};
