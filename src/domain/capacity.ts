import { type Allocation, RESOURCES, type Resource, type ResourceShares, zeroShares } from './resources.js';

/**
 * The allocation rule, in one place: per resource, the protocols' shares plus the host reserve never exceed 100 %.
 * The config check, the optimizer's capacity, the starting allocation and the reallocation engine's pre-flight all
 * ask these functions.
 */

/** What the protocols may share of each resource: 100 % minus the host reserve (never below 0). */
export function protocolCapacity(reserve: ResourceShares): ResourceShares {
  const cap = zeroShares();
  for (const r of RESOURCES) cap[r] = Math.max(0, 100 - reserve[r]);
  return cap;
}

/** The sum of the shares, per resource. */
export function shareTotals(shares: Allocation | readonly ResourceShares[]): ResourceShares {
  const t = zeroShares();
  for (const s of Array.isArray(shares) ? shares : Object.values(shares)) for (const r of RESOURCES) t[r] += s[r];
  return t;
}

/** Resources whose shares plus the reserve pass 100 % by more than `tolerance` points, with that total. */
export function overCapacity(
  totals: ResourceShares,
  reserve: ResourceShares,
  tolerance = 0,
): { resource: Resource; total: number }[] {
  return RESOURCES.filter((r) => totals[r] + reserve[r] > 100 + tolerance).map((r) => ({ resource: r, total: totals[r] + reserve[r] }));
}
