// Linear secret sharing from a threshold tree (the LSSS Waters 2011 needs). Each leaf is a row of
// a matrix M over Z_r; shares are λ = M·u with u = (s, y2, ..., yc) random, and any authorised
// set of rows has coefficients ω with Σ ω_i·M_i = (1, 0, ..., 0), so Σ ω_i·λ_i = s.
// Construction: the root gets the vector (1); a k-of-n gate with vector v gives its i-th child
// (i = 1..n) the vector v extended by i, i², ..., i^(k-1) in k-1 fresh columns. That is Shamir
// sharing of the gate's value with a degree k-1 polynomial, so an OR (k = 1) copies v and an AND
// becomes an n-of-n sharing. Reconstruction walks the tree with Lagrange coefficients at 0.
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { policyLeaves, satisfies, type Policy } from '../policy/policy.ts';

const Fr = bls12_381.fields.Fr;
export const ORDER: bigint = Fr.ORDER;

export interface Lsss {
  /** Row i belongs to attribute leaves[i] (ρ(i)). */
  readonly leaves: readonly string[];
  readonly rows: readonly (readonly bigint[])[];
  readonly columns: number;
}

export function lsssMatrix(policy: Policy): Lsss {
  const rows: bigint[][] = [];
  let columns = 1;
  const walk = (p: Policy, v: readonly bigint[]): void => {
    if (p.type === 'attr') { rows.push([...v]); return; }
    const base = columns;
    columns += p.k - 1;
    p.children.forEach((child, idx) => {
      const x = BigInt(idx + 1);
      const ext = [...v];
      while (ext.length < base) ext.push(0n);
      let pw = 1n;
      for (let j = 1; j < p.k; j++) { pw = (pw * x) % ORDER; ext.push(pw); }
      walk(child, ext);
    });
  };
  walk(policy, [1n]);
  for (const r of rows) while (r.length < columns) r.push(0n);
  return { leaves: policyLeaves(policy), rows, columns };
}

/** λ_i = M_i · u, with u[0] = s the shared secret. */
export function shares(m: Lsss, u: readonly bigint[]): bigint[] {
  if (u.length !== m.columns) throw new RangeError(`u must have ${m.columns} entries`);
  return m.rows.map((row) => {
    let acc = 0n;
    for (let j = 0; j < row.length; j++) if (row[j] !== 0n) acc += row[j]! * u[j]!;
    return acc % ORDER;
  });
}

function leafCount(p: Policy): number {
  return p.type === 'attr' ? 1 : p.children.reduce((a, c) => a + leafCount(c), 0);
}

/** Cheapest satisfying size of a subtree (leaves used), or Infinity if unsatisfied. */
function cost(p: Policy, attrs: ReadonlySet<string>): number {
  if (p.type === 'attr') return attrs.has(p.name) ? 1 : Infinity;
  const cs = p.children.map((c) => cost(c, attrs)).sort((a, b) => a - b);
  let sum = 0;
  for (let i = 0; i < p.k; i++) sum += cs[i]!;
  return sum;
}

/**
 * Reconstruction coefficients ω (row index → ω) for the fewest leaves the attributes satisfy,
 * or null if they do not satisfy the policy.
 */
export function reconstruction(policy: Policy, attributes: ReadonlySet<string>): Map<number, bigint> | null {
  if (!satisfies(policy, attributes)) return null;
  const out = new Map<number, bigint>();
  const walk = (p: Policy, firstRow: number, coeff: bigint): void => {
    if (p.type === 'attr') { out.set(firstRow, coeff); return; }
    const offsets: number[] = [];
    let o = firstRow;
    for (const c of p.children) { offsets.push(o); o += leafCount(c); }
    const chosen = p.children
      .map((c, i) => ({ i, cost: cost(c, attributes) }))
      .filter((x) => x.cost !== Infinity)
      .sort((a, b) => a.cost - b.cost || a.i - b.i)
      .slice(0, p.k);
    const xs = chosen.map((c) => BigInt(c.i + 1));
    for (const c of chosen) {
      const xi = BigInt(c.i + 1);
      // Lagrange coefficient at 0: Π_{j≠i} x_j / (x_j − x_i).
      let num = 1n, den = 1n;
      for (const xj of xs) if (xj !== xi) { num = (num * xj) % ORDER; den = (den * Fr.create(xj - xi)) % ORDER; }
      walk(p.children[c.i]!, offsets[c.i]!, Fr.mul(coeff, Fr.mul(num, Fr.inv(den))));
    }
  };
  walk(policy, 0, 1n);
  return out;
}
