// Piecewise-linear trajectories over virtual time, for scenario keyframes. Queries are usually
// non-decreasing (the simulation moves forward), so a cursor makes them O(1); an earlier time is
// still answered correctly (the cursor walks back).

export class Trajectory {
  private readonly timesMs: Float64Array;
  private readonly values: Float64Array;
  private i = 0;

  /** `points` are [timeMs, value] with strictly increasing times; held constant outside them. */
  constructor(points: ReadonlyArray<readonly [number, number]>) {
    if (points.length === 0) throw new RangeError('a trajectory needs at least one point');
    this.timesMs = Float64Array.from(points, (p) => p[0]);
    this.values = Float64Array.from(points, (p) => p[1]);
    for (let k = 1; k < points.length; k++) {
      if (!(this.timesMs[k]! > this.timesMs[k - 1]!)) throw new RangeError('trajectory times must increase');
    }
  }

  at(tMs: number): number {
    const ts = this.timesMs;
    const n = ts.length;
    if (tMs <= ts[0]!) return this.values[0]!;
    if (tMs >= ts[n - 1]!) return this.values[n - 1]!;
    let i = this.i;
    while (i > 0 && ts[i]! > tMs) i--;
    while (i < n - 2 && ts[i + 1]! <= tMs) i++;
    this.i = i;
    const t0 = ts[i]!, t1 = ts[i + 1]!;
    const v0 = this.values[i]!, v1 = this.values[i + 1]!;
    return v0 + ((v1 - v0) * (tMs - t0)) / (t1 - t0);
  }
}
