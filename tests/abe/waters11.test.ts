// Waters 2011 CP-ABE on BLS12-381, end to end with real pairings:
//   - correctness: a seeded random matrix of policies × attribute sets; a key opens the wrapped
//     message exactly when the plaintext evaluator says the attributes satisfy the policy;
//   - the refusal is cryptographic, not just the evaluator: a key that claims a missing attribute
//     with a wrong component, or a ciphertext relabelled with a weaker policy, fails the AEAD;
//   - collusion: two readers whose attributes together satisfy the policy, mixing their key parts
//     in every way, fail (per-user randomness t), while an honest key with the union opens;
//   - tampering with any part of a ciphertext fails (decode error or authentication failure);
//   - serialisation round trips and typed decode errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeCiphertext, decodeMasterPublicKey, decodeMasterSecretKey, decodeSecretKey, decrypt, encodeCiphertext, encodeMasterPublicKey,
  encodeMasterSecretKey, encodeSecretKey, encrypt, hashAttribute, keygen, setup, AbeParameterError, type Ciphertext, type SecretKey,
} from '../../server/abe/waters11.ts';
import { formatPolicy, parsePolicy, policyLeaves, satisfies, type Policy } from '../../server/policy/policy.ts';
import { Rng } from '../../sim/rng.ts';

const rng = new Rng(8);
const random = (n: number) => rng.bytes(n);
const { mpk, msk } = setup(random);
const message = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);

function enc(policy: string | Policy, m = message): Ciphertext {
  const r = encrypt(mpk, policy, m, random);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}
const parse = (s: string) => { const r = parsePolicy(s); if (!r.ok) throw new Error(r.error.message); return r.value; };

test('random policies × attribute sets: opens exactly when the evaluator says so', () => {
  const universe = ['role:physician', 'role:family', 'role:emergency', 'unit:cardiology', 'unit:neurology', 'on-call', 'shift:night', 'cert:als'];
  const gen = (names: string[], depth: number): Policy => {
    if (depth === 0 || names.length < 2 || rng.chance(0.3)) return { type: 'attr', name: names.pop()! };
    const children: Policy[] = [];
    const n = rng.int(2, 3);
    for (let i = 0; i < n && names.length; i++) children.push(gen(names, depth - 1));
    return children.length === 1 ? children[0]! : { type: 'gate', k: rng.int(1, children.length), children };
  };
  let opened = 0, refused = 0;
  const keys = Array.from({ length: 6 }, () => {
    const attrs = universe.filter(() => rng.chance(0.5));
    return { attrs: new Set(attrs.length ? attrs : ['shift:night']), sk: keygen(mpk, msk, attrs.length ? attrs : ['shift:night'], random) };
  });
  for (let i = 0; i < 10; i++) {
    const names = [...universe].sort(() => rng.float() - 0.5);
    const policy = gen(names, 3);
    const ct = enc(policy);
    for (const { attrs, sk } of keys) {
      const r = decrypt(sk, ct);
      const want = satisfies(policy, attrs);
      assert.is(r.ok, want, `${formatPolicy(policy)} with {${[...attrs].join(', ')}}`);
      if (r.ok) { assert.equal(r.value, message); opened++; } else { assert.is(r.error.code, 'not-satisfied'); refused++; }
    }
  }
  assert.ok(opened >= 10 && refused >= 10, `${opened} opened, ${refused} refused`);
});

test('the refusal is cryptographic: a forged attribute component fails authentication', () => {
  const ct = enc('role:physician AND unit:cardiology');
  const sk = keygen(mpk, msk, ['role:physician', 'unit:neurology'], random);
  // Claim unit:cardiology using the key's own component for unit:neurology (same t, wrong hash).
  const forged: SecretKey = { ...sk, Kx: new Map([...sk.Kx, ['unit:cardiology', sk.Kx.get('unit:neurology')!]]) };
  const r = decrypt(forged, ct);
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error.code, 'auth-failed');
  // Or with H(unit:cardiology) raised to a guessed exponent.
  const guess: SecretKey = { ...sk, Kx: new Map([...sk.Kx, ['unit:cardiology', hashAttribute('unit:cardiology').multiply(12345n)]]) };
  assert.not.ok(decrypt(guess, ct).ok);
});

test('a ciphertext relabelled with a weaker policy does not open', () => {
  const ct = enc('role:physician AND unit:cardiology');
  const sk = keygen(mpk, msk, ['role:physician'], random);
  const weakened: Ciphertext = { ...ct, policy: parse('role:physician OR unit:cardiology') };
  const r = decrypt(sk, weakened);
  assert.not.ok(r.ok);
  if (!r.ok) assert.is(r.error.code, 'auth-failed');
});

test('collusion: two readers cannot combine their key parts', () => {
  const policy = 'role:physician AND unit:cardiology';
  const ct = enc(policy);
  const a = keygen(mpk, msk, ['role:physician', 'unit:neurology'], random);
  const b = keygen(mpk, msk, ['role:nurse', 'unit:cardiology'], random);
  const union = keygen(mpk, msk, ['role:physician', 'unit:cardiology'], random);
  assert.ok(decrypt(union, ct).ok, 'the honest key with both attributes opens');
  for (const k of [a, b]) {
    const r = decrypt(k, ct);
    assert.ok(!r.ok && r.error.code === 'not-satisfied');
  }
  // Every mixture of (K, L) from one reader with attribute components from both.
  const parts = new Map([...a.Kx, ...b.Kx]);
  const mixes: SecretKey[] = [
    { K: a.K, L: a.L, Kx: parts },
    { K: b.K, L: b.L, Kx: parts },
    { K: a.K, L: b.L, Kx: parts },
    { K: b.K, L: a.L, Kx: parts },
  ];
  for (const mix of mixes) {
    const r = decrypt(mix, ct);
    assert.not.ok(r.ok);
    if (!r.ok) assert.is(r.error.code, 'auth-failed');
  }
  // Also through a threshold policy where each reader holds one of the two needed attributes.
  const ct2 = enc('2 of (role:physician, unit:cardiology, cert:als)');
  assert.not.ok(decrypt({ K: a.K, L: a.L, Kx: parts }, ct2).ok);
});

test('tampering with any byte region of a ciphertext fails', () => {
  const ct = enc('(role:physician AND unit:cardiology) OR (role:emergency AND on-call)');
  const sk = keygen(mpk, msk, ['role:emergency', 'on-call'], random);
  const bytes = encodeCiphertext(ct);
  assert.ok(decrypt(sk, ct).ok);
  // Offsets: magic 4, policy length 2, policy, C' 96, rows 2, rows (48 + 96) each, nonce 12, length 2, wrapped.
  const pl = (bytes[4]! << 8) | bytes[5]!;
  const c1 = 6 + pl, rows = c1 + 96 + 2, nonce = rows + 4 * 144, wrapped = nonce + 12 + 2;
  const spots = [1, 8, c1 + 10, c1 + 95, rows + 5, rows + 48 + 20, rows + 2 * 144 + 7, rows + 3 * 144 + 60, nonce + 3, wrapped + 1, bytes.length - 1];
  let decodeErrors = 0, authFailures = 0;
  for (const at of spots) {
    for (const bit of [0x01, 0x80]) {
      const t = bytes.slice();
      t[at]! ^= bit;
      const d = decodeCiphertext(t);
      if (!d.ok) { decodeErrors++; continue; }
      const r = decrypt(sk, d.value);
      assert.not.ok(r.ok, `flip at ${at}`);
      if (!r.ok) authFailures++;
    }
  }
  assert.ok(authFailures > 0 && decodeErrors > 0, `${authFailures} authentication failures, ${decodeErrors} decode errors`);
  // A valid row from another ciphertext of the same policy: still fails.
  const other = enc('(role:physician AND unit:cardiology) OR (role:emergency AND on-call)');
  const spliced: Ciphertext = { ...ct, rows: ct.rows.map((r, i) => (i === 2 ? other.rows[2]! : r)) };
  assert.not.ok(decrypt(sk, spliced).ok);
});

test('serialisation round trips (keys and ciphertexts) and typed decode errors', () => {
  const sk = keygen(mpk, msk, ['role:family', 'family-of:p-1'], random);
  const ct = enc('role:family AND family-of:p-1');
  const mpkB = encodeMasterPublicKey(mpk), mskB = encodeMasterSecretKey(msk), skB = encodeSecretKey(sk), ctB = encodeCiphertext(ct);
  const mpk2 = decodeMasterPublicKey(mpkB), msk2 = decodeMasterSecretKey(mskB), sk2 = decodeSecretKey(skB), ct2 = decodeCiphertext(ctB);
  assert.ok(mpk2.ok && msk2.ok && sk2.ok && ct2.ok);
  if (!(mpk2.ok && msk2.ok && sk2.ok && ct2.ok)) return;
  assert.equal(encodeMasterPublicKey(mpk2.value), mpkB);
  assert.equal(encodeMasterSecretKey(msk2.value), mskB);
  assert.equal(encodeSecretKey(sk2.value), skB);
  assert.equal(encodeCiphertext(ct2.value), ctB);
  const r = decrypt(sk2.value, ct2.value);
  assert.ok(r.ok && r.value.every((v, i) => v === message[i]));
  // Keys from the decoded master keys still work with old ciphertexts.
  const sk3 = keygen(mpk2.value, msk2.value, ['role:family', 'family-of:p-1'], random);
  assert.ok(decrypt(sk3, ct).ok);
  assert.is(skB.length, 4 + 48 + 96 + 2 + 2 * (1 + 48) + 'role:family'.length + 'family-of:p-1'.length);

  const codeOf = (x: { ok: boolean; error?: { code: string } }) => (x.ok ? 'ok' : x.error!.code);
  assert.is(codeOf(decodeCiphertext(ctB.subarray(0, ctB.length - 20))), 'truncated');
  assert.is(codeOf(decodeCiphertext(new Uint8Array([...ctB, 0]))), 'trailing-bytes');
  assert.is(codeOf(decodeCiphertext(skB)), 'bad-magic');
  assert.is(codeOf(decodeSecretKey(new Uint8Array(0))), 'truncated');
  const badPoint = skB.slice(); badPoint[4 + 10]! ^= 0x55;
  assert.is(codeOf(decodeSecretKey(badPoint)), 'bad-point');
  const badName = skB.slice(); badName[4 + 48 + 96 + 2 + 1] = 'R'.charCodeAt(0);
  assert.is(codeOf(decodeSecretKey(badName)), 'bad-attribute');
  const badGt = mpkB.slice(); badGt[4 + 48 + 100]! ^= 1;
  assert.is(codeOf(decodeMasterPublicKey(badGt)), 'bad-point');
  const badPolicy = ctB.slice(); badPolicy[6] = '('.charCodeAt(0);
  assert.is(codeOf(decodeCiphertext(badPolicy)), 'bad-policy');
});

test('decoders never throw: mutated and truncated encodings give typed results', () => {
  const sk = encodeSecretKey(keygen(mpk, msk, ['role:family', 'family-of:p-1'], random));
  const ct = encodeCiphertext(enc('role:family AND family-of:p-1'));
  const codes = new Set<string>();
  for (let i = 0; i < 150; i++) {
    for (const [bytes, decodeFn] of [[ct, decodeCiphertext], [sk, decodeSecretKey]] as const) {
      const t = bytes.slice(0, rng.chance(0.3) ? rng.int(0, bytes.length) : bytes.length);
      for (let j = rng.int(0, 3); j > 0 && t.length; j--) t[rng.int(0, t.length - 1)] = rng.int(0, 255);
      const r = (decodeFn as (b: Uint8Array) => { ok: boolean; error?: { code: string } })(t);
      codes.add(r.ok ? 'ok' : r.error!.code);
    }
  }
  assert.ok(codes.has('truncated') && codes.has('bad-point'), [...codes].join(','));
});

test('encrypt refuses repeated attributes and bad policies with typed errors; keygen bad names throw', () => {
  const rep = encrypt(mpk, 'a AND (a OR b)', message, random);
  assert.ok(!rep.ok && rep.error.code === 'repeated-attribute');
  const bad = encrypt(mpk, 'a AND', message, random);
  assert.ok(!bad.ok && bad.error.code === 'unexpected-end');
  assert.throws(() => keygen(mpk, msk, ['Role:X'], random), (e: unknown) => e instanceof AbeParameterError);
  assert.throws(() => keygen(mpk, msk, [], random), (e: unknown) => e instanceof AbeParameterError);
  assert.equal(policyLeaves(enc('x AND y').policy), ['x', 'y']);
});

test.run();
