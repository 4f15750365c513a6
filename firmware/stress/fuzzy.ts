// A small generic Mamdani fuzzy inference engine: trapezoidal and triangular membership functions,
// AND = min over a rule's antecedents, implication = min (clipping the consequent set), aggregation
// = max over rules, centroid defuzzification on a fixed grid over the output universe. Output
// memberships are tabulated once at construction, so an inference allocates nothing but its result.

/** A trapezoid a <= b <= c <= d: 0 below a, rising to 1 at b, 1 to c, falling to 0 at d. */
export interface Trapezoid {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

export class FuzzyDefinitionError extends RangeError {
  override readonly name = 'FuzzyDefinitionError';
}

export function trapezoid(a: number, b: number, c: number, d: number): Trapezoid {
  if (![a, b, c, d].every(Number.isFinite) || !(a <= b && b <= c && c <= d)) {
    throw new FuzzyDefinitionError(`trapezoid needs finite a <= b <= c <= d, got ${a}, ${b}, ${c}, ${d}`);
  }
  return { a, b, c, d };
}

/** A triangle is a trapezoid with b = c. */
export function triangle(a: number, peak: number, d: number): Trapezoid {
  return trapezoid(a, peak, peak, d);
}

/**
 * Degree of membership of x. A vertical edge (a = b or c = d) is a shoulder: x at the edge is a
 * full member, so open-ended shoulder sets (a = b = lower end of the universe) behave as expected.
 */
export function membership(mf: Trapezoid, x: number): number {
  if (Number.isNaN(x)) return 0;
  if (x < mf.a || x > mf.d) return 0;
  if (x < mf.b) return (x - mf.a) / (mf.b - mf.a);
  if (x <= mf.c) return 1;
  return (mf.d - x) / (mf.d - mf.c);
}

export interface LinguisticVariable<T extends string> {
  readonly name: string;
  /** Universe of discourse; inputs are clamped into it (a sensor beyond the table's range). */
  readonly min: number;
  readonly max: number;
  readonly terms: Readonly<Record<T, Trapezoid>>;
}

/** IF in1 IS t1 AND in2 IS t2 ... THEN output IS term (weight scales the firing strength). */
export interface FuzzyRule<I extends string, O extends string> {
  readonly when: Readonly<Partial<Record<I, string>>>;
  readonly then: O;
  readonly weight?: number;
}

export interface FuzzyOutcome<O extends string> {
  /** Centroid of the aggregated output set; NaN when no rule fired. */
  readonly crisp: number;
  /** Height of each output term after aggregation (max over rules of the clipped strengths). */
  readonly strengths: Readonly<Record<O, number>>;
  /** Fuzzified inputs: degree of each term of each input. */
  readonly fuzzified: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface MamdaniOptions {
  /** Points of the centroid grid over the output universe (>= 2). */
  resolution?: number;
}

interface CompiledRule {
  readonly antecedents: readonly { input: number; term: string }[];
  readonly output: number;
  readonly weight: number;
}

export class MamdaniSystem<I extends string, O extends string> {
  private readonly inputNames: readonly I[];
  private readonly outputTerms: readonly O[];
  private readonly rules: readonly CompiledRule[];
  private readonly grid: Float64Array;
  /** outputTable[k * n + i] = membership of output term k at grid point i. */
  private readonly outputTable: Float64Array;

  constructor(
    readonly inputs: Readonly<Record<I, LinguisticVariable<string>>>,
    readonly output: LinguisticVariable<O>,
    rules: readonly FuzzyRule<I, O>[],
    opts: MamdaniOptions = {},
  ) {
    this.inputNames = Object.keys(inputs) as I[];
    for (const v of [...Object.values<LinguisticVariable<string>>(inputs), output]) {
      if (!(Number.isFinite(v.min) && Number.isFinite(v.max) && v.min < v.max)) throw new FuzzyDefinitionError(`${v.name}: universe must have min < max`);
    }
    this.outputTerms = Object.keys(output.terms) as O[];
    if (rules.length === 0) throw new FuzzyDefinitionError('a system needs at least one rule');
    this.rules = rules.map((r, i) => {
      const antecedents: { input: number; term: string }[] = [];
      for (const [name, term] of Object.entries(r.when) as [I, string | undefined][]) {
        const idx = this.inputNames.indexOf(name);
        if (idx < 0) throw new FuzzyDefinitionError(`rule ${i}: unknown input ${name}`);
        if (term === undefined || !(term in inputs[name].terms)) throw new FuzzyDefinitionError(`rule ${i}: ${name} has no term ${String(term)}`);
        antecedents.push({ input: idx, term });
      }
      if (antecedents.length === 0) throw new FuzzyDefinitionError(`rule ${i}: no antecedent`);
      const output = this.outputTerms.indexOf(r.then);
      if (output < 0) throw new FuzzyDefinitionError(`rule ${i}: output has no term ${r.then}`);
      const weight = r.weight ?? 1;
      if (!(weight > 0 && weight <= 1)) throw new FuzzyDefinitionError(`rule ${i}: weight must be in (0, 1]`);
      return { antecedents, output, weight };
    });
    const n = opts.resolution ?? 501;
    if (!Number.isInteger(n) || n < 2) throw new FuzzyDefinitionError('resolution must be an integer >= 2');
    this.grid = new Float64Array(n);
    this.outputTable = new Float64Array(n * this.outputTerms.length);
    for (let i = 0; i < n; i++) {
      const x = output.min + ((output.max - output.min) * i) / (n - 1);
      this.grid[i] = x;
      this.outputTerms.forEach((t, k) => {
        this.outputTable[k * n + i] = membership(output.terms[t], x);
      });
    }
  }

  /** Runs the inference on crisp inputs (each clamped into its universe). */
  infer(values: Readonly<Record<I, number>>): FuzzyOutcome<O> {
    const fuzzified: Record<string, Record<string, number>> = {};
    const degrees: Record<string, number>[] = this.inputNames.map((name) => {
      const v = this.inputs[name];
      const raw = values[name];
      const x = Number.isNaN(raw) ? Number.NaN : Math.min(v.max, Math.max(v.min, raw));
      const d: Record<string, number> = {};
      for (const [t, mf] of Object.entries(v.terms)) d[t] = membership(mf, x);
      fuzzified[name] = d;
      return d;
    });
    const heights = new Float64Array(this.outputTerms.length);
    for (const r of this.rules) {
      let s = 1;
      for (const a of r.antecedents) s = Math.min(s, degrees[a.input]![a.term] ?? 0);
      s *= r.weight;
      if (s > heights[r.output]!) heights[r.output] = s;
    }
    const strengths = {} as Record<O, number>;
    this.outputTerms.forEach((t, k) => {
      strengths[t] = heights[k]!;
    });
    return { crisp: this.centroidOfHeights(heights), strengths, fuzzified };
  }

  /** The centroid the system gives when its output terms are clipped at these heights. */
  centroid(strengths: Readonly<Partial<Record<O, number>>>): number {
    return this.centroidOfHeights(Float64Array.from(this.outputTerms, (t) => strengths[t] ?? 0));
  }

  private centroidOfHeights(heights: Float64Array): number {
    const n = this.grid.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < n; i++) {
      let mu = 0;
      for (let k = 0; k < heights.length; k++) {
        const m = Math.min(heights[k]!, this.outputTable[k * n + i]!);
        if (m > mu) mu = m;
      }
      num += mu * this.grid[i]!;
      den += mu;
    }
    return den > 0 ? num / den : Number.NaN;
  }
}
