import type { Config } from '../../config/schema.js';
import { overCapacity, protocolCapacity, shareTotals } from '../../domain/capacity.js';
import type { ReallocationStep } from '../../domain/reallocation.js';
import { type Allocation, RESOURCES, type Resource, type ResourceShares, zeroShares } from '../../domain/resources.js';

/** Shares closer than this (percent points) are the same share: float noise is not a reallocation. */
export const SHARE_EPSILON = 0.01;

export function sameShares(a: ResourceShares, b: ResourceShares, resources: readonly Resource[] = RESOURCES, tol = SHARE_EPSILON): boolean {
  return resources.every((r) => Math.abs(a[r] - b[r]) <= tol);
}

export function cloneAllocation(a: Allocation): Allocation {
  const out: Allocation = {};
  for (const [p, s] of Object.entries(a)) out[p] = { ...s };
  return out;
}

/** Resources whose shares plus the host reserve exceed 100 % (beyond float noise), with the amount. */
export function overAllocated(a: Allocation, reserve: ResourceShares): { resource: Resource; total: number }[] {
  return overCapacity(shareTotals(a), reserve, SHARE_EPSILON);
}

/**
 * The starting allocation: each enabled protocol's `initialAllocation`, and an equal split of what the reserve
 * and the explicit ones leave for the others.
 */
export function initialAllocationFromConfig(config: Config): Allocation {
  const enabled = config.protocols.filter((p) => p.enabled);
  const out: Allocation = {};
  // The schema fills a missing initialAllocation with zeros, so all-zero means "not given".
  const given = (p: (typeof enabled)[number]) => !!p.initialAllocation && RESOURCES.some((r) => (p.initialAllocation?.[r] ?? 0) > 0);
  const explicit = enabled.filter(given);
  const rest = enabled.filter((p) => !given(p));
  const left = protocolCapacity(config.host.reserve);
  for (const r of RESOURCES) {
    const used = explicit.reduce((sum, p) => sum + (p.initialAllocation?.[r] ?? 0), 0);
    left[r] = Math.max(0, left[r] - used);
  }
  for (const p of explicit) out[p.name] = { ...zeroShares(), ...p.initialAllocation };
  for (const p of rest) {
    const s = zeroShares();
    for (const r of RESOURCES) s[r] = Math.floor((left[r] / rest.length) * 100) / 100;
    out[p.name] = s;
  }
  return out;
}

/**
 * The steps that take `current` to `target`, one protocol per step, decreases before increases: first every
 * protocol that gives something up moves to min(current, target), then every protocol that gains moves to its
 * target. No intermediate state uses more of a resource than the larger of before and after.
 */
export function planSteps(current: Allocation, target: Allocation): ReallocationStep[] {
  const names = [...new Set([...Object.keys(current), ...Object.keys(target)])].sort();
  const steps: ReallocationStep[] = [];
  const at: Allocation = {};
  for (const n of names) at[n] = { ...(current[n] ?? zeroShares()) };
  const goal = (n: string) => target[n] ?? current[n] ?? zeroShares();
  for (const n of names) {
    const from = at[n];
    const down = { ...from };
    for (const r of RESOURCES) down[r] = Math.min(from[r], goal(n)[r]);
    if (!sameShares(from, down)) {
      steps.push(step(steps.length, n, from, down));
      at[n] = down;
    }
  }
  for (const n of names) {
    const from = at[n];
    const to = { ...goal(n) };
    if (!sameShares(from, to)) {
      steps.push(step(steps.length, n, from, to));
      at[n] = to;
    }
  }
  return steps;
}

function step(seq: number, protocol: string, from: ResourceShares, to: ResourceShares): ReallocationStep {
  return { seq, protocol, from: { ...from }, to: { ...to }, status: 'pending', error: null, appliedAt: null };
}

export function touchedProtocols(steps: ReallocationStep[]): string[] {
  return [...new Set(steps.map((s) => s.protocol))];
}
