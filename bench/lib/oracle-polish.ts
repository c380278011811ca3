import { type Allocation, RESOURCES, type Resource, type ResourceShares } from '../../src/domain/resources.js';
import type { Bounds } from '../../src/engine/optimizer/types.js';

/**
 * The benchmark oracle's search on the true response. The LP oracle optimizes each resource's concave envelope with
 * the other resources held where they are, which misjudges responses that come in steps (whole task slots, a least
 * share needed to run at all, demand caps) and cannot see that a node at zero would earn if it got cpu *and* memory
 * together: it may plan 20 % of CPU where only 12.5 or 25 % buys anything, and leaves a compute node at 0 for good once
 * an outage took its resources. This hill-climb, in shrinking steps, keeps every move that raises the true total:
 * - single moves: one resource from one protocol (or free capacity) to another;
 * - joint moves: one protocol receives the same step of two or more resources at once, each taken from free capacity
 *   or from the protocol that loses least by giving it (a task slot needs a core and memory; a node needs both to run).
 * It runs the single moves to a standstill, then the joint ones, and repeats while a joint move helped.
 */
const STEPS = [25, 12.5, 6.25, 3, 1, 0.5];
const FREE = '';
const EPS = 1e-9;
const MIN_MOVE = 0.25;

type Truth = (protocol: string, shares: ResourceShares) => number;

/** Subsets of two or more resources (the joint moves' bundles). */
const BUNDLES: Resource[][] = (() => {
  const out: Resource[][] = [];
  for (let mask = 1; mask < 1 << RESOURCES.length; mask++) {
    const s = RESOURCES.filter((_, i) => mask & (1 << i));
    if (s.length >= 2) out.push(s);
  }
  return out;
})();

interface State {
  alloc: Allocation;
  value: Map<string, number>;
  names: string[];
  truth: Truth;
  bounds: Bounds;
  capacity: ResourceShares;
}

const free = (s: State, r: Resource) => s.capacity[r] - s.names.reduce((sum, n) => sum + s.alloc[n][r], 0);

/** Applies `changes` (new shares per protocol) when they raise the true total; says whether they did. */
function tryMove(s: State, changes: Map<string, ResourceShares>): boolean {
  let gain = 0;
  const values = new Map<string, number>();
  for (const [n, shares] of changes) {
    const v = s.truth(n, shares);
    values.set(n, v);
    gain += v - s.value.get(n)!;
  }
  if (gain <= EPS) return false;
  for (const [n, shares] of changes) {
    s.alloc[n] = shares;
    s.value.set(n, values.get(n)!);
  }
  return true;
}

function singleMoves(s: State, step: number): boolean {
  let improved = false;
  for (const r of RESOURCES) {
    for (const from of [FREE, ...s.names]) {
      for (const to of [FREE, ...s.names]) {
        if (from === to) continue;
        const give = from === FREE ? free(s, r) : s.alloc[from][r] - s.bounds[from][r].lo;
        const room = to === FREE ? Infinity : s.bounds[to][r].hi - s.alloc[to][r];
        const x = Math.min(step, give, room);
        if (x < MIN_MOVE) continue;
        const changes = new Map<string, ResourceShares>();
        if (from !== FREE) changes.set(from, { ...s.alloc[from], [r]: s.alloc[from][r] - x });
        if (to !== FREE) changes.set(to, { ...s.alloc[to], [r]: s.alloc[to][r] + x });
        if (tryMove(s, changes)) improved = true;
      }
    }
  }
  return improved;
}

/** The cheapest source of `x` of `r` for `to`: free capacity if there is enough, else the protocol that loses least. */
function cheapestDonor(s: State, to: string, r: Resource, x: number): string | null {
  if (free(s, r) >= x - EPS) return FREE;
  let best: string | null = null;
  let bestLoss = Infinity;
  for (const n of s.names) {
    if (n === to || s.alloc[n][r] - s.bounds[n][r].lo < x - EPS) continue;
    const loss = s.value.get(n)! - s.truth(n, { ...s.alloc[n], [r]: s.alloc[n][r] - x });
    if (loss < bestLoss) {
      bestLoss = loss;
      best = n;
    }
  }
  return best;
}

function jointMoves(s: State, step: number): boolean {
  let improved = false;
  for (const to of s.names) {
    for (const bundle of BUNDLES) {
      const x = Math.min(step, ...bundle.map((r) => s.bounds[to][r].hi - s.alloc[to][r]));
      if (x < MIN_MOVE) continue;
      const changes = new Map<string, ResourceShares>([[to, { ...s.alloc[to] }]]);
      let feasible = true;
      for (const r of bundle) {
        const donor = cheapestDonor(s, to, r, x);
        if (donor === null) {
          feasible = false;
          break;
        }
        changes.get(to)![r] += x;
        if (donor !== FREE) {
          const d = changes.get(donor) ?? { ...s.alloc[donor] };
          d[r] -= x;
          changes.set(donor, d);
        }
      }
      if (feasible && tryMove(s, changes)) improved = true;
    }
  }
  return improved;
}

export function polishOnTruth(start: Allocation, truth: Truth, bounds: Bounds, capacity: ResourceShares): Allocation {
  const names = Object.keys(bounds);
  const alloc: Allocation = structuredClone(start);
  const s: State = { alloc, value: new Map(names.map((n) => [n, truth(n, alloc[n])])), names, truth, bounds, capacity };
  for (let pass = 0; pass < 10; pass++) {
    for (const step of STEPS) {
      for (let round = 0; round < 40 && singleMoves(s, step); round++);
    }
    let joint = false;
    for (const step of STEPS) if (jointMoves(s, step)) joint = true;
    if (!joint) break;
  }
  return alloc;
}

/** The true total of an allocation. */
export const totalOf = (alloc: Allocation, truth: Truth) => Object.keys(alloc).reduce((s, n) => s + truth(n, alloc[n]), 0);
