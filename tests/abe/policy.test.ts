// The policy language: precedence, thresholds, canonical text round trips, the plaintext
// evaluator, typed parse errors with positions, and the record-policy table's placeholders.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatPolicy, parsePolicy, policyLeaves, satisfies, MAX_POLICY_LEAVES, type Policy, type PolicyErrorCode } from '../../server/policy/policy.ts';
import { policyFor, policyTextFor, RECORD_KINDS, RECORD_POLICIES } from '../../server/policy/record-policies.ts';
import { Rng } from '../../sim/rng.ts';

const parse = (s: string): Policy => {
  const r = parsePolicy(s);
  if (!r.ok) throw new Error(`${s}: ${r.error.code} ${r.error.message}`);
  return r.value;
};
const set = (...a: string[]) => new Set(a);

test('AND binds tighter than OR; both flatten into gates', () => {
  const p = parse('a AND b OR c');
  assert.equal(p, { type: 'gate', k: 1, children: [{ type: 'gate', k: 2, children: [{ type: 'attr', name: 'a' }, { type: 'attr', name: 'b' }] }, { type: 'attr', name: 'c' }] });
  assert.equal(parse('a and b and c'), { type: 'gate', k: 3, children: ['a', 'b', 'c'].map((name) => ({ type: 'attr', name })) });
  assert.ok(satisfies(p, set('c')));
  assert.ok(satisfies(p, set('a', 'b')));
  assert.not.ok(satisfies(p, set('a')));
  assert.not.ok(satisfies(parse('a AND (b OR c)'), set('b', 'c')));
});

test('the issue\'s example policies', () => {
  const p = parse('role:physician AND unit:cardiology');
  assert.ok(satisfies(p, set('role:physician', 'unit:cardiology', 'x')));
  assert.not.ok(satisfies(p, set('role:physician', 'unit:neurology')));
  const e = parse('role:emergency AND on-call');
  assert.equal(policyLeaves(e), ['role:emergency', 'on-call']);
  assert.not.ok(satisfies(e, set('role:emergency')));
});

test('k of (...) thresholds', () => {
  const p = parse('2 of (a, b, c AND d)');
  assert.equal(p.type === 'gate' && p.k, 2);
  assert.ok(satisfies(p, set('a', 'b')));
  assert.ok(satisfies(p, set('a', 'c', 'd')));
  assert.not.ok(satisfies(p, set('a', 'c')));
  assert.equal(parse('1 of (x)'), { type: 'attr', name: 'x' });
  assert.ok(satisfies(parse('3 OF (a, b, c)'), set('a', 'b', 'c')));
});

test('formatPolicy gives text that parses to the same tree (random trees)', () => {
  const rng = new Rng(11);
  const gen = (depth: number, names: string[]): Policy => {
    if (depth === 0 || rng.chance(0.3)) return { type: 'attr', name: names.pop() ?? `z${rng.int(0, 999)}` };
    const n = rng.int(2, 4);
    const children = Array.from({ length: n }, () => gen(depth - 1, names));
    return { type: 'gate', k: rng.int(1, n), children };
  };
  for (let i = 0; i < 200; i++) {
    const names = Array.from({ length: 30 }, (_, j) => `attr:${i}-${j}`);
    const p = gen(3, names);
    const text = formatPolicy(p);
    const back = parse(text);
    assert.equal(formatPolicy(back), text);
    // Same meaning on random attribute sets (the tree may differ only by flattening).
    const leaves = policyLeaves(p);
    for (let j = 0; j < 10; j++) {
      const s = new Set(leaves.filter(() => rng.chance(0.5)));
      assert.is(satisfies(back, s), satisfies(p, s), text);
    }
  }
});

test('parse errors are typed, with positions, and never throw', () => {
  const cases: [string, PolicyErrorCode, number?][] = [
    ['', 'empty'],
    ['   ', 'empty'],
    ['a AND', 'unexpected-end', 5],
    ['(a OR b', 'unexpected-end'],
    ['a OR b)', 'unexpected-token', 6],
    ['a b', 'unexpected-token', 2],
    ['AND a', 'unexpected-token', 0],
    ['Role:Physician', 'bad-attribute', 0],
    ['1abc', 'bad-attribute', 0],
    ['a AND $b', 'bad-character', 6],
    ['4 of (a, b, c)', 'bad-threshold', 0],
    ['0 of (a, b)', 'bad-threshold', 0],
    ['2 (a, b)', 'unexpected-token'],
    ['2 of a, b', 'unexpected-token'],
    ['('.repeat(20) + 'a' + ')'.repeat(20), 'too-deep'],
    [Array.from({ length: MAX_POLICY_LEAVES + 1 }, (_, i) => `a${i}`).join(' OR '), 'too-many-attributes'],
    ['a OR '.repeat(500) + 'a', 'too-long'],
  ];
  for (const [src, code, pos] of cases) {
    const r = parsePolicy(src);
    assert.not.ok(r.ok, src);
    if (!r.ok) {
      assert.is(r.error.code, code, `${src.slice(0, 40)} → ${r.error.code}: ${r.error.message}`);
      if (pos !== undefined) assert.is(r.error.position, pos, src);
      assert.ok(r.error.message.length > 0);
    }
  }
  // Garbage of all kinds: a result, never an exception.
  const rng = new Rng(5);
  const alphabet = 'ab:()-, ANDORof23\t$é';
  for (let i = 0; i < 2000; i++) {
    const s = Array.from({ length: rng.int(0, 30) }, () => alphabet[rng.int(0, alphabet.length - 1)]).join('');
    const r = parsePolicy(s);
    assert.type(r.ok, 'boolean');
  }
});

test('record-policy table: placeholders filled, every kind parses, bad subjects refused', () => {
  for (const kind of RECORD_KINDS) {
    const p = policyFor(kind, { patientId: 'p-7f3a', careUnit: 'cardiology' });
    assert.ok(p.ok, kind);
    if (p.ok) for (const leaf of policyLeaves(p.value)) assert.not.match(leaf, /[{}]/);
  }
  const t = policyTextFor('vitals', { patientId: 'p-7f3a', careUnit: 'cardiology' });
  assert.ok(t.ok && t.value.includes('family-of:p-7f3a') && t.value.includes('unit:cardiology'));
  const bad = policyTextFor('vitals', { patientId: 'x) OR (role:anyone', careUnit: 'cardiology' });
  assert.not.ok(bad.ok, 'a patient id cannot inject policy syntax');
  assert.equal(Object.keys(RECORD_POLICIES).sort(), [...RECORD_KINDS].sort());
});

test.run();
