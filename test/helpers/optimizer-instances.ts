import fc from 'fast-check';
import type { Config, Policy } from '../../src/config/schema.js';
import { RESOURCES, type Allocation, type Resource, type ResourceShares } from '../../src/domain/resources.js';
import { type ConcaveCurve, evaluateCurve } from '../../src/engine/optimizer/piecewise.js';
import type { Observation, OptimizerInput, ProtocolInput } from '../../src/engine/optimizer/types.js';

/** Test support for the optimizer's property tests: random small instances and an independent brute force. */

export const defaultSettings: Config['optimizer'] = {
  strategy: 'lp',
  minImprovementPercent: 5,
  minImprovementUsdPerHour: 0.001,
  minConfidence: 0.7,
  historyHours: 72,
  minObservations: 12,
  exploration: { enabled: true, maxStepPercent: 5, scoutPercent: 0 },
  restartCostMinutes: 2,
};

/** A connected, unpinned protocol without policy limits, earning `currentUsdPerHour` now after `observations`. */
export function protocolInput(name: string, observations: Observation[], currentUsdPerHour: number, extra: Partial<ProtocolInput> = {}): ProtocolInput {
  const mm = { min: 0, max: 100 };
  return {
    name,
    connected: true,
    pinned: false,
    limits: { cpu: mm, memory: mm, bandwidth: mm, storage: mm },
    currentUsdPerHour,
    restartsOnChange: false,
    observations,
    ...extra,
  };
}

export interface Instance {
  input: OptimizerInput;
  free: Resource[];
  /** protocol -> resource -> true concave curve (zero on resources that are not free). */
  curves: Record<string, Record<Resource, ConcaveCurve>>;
}

const zeroCurve: ConcaveCurve = { knots: [0, 100], slopes: [0] };

const curveArb: fc.Arbitrary<ConcaveCurve> = fc
  .record({
    cuts: fc.uniqueArray(fc.double({ min: 1, max: 99, noNaN: true }), { minLength: 0, maxLength: 4 }),
    slopes: fc.array(fc.double({ min: 0, max: 0.05, noNaN: true }), { minLength: 5, maxLength: 5 }),
  })
  .map(({ cuts, slopes }) => {
    const knots = [0, ...[...cuts].sort((a, b) => a - b), 100];
    const sorted = [...slopes].sort((a, b) => b - a).slice(0, knots.length - 1);
    return { knots, slopes: sorted };
  });

const protocolArb = fc.record({
  cur: fc.array(fc.double({ min: 0, max: 22, noNaN: true }), { minLength: 4, maxLength: 4 }),
  min: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 15, noNaN: true })), { minLength: 4, maxLength: 4 }),
  max: fc.array(fc.oneof(fc.constant(100), fc.double({ min: 15, max: 100, noNaN: true })), { minLength: 4, maxLength: 4 }),
  pinned: fc.constantFrom(false, false, false, false, false, true),
  pinnedByPolicy: fc.constantFrom(false, false, false, false, false, true),
  connected: fc.constantFrom(true, true, true, true, false),
  restarts: fc.boolean(),
  rate: fc.double({ min: 0, max: 2, noNaN: true }),
  ruleMin: fc.option(fc.double({ min: 0, max: 20, noNaN: true })),
  ruleMax: fc.option(fc.double({ min: 20, max: 100, noNaN: true })),
  ruleResource: fc.option(fc.constantFrom(...RESOURCES)),
  curves: fc.array(curveArb, { minLength: 4, maxLength: 4 }),
});

export const instanceArb: fc.Arbitrary<Instance> = fc
  .record({
    protocols: fc.array(protocolArb, { minLength: 2, maxLength: 4 }),
    free: fc.shuffledSubarray([...RESOURCES], { minLength: 1, maxLength: 2 }),
    reserve: fc.array(fc.double({ min: 0, max: 20, noNaN: true }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ protocols, free, reserve }) => {
    const names = protocols.map((_, i) => `p${i}`);
    const current: Allocation = {};
    const curves: Instance['curves'] = {};
    const policy: Policy = { name: 'test', enabled: true, rules: [], pinned: [], excludedHours: [] };
    const inputs: ProtocolInput[] = protocols.map((p, i) => {
      const name = names[i];
      const shares = {} as ResourceShares;
      const limits = {} as ProtocolInput['limits'];
      curves[name] = {} as Record<Resource, ConcaveCurve>;
      RESOURCES.forEach((r, j) => {
        shares[r] = p.cur[j];
        const isFree = free.includes(r);
        // Resources that are not free are fixed at their current share by the protocol's limits.
        limits[r] = isFree ? { min: p.min[j], max: Math.max(p.min[j], p.max[j]) } : { min: p.cur[j], max: p.cur[j] };
        curves[name][r] = isFree ? p.curves[j] : zeroCurve;
      });
      current[name] = shares;
      if (p.ruleMin !== null || p.ruleMax !== null) {
        policy.rules.push({
          protocol: name,
          // Rules target free resources: on a fixed one a minimum above the current share is merely infeasible.
          resource: p.ruleResource !== null && free.includes(p.ruleResource) ? p.ruleResource : free[0],
          ...(p.ruleMin !== null ? { min: p.ruleMin } : {}),
          ...(p.ruleMax !== null ? { max: p.ruleMax } : {}),
        });
      }
      if (p.pinnedByPolicy) policy.pinned.push(name);
      return {
        name,
        connected: p.connected,
        pinned: p.pinned,
        limits,
        currentUsdPerHour: p.rate,
        restartsOnChange: p.restarts,
        observations: [],
      };
    });
    const input: OptimizerInput = {
      time: 1_700_000_000_000,
      current,
      reserve: { cpu: reserve[0], memory: reserve[1], bandwidth: reserve[2], storage: reserve[3] },
      protocols: inputs,
      policies: [policy],
      settings: defaultSettings,
    };
    return { input, free, curves };
  });

/** The bounds as the spec states them, computed independently of effectiveBounds. */
export function expectedBounds(input: OptimizerInput, name: string, r: Resource): { lo: number; hi: number } {
  const p = input.protocols.find((x) => x.name === name)!;
  const cur = input.current[name][r];
  const policyPinned = input.policies.some((pol) => pol.enabled && pol.pinned.includes(name));
  if (p.pinned || policyPinned) return { lo: cur, hi: cur };
  let lo = p.limits[r].min;
  let hi = p.limits[r].max;
  for (const pol of input.policies) {
    for (const rule of pol.rules) {
      if (rule.protocol !== name || (rule.resource && rule.resource !== r)) continue;
      if (rule.min !== undefined) lo = Math.max(lo, rule.min);
      if (rule.max !== undefined) hi = Math.min(hi, rule.max);
    }
  }
  if (!p.connected) {
    hi = Math.min(hi, cur);
    lo = Math.min(lo, hi);
  }
  return { lo, hi };
}

/** Grid points of [lo, hi]: both ends and every multiple of `step` between them. */
function gridOf(lo: number, hi: number, step: number): number[] {
  const pts = [lo];
  for (let x = Math.ceil(lo / step) * step; x < hi; x += step) if (x > lo) pts.push(x);
  if (hi > lo) pts.push(hi);
  return pts;
}

/** Best objective of one resource by exhaustive search over the grid (separable objective, so resources are independent). */
export function bruteForce(curves: ConcaveCurve[], bounds: { lo: number; hi: number }[], capacity: number, step: number): number {
  const grids = bounds.map((b) => gridOf(b.lo, b.hi, step));
  const values = grids.map((g, i) => g.map((x) => evaluateCurve(curves[i], x)));
  let best = Number.NEGATIVE_INFINITY;
  const walk = (i: number, used: number, value: number) => {
    if (i === grids.length) {
      if (value > best) best = value;
      return;
    }
    for (let k = 0; k < grids[i].length; k++) {
      const x = grids[i][k];
      if (used + x > capacity + 1e-9) break;
      walk(i + 1, used + x, value + values[i][k]);
    }
  };
  walk(0, 0, 0);
  return best;
}
