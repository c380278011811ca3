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

/**
 * Per protocol, how long a probe's protocols must hold before the next probe: its reporting lag and cadence,
 * settling, and a window to read the effect in (a probe faster than the lag walks blind).
 */
export function readableHolds(input: OptimizerInput | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of input?.protocols ?? []) {
    if (!p.profile) continue;
    const cadence = p.profile.cadenceMinutes * 60_000;
    out[p.name] = p.profile.lagMinutes * 60_000 + cadence + 2 * 3_600_000 + Math.max(2 * 3_600_000, cadence);
  }
  return out;
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
