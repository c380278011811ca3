import type { Plan } from '../../domain/plan.js';
import { RESOURCES, type Allocation, type Resource, type ResourceShares } from '../../domain/resources.js';
import { solveAllocation } from './allocation-lp.js';
import { createHighsSolver, type LpSolver } from './highs-solver.js';
import { buildPlan, moved, type PlanModel } from './plan-builder.js';
import { type ConcaveCurve, concaveEnvelope } from './piecewise.js';
import { capacityOf, currentShares, effectiveBounds, type OptimizerInput, powerCosts, type Strategy, validateOptimizerInput } from './types.js';

export type TrueResponse = (protocol: string, shares: ResourceShares) => number;

/** Grid step (percent points) on which the true curves are sampled. */
const GRID = 1;
const ROUNDS = 4;

/**
 * The best any strategy could do knowing the true response (the simulators' curves): a benchmark's upper bound.
 * Each protocol's response is sampled per resource on a 1-point grid around the current iterate (the other shares
 * held), made concave (least concave majorant) and optimized with the same LP; a few rounds re-linearize around the
 * new allocation, which is exact after one round when the true response is separable and concave.
 */
export function oracleStrategy(trueUsdPerHour: TrueResponse, deps: { solver?: LpSolver } = {}): Strategy {
  const solver = deps.solver ?? createHighsSolver();
  return {
    name: 'oracle',
    async plan(input: OptimizerInput): Promise<Plan> {
      validateOptimizerInput(input);
      const bounds = effectiveBounds(input);
      let iterate: Allocation = Object.fromEntries(input.protocols.map((p) => [p.name, { ...currentShares(input, p.name) }]));
      for (let round = 0; round < ROUNDS; round++) {
        const curves: Record<string, Record<Resource, ConcaveCurve>> = {};
        for (const p of input.protocols) {
          curves[p.name] = {} as Record<Resource, ConcaveCurve>;
          for (const r of RESOURCES) {
            const xs = Array.from({ length: 100 / GRID + 1 }, (_, i) => i * GRID);
            const base = trueUsdPerHour(p.name, { ...iterate[p.name], [r]: 0 });
            const ys = xs.map((x) => trueUsdPerHour(p.name, { ...iterate[p.name], [r]: x }) - base);
            curves[p.name][r] = concaveEnvelope(xs, ys);
          }
        }
        const next = await solveAllocation(solver, { curves, bounds, capacity: capacityOf(input), current: input.current, powerCost: powerCosts(input) });
        const changed = input.protocols.some((p) => moved(iterate[p.name], next[p.name]));
        iterate = next;
        if (!changed) break;
      }
      const model: PlanModel = {
        delta: (n, from, to) => trueUsdPerHour(n, to) - trueUsdPerHour(n, from),
        std: () => 0,
        dataFactor: () => 1,
        describe: () => 'oracle: the true response curve',
      };
      return buildPlan({ strategy: 'oracle', input, target: iterate, model, confidence: 1 });
    },
  };
}
