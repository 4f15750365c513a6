// The LSSS behind Waters 2011: reconstruction coefficients really recombine the matrix rows to
// (1, 0, ..., 0) and the shares to the secret, exactly for satisfying attribute sets; an
// unauthorised set gets no coefficients. Random threshold trees, seeded.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lsssMatrix, reconstruction, shares, ORDER } from '../../server/abe/lsss.ts';
import { parsePolicy, policyLeaves, satisfies, type Policy } from '../../server/policy/policy.ts';
import { Rng } from '../../sim/rng.ts';

const rng = new Rng(2011);
const scalar = () => { let x = 0n; for (const b of rng.bytes(40)) x = (x << 8n) | BigInt(b); return x % ORDER; };
const mod = (x: bigint) => ((x % ORDER) + ORDER) % ORDER;

function randomPolicy(names: string[], depth: number): Policy {
  if (depth === 0 || names.length < 2 || rng.chance(0.25)) return { type: 'attr', name: names.pop()! };
  const n = Math.min(names.length, rng.int(2, 4));
  const children: Policy[] = [];
  for (let i = 0; i < n && names.length; i++) children.push(randomPolicy(names, depth - 1));
  return children.length === 1 ? children[0]! : { type: 'gate', k: rng.int(1, children.length), children };
}

test('matrix of 2 of (a, b, c) is the Shamir Vandermonde rows', () => {
  const r = parsePolicy('2 of (a, b, c)');
  assert.ok(r.ok);
  if (!r.ok) return;
  const m = lsssMatrix(r.value);
  assert.equal(m.rows, [[1n, 1n], [1n, 2n], [1n, 3n]]);
  assert.equal(m.leaves, ['a', 'b', 'c']);
  const w = reconstruction(r.value, new Set(['a', 'c']))!;
  // 1·w_a + 1·w_c = 1 and 1·w_a + 3·w_c = 0  →  w_a = 3/2, w_c = −1/2
  assert.is(mod(w.get(0)! * 2n), 3n);
  assert.is(mod(w.get(2)! * 2n), ORDER - 1n);
});

test('random trees: Σ ω_i M_i = (1,0..) and Σ ω_i λ_i = s exactly when satisfied', () => {
  let satisfiedCases = 0, refused = 0;
  for (let i = 0; i < 150; i++) {
    const names = Array.from({ length: 10 }, (_, j) => `a${j}`);
    const p = randomPolicy(names, 3);
    const m = lsssMatrix(p);
    const leaves = policyLeaves(p);
    assert.is(m.rows.length, leaves.length);
    const u = Array.from({ length: m.columns }, scalar);
    const lambda = shares(m, u);
    for (let j = 0; j < 8; j++) {
      const attrs = new Set(leaves.filter(() => rng.chance(0.55)));
      const w = reconstruction(p, attrs);
      if (!satisfies(p, attrs)) { assert.is(w, null); refused++; continue; }
      satisfiedCases++;
      assert.ok(w);
      for (const idx of w!.keys()) assert.ok(attrs.has(leaves[idx]!), 'only rows of held attributes are used');
      const combo = Array.from({ length: m.columns }, (_, c) => mod([...w!].reduce((acc, [idx, wi]) => acc + wi * m.rows[idx]![c]!, 0n)));
      assert.equal(combo, [1n, ...Array(m.columns - 1).fill(0n)]);
      assert.is(mod([...w!].reduce((acc, [idx, wi]) => acc + wi * lambda[idx]!, 0n)), u[0]);
    }
  }
  assert.ok(satisfiedCases > 100 && refused > 100, `${satisfiedCases} satisfied, ${refused} refused`);
});

test('an unauthorised set cannot reach the target with the rows it holds (rank check)', () => {
  // For `a AND b`, row a alone spans only multiples of (1, 1): never (1, 0).
  const r = parsePolicy('a AND b');
  assert.ok(r.ok);
  if (!r.ok) return;
  const m = lsssMatrix(r.value);
  assert.equal(m.rows, [[1n, 1n], [1n, 2n]]);
  assert.is(reconstruction(r.value, new Set(['a'])), null);
});

test.run();
