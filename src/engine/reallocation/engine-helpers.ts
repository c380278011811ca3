import type { Plan } from '../../domain/plan.js';
import { type Allocation, RESOURCES } from '../../domain/resources.js';
import type { OptimizerInput } from '../optimizer/types.js';

/** Small pure helpers of the reallocation engine. */

export function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(5)}`;
}

export function profilesOf(input: OptimizerInput | null) {
  return new Map((input?.protocols ?? []).map((p) => [p.name, p.profile]));
}

export function roundedKey(a: Allocation): string {
  return JSON.stringify(
    Object.keys(a)
      .sort()
      .map((n) => [n, RESOURCES.map((r) => Math.round(a[n][r] * 10) / 10)]),
  );
}

export function emptyPlan(current: Allocation, now: number): Plan {
  return {
    strategy: 'none',
    createdAt: now,
    current,
    target: current,
    currentUsdPerHour: 0,
    projectedUsdPerHour: 0,
    improvementUsdPerHour: 0,
    improvementPercent: 0,
    confidence: 0,
    switchingCostUsd: 0,
    roi: null,
    exploration: false,
    opportunities: [],
    explanations: {},
  };
}
