import { RESOURCES, type ResourceShares } from '../../domain/resources.js';
import type { Observation } from '../optimizer/types.js';

/**
 * How far a before/after comparison moves when nothing was moved: the noise of a judged move's part when its windows
 * hold a single report each (a node that reports daily), whose own spread cannot be measured. The same comparison
 * (same window spans, same gap) is replayed wherever the node's history held one allocation throughout; the root mean
 * square of those placebo differences is the noise. Null when the history holds too few such stretches.
 */
export interface ComparisonShape {
  /** The before window, relative to the move: [from, to] in ms. */
  before: [number, number];
  /** The after window, relative to the move. */
  after: [number, number];
}

export const MIN_PLACEBOS = 3;
const HOUR = 3_600_000;
const same = (a: ResourceShares, b: ResourceShares) => RESOURCES.every((r) => Math.abs(a[r] - b[r]) <= 1e-6);

function lowerBound(obs: Observation[], time: number): number {
  let lo = 0;
  let hi = obs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (obs[mid].time < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Mean of the observations in [from, to]; false when another allocation was in force there, null when none. */
function windowMean(obs: Observation[], from: number, to: number, shares: ResourceShares): number | null | false {
  let sum = 0;
  let n = 0;
  for (let i = lowerBound(obs, from); i < obs.length && obs[i].time <= to; i++) {
    if (!same(obs[i].shares, shares)) return false;
    sum += obs[i].usdPerHour;
    n++;
  }
  return n === 0 ? null : sum / n;
}

/** The placebo noise (USD/h) of a comparison of this shape, from `observations` (any order); anchors step hourly. */
export function placeboSe(observations: Observation[], shape: ComparisonShape): { se: number; count: number } | null {
  if (observations.length < 4) return null;
  const obs = [...observations].sort((a, b) => a.time - b.time);
  let sumSq = 0;
  let count = 0;
  for (let t = obs[0].time - shape.before[0]; t <= obs[obs.length - 1].time - shape.after[1]; t += HOUR) {
    const first = obs[lowerBound(obs, t + shape.before[0])];
    if (!first) break;
    if (windowMean(obs, t + shape.before[0], t + shape.after[1], first.shares) === false) continue;
    const b = windowMean(obs, t + shape.before[0], t + shape.before[1], first.shares);
    const a = windowMean(obs, t + shape.after[0], t + shape.after[1], first.shares);
    if (typeof a !== 'number' || typeof b !== 'number') continue;
    sumSq += (a - b) ** 2;
    count++;
  }
  return count >= MIN_PLACEBOS ? { se: Math.sqrt(sumSq / count), count } : null;
}
