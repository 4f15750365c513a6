// The generic Mamdani engine: membership functions, min/max inference, centroid.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FuzzyDefinitionError, MamdaniSystem, membership, trapezoid, triangle, type LinguisticVariable } from '../../firmware/stress/fuzzy.ts';

const close = (a: number, b: number, eps: number, what = '') => assert.ok(Math.abs(a - b) <= eps, `${what} ${a} vs ${b}`);

test('trapezoid and triangle memberships, shoulders, outside and NaN', () => {
  const t = trapezoid(0, 10, 20, 40);
  assert.is(membership(t, -1), 0);
  assert.is(membership(t, 0), 0);
  assert.is(membership(t, 5), 0.5);
  assert.is(membership(t, 10), 1);
  assert.is(membership(t, 20), 1);
  assert.is(membership(t, 30), 0.5);
  assert.is(membership(t, 40), 0);
  assert.is(membership(t, Number.NaN), 0);
  const tri = triangle(0, 5, 10);
  assert.is(membership(tri, 5), 1);
  assert.is(membership(tri, 7.5), 0.5);
  const leftShoulder = trapezoid(0, 0, 5, 10);
  assert.is(membership(leftShoulder, 0), 1, 'a vertical left edge is a full member at the edge');
  const rightShoulder = trapezoid(5, 10, 20, 20);
  assert.is(membership(rightShoulder, 20), 1);
  assert.is(membership(rightShoulder, 20.0001), 0);
});

test('bad definitions are typed errors', () => {
  assert.throws(() => trapezoid(0, 5, 4, 10), (e: unknown) => e instanceof FuzzyDefinitionError);
  assert.throws(() => triangle(0, Number.NaN, 1), (e: unknown) => e instanceof FuzzyDefinitionError);
  const v: LinguisticVariable<'a'> = { name: 'v', min: 0, max: 1, terms: { a: trapezoid(0, 0, 1, 1) } };
  assert.throws(() => new MamdaniSystem({ x: v }, v, []), (e: unknown) => e instanceof FuzzyDefinitionError);
  assert.throws(() => new MamdaniSystem({ x: v }, v, [{ when: { x: 'b' }, then: 'a' }]), /no term b/);
  assert.throws(() => new MamdaniSystem({ x: v }, v, [{ when: { y: 'a' } as never, then: 'a' }]), /unknown input/);
  assert.throws(() => new MamdaniSystem({ x: v }, v, [{ when: { x: 'a' }, then: 'a', weight: 0 }]), /weight/);
  assert.throws(() => new MamdaniSystem({ x: v }, { ...v, min: 1, max: 1 }, [{ when: { x: 'a' }, then: 'a' }]), /universe/);
});

// A two-input system whose outcome can be computed by hand.
const temp: LinguisticVariable<'cold' | 'hot'> = { name: 'temp', min: 0, max: 40, terms: { cold: trapezoid(0, 0, 10, 30), hot: trapezoid(10, 30, 40, 40) } };
const wet: LinguisticVariable<'dry' | 'wet'> = { name: 'wet', min: 0, max: 1, terms: { dry: trapezoid(0, 0, 0.2, 0.8), wet: trapezoid(0.2, 0.8, 1, 1) } };
const fan: LinguisticVariable<'slow' | 'fast'> = { name: 'fan', min: 0, max: 100, terms: { slow: triangle(0, 0, 100), fast: triangle(0, 100, 100) } };
const sys = new MamdaniSystem({ temp, wet }, fan, [
  { when: { temp: 'cold' }, then: 'slow' },
  { when: { temp: 'hot', wet: 'wet' }, then: 'fast' },
  { when: { temp: 'hot', wet: 'dry' }, then: 'slow', weight: 0.5 },
], { resolution: 10_001 });

test('AND is min, aggregation is max, weights scale the firing strength', () => {
  // temp 25: cold 0.25, hot 0.75; wet 0.35: dry 0.75, wet 0.25.
  const o = sys.infer({ temp: 25, wet: 0.35 });
  close(o.fuzzified.temp!.cold!, 0.25, 1e-12);
  close(o.fuzzified.wet!.wet!, 0.25, 1e-12);
  close(o.strengths.fast, 0.25, 1e-12, 'fast = min(hot 0.75, wet 0.25)');
  close(o.strengths.slow, 0.375, 1e-12, 'slow = max(cold 0.25, 0.5 * min(hot, dry) = 0.375)');
});

test('centroid matches the analytic value', () => {
  // Only "slow" fires fully: centroid of the triangle (0,0,100) is 100/3.
  close(sys.infer({ temp: 0, wet: 1 }).crisp, 100 / 3, 0.01);
  // Only "fast" at 1: 200/3.
  close(sys.infer({ temp: 40, wet: 1 }).crisp, 200 / 3, 0.01);
  // slow and fast both clipped at h: the union is symmetric about 50.
  close(sys.centroid({ slow: 0.4, fast: 0.4 }), 50, 1e-6);
  // slow clipped at 0.5: mu(x) = min(0.5, 1 - x/100). Numerator/denominator by hand:
  // den = 0.5*50 + ∫50..100 (1 - x/100) dx = 25 + 12.5; num = 0.5*1250 + ∫50..100 x(1 - x/100) dx = 625 + 833.33.
  close(sys.centroid({ slow: 0.5 }), (625 + 2500 / 3) / 37.5, 0.01);
});

test('inputs are clamped into their universe; no rule firing gives NaN', () => {
  assert.equal(sys.infer({ temp: -50, wet: 2 }).crisp, sys.infer({ temp: 0, wet: 1 }).crisp);
  const narrow = new MamdaniSystem({ temp }, fan, [{ when: { temp: 'hot' }, then: 'fast' }]);
  assert.ok(Number.isNaN(narrow.infer({ temp: 5 }).crisp));
});

test.run();
