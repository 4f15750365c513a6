// `npm run bench -- abe [--json] [--runs N]` (N timed runs per figure after one warm-up, default 5)
// CP-ABE (Waters 2011 on BLS12-381, @noble/curves) costs in milliseconds, the best of N runs (on a
// shared machine other load only ever makes a run slower):
// setup; keygen with n attributes; encrypt under `a1 AND ... AND an` (n rows, the worst case for
// decryption: every row is used) and under `a1 OR ... OR an` (n rows, one used); decrypt of both;
// sizes of the key and the ciphertext (32-byte wrapped data key). Plus the record-policy table's
// vitals policy (5 attributes) and AES-256-GCM record sealing for scale.
import { parseArgs } from 'node:util';
import type { Bench } from './run.ts';
import { decrypt, encodeCiphertext, encodeSecretKey, encrypt, keygen, setup, type Ciphertext } from '../server/abe/waters11.ts';
import { policyTextFor } from '../server/policy/record-policies.ts';
import { openRecord, sealRecord } from '../server/records/record-cipher.ts';

function time<T>(runs: number, f: () => T): { ms: number; last: T } {
  let last = f(); // warm-up
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = f();
    ts.push(performance.now() - t0);
  }
  return { ms: Math.round(Math.min(...ts) * 100) / 100, last };
}
const must = <T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

export const bench: Bench = {
  summary: 'CP-ABE (Waters 2011, BLS12-381) setup/keygen/encrypt/decrypt times for policies of 2/4/8 attributes',
  async run(args) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, runs: { type: 'string' } } });
    const runs = Math.max(1, Number(values.runs ?? 5));
    const out: Record<string, Record<string, number>> = {};
    const s = time(runs, () => setup());
    const { mpk, msk } = s.last;
    out['setup'] = { ms: s.ms };
    const message = new Uint8Array(32).fill(1);
    for (const n of [2, 4, 8]) {
      const attrs = Array.from({ length: n }, (_, i) => `attr:a${i}`);
      const kg = time(runs, () => keygen(mpk, msk, attrs));
      const encAnd = time(runs, () => must(encrypt(mpk, attrs.join(' AND '), message)));
      const encOr = time(runs, () => must(encrypt(mpk, attrs.join(' OR '), message)));
      const decAnd = time(runs, () => must(decrypt(kg.last, encAnd.last)));
      const decOr = time(runs, () => must(decrypt(kg.last, encOr.last)));
      out[`attributes-${n}`] = {
        keygenMs: kg.ms,
        encryptAndMs: encAnd.ms,
        encryptOrMs: encOr.ms,
        decryptAndMs: decAnd.ms,
        decryptOrMs: decOr.ms,
        keyBytes: encodeSecretKey(kg.last).length,
        ciphertextBytes: encodeCiphertext(encAnd.last).length,
      };
    }
    const subject = { patientId: 'p-7f3a', careUnit: 'cardiology' };
    const vitals = must(policyTextFor('vitals', subject));
    const sk = keygen(mpk, msk, ['role:emergency', 'on-call']);
    const ev = time(runs, (): Ciphertext => must(encrypt(mpk, vitals, message)));
    const dv = time(runs, () => must(decrypt(sk, ev.last)));
    out['vitals-policy'] = { attributes: 5, encryptMs: ev.ms, decryptMs: dv.ms, ciphertextBytes: encodeCiphertext(ev.last).length };
    const dataKey = { id: { patientId: 'p-7f3a', kind: 'vitals' as const, version: 1 }, key: new Uint8Array(32).fill(9) };
    const body = new Uint8Array(1024).fill(3);
    const seal = time(runs * 20, () => sealRecord('r-1', dataKey, body));
    const open = time(runs * 20, () => must(openRecord(seal.last, { patientId: 'p-7f3a', recordId: 'r-1' }, () => dataKey.key)));
    out['record-1KiB'] = { sealMs: seal.ms, openMs: open.ms };

    if (values.json) {
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return;
    }
    process.stdout.write(`CP-ABE Waters 2011 / BLS12-381, best of ${runs} runs (ms), Node ${process.version}\n`);
    for (const [section, rec] of Object.entries(out)) {
      process.stdout.write(`${section.padEnd(16)} ${Object.entries(rec).map(([k, v]) => `${k}=${v}`).join('  ')}\n`);
    }
  },
};
