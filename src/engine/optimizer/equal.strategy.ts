import type { Plan } from '../../domain/plan.js';
import { RESOURCES, type Allocation } from '../../domain/resources.js';
import { buildPlan, type PlanModel } from './plan-builder.js';
import { evaluateCurve } from './piecewise.js';
import { priorCurves } from './response-model.js';
import { type Bounds, capacityOf, currentShares, effectiveBounds, type OptimizerInput, type Strategy, validateOptimizerInput } from './types.js';

/**
 * Per resource, the level t with sum over protocols of clamp(t, lo, hi) = capacity (water filling): the split
 * closest to equal that honours every bound. When all maximums fit, everyone gets its maximum.
 */
export function equalSplit(input: OptimizerInput, bounds: Bounds): Allocation {
  const cap = capacityOf(input);
  const names = input.protocols.map((p) => p.name);
  const target: Allocation = Object.fromEntries(names.map((n) => [n, { cpu: 0, memory: 0, bandwidth: 0, storage: 0 }]));
  for (const r of RESOURCES) {
    const fill = (t: number) => names.reduce((s, n) => s + Math.min(bounds[n][r].hi, Math.max(bounds[n][r].lo, t)), 0);
    let lo = 0;
    let hi = 100;
    if (fill(hi) <= cap[r]) lo = hi;
    else {
      for (let i = 0; i < 60; i++) {
        const mid = (lo + hi) / 2;
        if (fill(mid) <= cap[r]) lo = mid;
        else hi = mid;
      }
    }
    // Rounded down so that the rounded shares never add up past capacity.
    for (const n of names) target[n][r] = Math.max(bounds[n][r].lo, Math.floor(Math.min(bounds[n][r].hi, Math.max(bounds[n][r].lo, lo)) * 1e6) / 1e6);
  }
  return target;
}

/** Static equal split within bounds: the baseline that never learns. Projected with the current rates, linearly. */
export function createEqualStrategy(): Strategy {
  return {
    name: 'equal',
    async plan(input: OptimizerInput): Promise<Plan> {
      validateOptimizerInput(input);
      const bounds = effectiveBounds(input);
      const target = equalSplit(input, bounds);
      const curves = Object.fromEntries(input.protocols.map((p) => [p.name, priorCurves(p.currentUsdPerHour, currentShares(input, p.name))]));
      const model: PlanModel = {
        delta: (n, from, to) => RESOURCES.reduce((s, r) => s + evaluateCurve(curves[n][r], to[r]) - evaluateCurve(curves[n][r], from[r]), 0),
        std: () => 0,
        dataFactor: () => 1,
        describe: () => 'static equal split (projection: current rate, linear)',
      };
      return buildPlan({ strategy: 'equal', input, target, model, confidence: 1 });
    },
  };
}
