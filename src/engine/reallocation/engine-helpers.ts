import type { Plan } from '../../domain/plan.js';
import { type ProtocolProfile, storageRuled } from '../../domain/profile.js';
import type { Reallocation, ReallocationStep } from '../../domain/reallocation.js';
import { type Allocation, RESOURCES } from '../../domain/resources.js';
import { taskSlotOf } from '../optimizer/task-slots.js';
import type { OptimizerInput } from '../optimizer/types.js';
import type { DecideRequest } from './types.js';

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

/**
 * What a rollback or a guard trip applies: the shares it restores, without touching storage the storage rule governs.
 * A node whose data is lost when its storage is cut keeps at least the storage it has now (its data fills it, and
 * the rule, not the judged moves, grew it). A guard trip leaves every node's storage where it is: it undoes the
 * model's moves, and storage is not the model's to move; putting back the old split of the disk could cut a storage
 * node below its data, or leave no room for what it holds.
 */
export function correctiveTarget(
  current: Allocation,
  restore: Allocation,
  profiles: Map<string, ProtocolProfile | undefined>,
  trip: boolean,
): Allocation {
  const target: Allocation = Object.fromEntries(Object.entries(current).map(([n, s]) => [n, { ...s }]));
  for (const [name, shares] of Object.entries(restore)) {
    if (!target[name]) continue;
    const storage = trip ? current[name].storage : storageRuled(profiles.get(name)) ? Math.max(shares.storage, current[name].storage) : shares.storage;
    target[name] = { ...shares, storage };
  }
  return target;
}

/** A decision's record before anything is applied: the plan's projections, the steps, and who asked. */
export function newReallocation(d: {
  id: string;
  plan: Plan;
  steps: ReallocationStep[];
  before: Allocation;
  target: Allocation;
  req: DecideRequest;
  now: number;
}): Reallocation {
  const { plan } = d;
  return {
    id: d.id,
    status: 'planned',
    reason: null,
    trigger: d.req.trigger,
    dryRun: d.req.dryRun === true,
    exploration: plan.exploration,
    strategy: plan.strategy,
    before: d.before,
    after: d.target,
    projectedImprovementUsdPerHour: plan.improvementUsdPerHour,
    ...(plan.projectedDeltas ? { projectedDeltas: { ...plan.projectedDeltas } } : {}),
    confidence: plan.confidence,
    steps: d.steps,
    measuredBeforeUsdPerHour: null,
    measuredAfterUsdPerHour: null,
    createdAt: d.now,
    finishedAt: null,
  };
}

/**
 * Per protocol that runs tasks in slots, the largest move of its cpu and memory an exploration probe may make: one
 * whole slot, plus the fraction of one it may hold beyond its whole slots (slot-probes.ts).
 */
export function slotAllowance(input: OptimizerInput | null): Record<string, { cpu: number; memory: number }> {
  const out: Record<string, { cpu: number; memory: number }> = {};
  for (const p of input?.protocols ?? []) {
    const slot = taskSlotOf(p.profile);
    if (slot) out[p.name] = { cpu: 2 * slot.cpu, memory: 2 * slot.memory };
  }
  return out;
}
