/**
 * A four-protocol host and two allocations for the reallocation engine's tests: `BEFORE` (uneven) and `EVEN`, plus a
 * strategy that proposes a given target with a confident gain, so a test exercises the engine, not the optimizer.
 */
import type { Plan } from '../../src/domain/plan.js';
import type { Allocation, ResourceShares } from '../../src/domain/resources.js';
import type { HostResources } from '../../src/domain/sample.js';
import type { PlanningStrategy } from '../../src/engine/reallocation/index.js';

const GiB = 2 ** 30;
export const NAMES = ['a', 'b', 'c', 'd'] as const;
export const host: HostResources = {
  cpuCount: 4,
  cpuPercent: 20,
  memoryTotalBytes: 16 * GiB,
  memoryUsedBytes: 4 * GiB,
  bandwidthCapacityBytesPerSec: 12_500_000,
  bandwidthBytesPerSec: 0,
  storageTotalBytes: 4e12,
  storageUsedBytes: 1e12,
};
export const sh = (cpu: number, memory: number): ResourceShares => ({ cpu, memory, bandwidth: 0, storage: 0 });
export const BEFORE: Allocation = { a: sh(30, 30), b: sh(30, 30), c: sh(10, 10), d: sh(10, 10) };
export const EVEN: Allocation = { a: sh(20, 20), b: sh(20, 20), c: sh(20, 20), d: sh(20, 20) };

/** A strategy that proposes `target(current)` with +50 % at confidence 0.9 (overridable), counting its calls. */
export function fixedStrategy(target: (current: Allocation) => Allocation, overrides: Partial<Plan> = {}): PlanningStrategy & { calls: number } {
  const s = {
    name: 'fixed',
    calls: 0,
    async plan(input: { current: Allocation; time: number }): Promise<Plan> {
      s.calls++;
      return {
        strategy: 'fixed',
        createdAt: input.time,
        current: input.current,
        target: target(input.current),
        currentUsdPerHour: 1,
        projectedUsdPerHour: 1.5,
        improvementUsdPerHour: 0.5,
        improvementPercent: 50,
        confidence: 0.9,
        switchingCostUsd: 0,
        roi: null,
        exploration: false,
        opportunities: [],
        explanations: {},
        ...overrides,
      };
    },
  };
  return s;
}

/** A plan of the optimizer ('lp') from `current` to `target` that gains nothing: an exploration probe at confidence 0.2. */
export function probePlan(current: Allocation, target: Allocation, overrides: Partial<Plan> = {}): Plan {
  return {
    strategy: 'lp',
    createdAt: 0,
    current,
    target,
    currentUsdPerHour: 1,
    projectedUsdPerHour: 1,
    improvementUsdPerHour: 0,
    improvementPercent: 0,
    confidence: 0.2,
    switchingCostUsd: 0,
    roi: null,
    exploration: true,
    opportunities: [],
    explanations: {},
    ...overrides,
  };
}
