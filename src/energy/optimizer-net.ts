/**
 * The optimizer maximizes net earnings: its input carries, per protocol, the power cost of each share point of each
 * resource (power-cost.ts). Rates and observations stay gross, so the response model learns what the market pays;
 * the allocation LP, the plan's projection and the review of applied moves subtract the power cost as a term of its
 * own. Net-of-power observations could not show a resource worth less than nothing (the model's curves never fall),
 * so a resource that costs more power than it earns would never be given back.
 */
import type { ResourceShares } from '../domain/resources.js';
import type { OptimizerInput } from '../engine/optimizer/types.js';

export function withPowerCosts(input: OptimizerInput, costPerPoint: Record<string, ResourceShares>): OptimizerInput {
  if (Object.keys(costPerPoint).length === 0) return input;
  return {
    ...input,
    protocols: input.protocols.map((p) => {
      const cost = costPerPoint[p.name];
      return cost ? { ...p, powerCostPerPoint: { ...cost } } : p;
    }),
  };
}
