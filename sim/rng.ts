// Seeded randomness for the simulator. Every random draw in a simulation comes from an Rng forked
// from the run's seed, so the same seed gives the same run. fork(label) derives an independent
// stream per consumer, so adding a new consumer never shifts the draws of existing ones.

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over a label, to turn stream names into seeds. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** sfc32: small, fast, passes PractRand to large sizes; 128 bits of state. */
export class Rng {
  /**
   * a, b, c, d, then the spare normal deviate; in typed arrays because plain fields holding
   * numbers above 2^30 or null-or-number are boxed by V8, allocating on every write (the cuff's
   * sensor noise draws at 1 kHz).
   */
  private readonly st = new Uint32Array(4);
  private readonly spare = new Float64Array(1);
  private hasSpare = false;

  constructor(readonly seed: number) {
    const sm = splitmix32(seed >>> 0);
    const st = this.st;
    st[0] = sm();
    st[1] = sm();
    st[2] = sm();
    st[3] = sm();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** An independent stream for one consumer, derived from this stream's seed and a label. */
  fork(label: string): Rng {
    return new Rng((Math.imul(this.seed ^ 0x5bd1e995, 0x27d4eb2d) ^ hashLabel(label)) >>> 0);
  }

  nextU32(): number {
    // The Uint32Array stores each value mod 2^32, as the >>> 0 of the plain-number version did.
    const st = this.st;
    const a = st[0]!, b = st[1]!, c = st[2]!, d = st[3]!;
    const t = (((a + b) >>> 0) + d) >>> 0;
    st[3] = d + 1;
    st[0] = b ^ (b >>> 9);
    st[1] = c + (c << 3);
    st[2] = ((c << 21) | (c >>> 11)) + t;
    return t;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Normal deviate (Box-Muller, polar form). */
  normal(mean = 0, sd = 1): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return mean + sd * this.spare[0]!;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.float() - 1;
      v = 2 * this.float() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare[0] = v * m;
    this.hasSpare = true;
    return mean + sd * u * m;
  }

  /** Exponential deviate with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** Fills a byte array. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const x = this.nextU32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (x >>> (8 * j)) & 0xff;
    }
    return out;
  }
}
