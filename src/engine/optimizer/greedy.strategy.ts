import type { Plan } from '../../domain/plan.js';
import { RESOURCES, type Allocation, type Resource } from '../../domain/resources.js';
import { buildPlan, moved, type PlanModel } from './plan-builder.js';
import { type ConcaveCurve, evaluateCurve } from './piecewise.js';
import { priorCurves } from './response-model.js';
import { type Bounds, capacityOf, currentShares, effectiveBounds, type OptimizerInput, round, type Strategy, validateOptimizerInput } from './types.js';

interface Efficiency {
  rate: number;
  count: number;
  cv: number;
  confidence: number;
  curves: Record<Resource, ConcaveCurve>;
}

/**
 * The seeds' method, kept as a baseline (seeds/depin-orcha-phase3: "pairwise protocol comparison, greedy
 * allocation, efficiency-based, confidence from historical variance"). Each protocol's efficiency on a resource is
 * its mean earning rate over the history window, split equally between the resources it holds, per share point.
 * Pairwise comparison ranks protocols by that efficiency; greedy allocation gives every protocol its minimum and
 * then fills the most efficient ones to their maximum, in order, until capacity runs out. It assumes constant
 * returns (average = marginal), which is exactly what diminishing returns punish. Confidence is the seeds' variance
 * score: 1 / (1 + coefficient of variation), scaled down while observations are fewer than `minObservations`.
 */
export function createGreedyStrategy(): Strategy {
  return {
    name: 'greedy',
    async plan(input: OptimizerInput): Promise<Plan> {
      validateOptimizerInput(input);
      const bounds = effectiveBounds(input);
      const since = input.time - input.settings.historyHours * 3_600_000;
      const eff = new Map<string, Efficiency>();
      for (const p of input.protocols) {
        const rates = p.observations.filter((o) => o.time >= since && o.time <= input.time).map((o) => o.usdPerHour);
        const count = rates.length;
        const rate = count > 0 ? rates.reduce((s, x) => s + x, 0) / count : p.currentUsdPerHour;
        const sd = count > 1 ? Math.sqrt(rates.reduce((s, x) => s + (x - rate) ** 2, 0) / (count - 1)) : 0;
        const cv = rate > 0 ? sd / rate : 1;
        const confidence = count === 0 ? 0 : (1 / (1 + cv)) * Math.min(1, count / input.settings.minObservations);
        eff.set(p.name, { rate, count, cv, confidence, curves: priorCurves(rate, currentShares(input, p.name)) });
      }
      const target = greedyFill(input, bounds, (name, r) => eff.get(name)!.curves[r].slopes[0]);

      const model: PlanModel = {
        delta: (n, from, to) =>
          RESOURCES.reduce((s, r) => s + evaluateCurve(eff.get(n)!.curves[r], to[r]) - evaluateCurve(eff.get(n)!.curves[r], from[r]), 0),
        std: () => 0,
        dataFactor: (n) => eff.get(n)!.confidence,
        describe: (n) => {
          const e = eff.get(n)!;
          return `seeds' greedy: mean rate ${round(e.rate, 4)} USD/h over ${e.count} observations (variation ${round(e.cv, 3)})`;
        },
      };
      const changed = input.protocols.filter((p) => moved(currentShares(input, p.name), target[p.name]));
      const scored = changed.length > 0 ? changed : input.protocols;
      const confidence = scored.length > 0 ? scored.reduce((s, p) => s + eff.get(p.name)!.confidence, 0) / scored.length : 1;
      const notes = Object.fromEntries(
        input.protocols.map((p) => [
          p.name,
          `efficiency per point: ${RESOURCES.filter((r) => eff.get(p.name)!.curves[r].slopes[0] > 0)
            .map((r) => `${r} ${round(eff.get(p.name)!.curves[r].slopes[0], 5)}`)
            .join(', ') || 'none'}`,
        ]),
      );
      return buildPlan({ strategy: 'greedy', input, target, model, confidence, notes });
    },
  };
}

/** Minimums first, then the most efficient protocols filled to their maximum, per resource. */
export function greedyFill(input: OptimizerInput, bounds: Bounds, efficiency: (protocol: string, r: Resource) => number): Allocation {
  const cap = capacityOf(input);
  const target: Allocation = Object.fromEntries(input.protocols.map((p) => [p.name, { cpu: 0, memory: 0, bandwidth: 0, storage: 0 }]));
  for (const r of RESOURCES) {
    let remaining = cap[r];
    for (const p of input.protocols) {
      target[p.name][r] = bounds[p.name][r].lo;
      remaining -= bounds[p.name][r].lo;
    }
    const ranked = [...input.protocols].sort((a, b) => efficiency(b.name, r) - efficiency(a.name, r) || a.name.localeCompare(b.name));
    for (const p of ranked) {
      const add = Math.max(0, Math.min(bounds[p.name][r].hi - bounds[p.name][r].lo, remaining));
      target[p.name][r] += add;
      remaining -= add;
    }
  }
  return target;
}
