/**
 * The optimizer maximizes net earnings: its input's rates become gross minus the power cost the allocation causes.
 * Power above idle follows a protocol's CPU share, so each observation and the current rate lose the protocol's
 * power cost per CPU share point times the CPU share it held. Idle power is paid whatever the allocation, so it
 * does not enter a decision.
 */
import type { OptimizerInput } from '../engine/optimizer/types.js';

export function netOfPowerCost(input: OptimizerInput, costPerCpuPoint: Record<string, number>): OptimizerInput {
  if (Object.keys(costPerCpuPoint).length === 0) return input;
  return {
    ...input,
    protocols: input.protocols.map((p) => {
      const perPoint = costPerCpuPoint[p.name] ?? 0;
      if (!(perPoint > 0)) return p;
      const cpuNow = input.current[p.name]?.cpu ?? 0;
      return {
        ...p,
        currentUsdPerHour: p.currentUsdPerHour - perPoint * cpuNow,
        observations: p.observations.map((o) => ({ ...o, usdPerHour: o.usdPerHour - perPoint * o.shares.cpu })),
      };
    }),
  };
}
