import { type Allocation, RESOURCES, type ResourceShares } from '../../src/domain/resources.js';
import type { Bounds } from '../../src/engine/optimizer/types.js';

/**
 * The benchmark oracle's finishing step on the true response. The LP oracle optimizes each resource's concave envelope,
 * which misjudges responses that come in steps (whole task slots, a least share needed to run at all, demand caps):
 * it may plan 20 % of CPU where only 12.5 or 25 % buys anything. This hill-climb moves shares between protocols (and
 * free capacity), per resource, in shrinking steps, keeping each move that raises the true total, so that the oracle
 * is an upper bound on markets with such responses too.
 */
const STEPS = [25, 12.5, 6.25, 3, 1, 0.5];
const FREE = '';

export function polishOnTruth(
  start: Allocation,
  truth: (protocol: string, shares: ResourceShares) => number,
  bounds: Bounds,
  capacity: ResourceShares,
): Allocation {
  const alloc: Allocation = structuredClone(start);
  const names = Object.keys(bounds);
  const value = new Map(names.map((n) => [n, truth(n, alloc[n])]));
  for (const step of STEPS) {
    for (let round = 0; round < 40; round++) {
      let improved = false;
      for (const r of RESOURCES) {
        const free = () => capacity[r] - names.reduce((s, n) => s + alloc[n][r], 0);
        for (const from of [FREE, ...names]) {
          for (const to of [FREE, ...names]) {
            if (from === to) continue;
            const give = from === FREE ? free() : alloc[from][r] - bounds[from][r].lo;
            const room = to === FREE ? Infinity : bounds[to][r].hi - alloc[to][r];
            const x = Math.min(step, give, room);
            if (x < 0.25) continue;
            let gain = 0;
            const next = new Map<string, { shares: ResourceShares; v: number }>();
            for (const [n, sign] of [[from, -1], [to, 1]] as const) {
              if (n === FREE) continue;
              const shares = { ...alloc[n], [r]: alloc[n][r] + sign * x };
              const v = truth(n, shares);
              gain += v - value.get(n)!;
              next.set(n, { shares, v });
            }
            if (gain <= 1e-9) continue;
            for (const [n, { shares, v }] of next) {
              alloc[n] = shares;
              value.set(n, v);
            }
            improved = true;
          }
        }
      }
      if (!improved) break;
    }
  }
  return alloc;
}
