/**
 * Concave, non-decreasing, piecewise-linear functions on [0, 100] with f(0) = 0: the shape of every response curve
 * the optimizer works with. `knots` are 0 = k0 < k1 < ... < kn = 100 and `slopes[i]` holds on [k_i, k_{i+1}],
 * non-increasing (diminishing returns) and >= 0 (more of a resource never lowers earnings).
 */
export interface ConcaveCurve {
  knots: number[];
  slopes: number[];
}

export function evaluateCurve(curve: ConcaveCurve, x: number): number {
  let y = 0;
  for (let i = 0; i < curve.slopes.length; i++) {
    const a = curve.knots[i];
    const b = curve.knots[i + 1];
    if (x <= a) break;
    y += curve.slopes[i] * (Math.min(x, b) - a);
  }
  return y;
}

export function linearCurve(slope: number): ConcaveCurve {
  return { knots: [0, 100], slopes: [Math.max(0, slope)] };
}

/** Sorted unique knots in [0, 100], always including both ends; points closer than `minGap` merge. */
export function normalizeKnots(points: number[], minGap = 1e-6): number[] {
  const sorted = [0, 100, ...points.filter((p) => p > 0 && p < 100)].sort((a, b) => a - b);
  const out: number[] = [];
  for (const p of sorted) if (out.length === 0 || p - out[out.length - 1] > minGap) out.push(p);
  if (out[out.length - 1] !== 100) out[out.length - 1] = 100;
  return out;
}

/**
 * The least concave majorant of sampled points (xs ascending, starting at 0): the tightest concave PWL curve above
 * them, with slopes clamped at >= 0. Used to turn a sampled true curve (the oracle) into an LP-representable one.
 */
export function concaveEnvelope(xs: number[], ys: number[]): ConcaveCurve {
  const hull: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    while (hull.length >= 2) {
      const a = hull[hull.length - 2];
      const b = hull[hull.length - 1];
      const cross = (xs[b] - xs[a]) * (ys[i] - ys[a]) - (ys[b] - ys[a]) * (xs[i] - xs[a]);
      if (cross >= 0) hull.pop();
      else break;
    }
    hull.push(i);
  }
  const knots: number[] = [];
  const slopes: number[] = [];
  let peaked = false;
  for (let j = 0; j + 1 < hull.length; j++) {
    const a = hull[j];
    const b = hull[j + 1];
    const s = (ys[b] - ys[a]) / (xs[b] - xs[a]);
    knots.push(xs[a]);
    if (peaked || s <= 0) {
      peaked = true;
      slopes.push(0);
    } else slopes.push(s);
  }
  knots.push(xs[xs.length - 1]);
  return mergeEqualSlopes({ knots, slopes });
}

function mergeEqualSlopes(curve: ConcaveCurve): ConcaveCurve {
  const knots = [curve.knots[0]];
  const slopes: number[] = [];
  for (let i = 0; i < curve.slopes.length; i++) {
    if (slopes.length > 0 && Math.abs(slopes[slopes.length - 1] - curve.slopes[i]) < 1e-15) {
      knots[knots.length - 1] = curve.knots[i + 1];
    } else {
      slopes.push(curve.slopes[i]);
      knots.push(curve.knots[i + 1]);
    }
  }
  return { knots, slopes };
}
