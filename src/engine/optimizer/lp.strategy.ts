import type { Plan } from '../../domain/plan.js';
import { RESOURCE_TIME_CONSTANT_MS, RESOURCES, type Allocation, type Resource } from '../../domain/resources.js';
import { solveAllocation } from './allocation-lp.js';
import { createHighsSolver, type LpSolver } from './highs-solver.js';
import { buildPlan, moved, type PlanModel } from './plan-builder.js';
import { evaluateCurve } from './piecewise.js';
import { deltaStd, fitResponses, type ProtocolResponse, responseDelta } from './response-model.js';
import {
  type Bounds,
  capacityOf,
  currentShares,
  effectiveBounds,
  type OptimizerInput,
  round,
  type Strategy,
  validateOptimizerInput,
} from './types.js';

/** Data factor of a protocol whose model is the fallback: the plan may be shown, not trusted. */
const FALLBACK_TRUST = 0.3;
/** Exploration only moves resources that answer within this time: a storage probe would take weeks to read. */
const EXPLORABLE_WITHIN_MS = 2 * 3_600_000;
/** A probe smaller than this (percent points) teaches nothing above the noise. */
const MIN_PROBE = 0.5;

export function responsePlanModel(responses: Map<string, ProtocolResponse>, minObservations: number): PlanModel {
  const get = (n: string) => responses.get(n)!;
  return {
    delta: (n, from, to) => responseDelta(get(n), from, to),
    std: (n, from, to) => deltaStd(get(n), from, to),
    dataFactor: (n) => (get(n).fitted ? Math.min(1, get(n).settledObservations / minObservations) : FALLBACK_TRUST),
    describe: (n) => {
      const m = get(n);
      return m.fitted
        ? `model fitted on ${m.settledObservations} settled observations (residual ${round(m.residualStd, 4)} USD/h)`
        : `too few settled observations (${m.settledObservations} < ${minObservations}): current rate extrapolated linearly, low confidence`;
    },
  };
}

function marginalNote(m: ProtocolResponse, shares: Record<Resource, number>): string {
  const parts = RESOURCES.filter((r) => shares[r] > 0 || m.curves[r].slopes[0] > 0).map((r) => {
    const x = shares[r];
    const marginal = evaluateCurve(m.curves[r], Math.min(100, x + 1)) - evaluateCurve(m.curves[r], x);
    return `${r} ${round(marginal, 5)}`;
  });
  return parts.length > 0 ? `marginal USD/h per point at target: ${parts.join(', ')}` : 'no resource adds earnings';
}

function statusNote(input: OptimizerInput, name: string, bounds: Bounds): string | undefined {
  const p = input.protocols.find((x) => x.name === name)!;
  const b = bounds[name];
  if (RESOURCES.every((r) => b[r].hi - b[r].lo <= 1e-9)) return p.pinned ? 'pinned' : 'held fixed by policies or pins';
  if (!p.connected) return 'disconnected: may only give share back';
  return undefined;
}

function isFeasible(input: OptimizerInput, alloc: Allocation, bounds: Bounds): boolean {
  const cap = capacityOf(input);
  return RESOURCES.every((r) => {
    let used = 0;
    for (const p of input.protocols) {
      const x = alloc[p.name]?.[r] ?? 0;
      if (x < bounds[p.name][r].lo - 1e-9 || x > bounds[p.name][r].hi + 1e-9) return false;
      used += x;
    }
    return used <= cap[r] + 1e-9;
  });
}

/**
 * Where the model may be believed: per protocol and resource, the settled share levels it has seen (and the current
 * share) widened by one exploration step, intersected with the policy bounds. A fitted concave curve says little
 * beyond its data (its last slope, continued, overstates far moves), so each plan goes at most one step past what
 * has been observed; the next plans go further as the data follow. When the region leaves no feasible allocation
 * (the current one breaks a new policy, say) the policy bounds alone apply.
 */
export function trustRegion(input: OptimizerInput, bounds: Bounds, responses: Map<string, ProtocolResponse>): Bounds {
  const margin = Math.max(MIN_PROBE, input.settings.exploration.maxStepPercent);
  const region: Bounds = {};
  for (const p of input.protocols) {
    const cur = currentShares(input, p.name);
    const range = responses.get(p.name)?.observedRange;
    region[p.name] = {} as Bounds[string];
    for (const r of RESOURCES) {
      const b = bounds[p.name][r];
      const seen = range?.[r];
      const lo = Math.max(b.lo, Math.min(cur[r], seen?.[0] ?? cur[r]) - margin);
      const hi = Math.min(b.hi, Math.max(cur[r], seen?.[1] ?? cur[r]) + margin);
      region[p.name][r] = lo <= hi ? { lo, hi } : b;
    }
  }
  const cap = capacityOf(input);
  const fits = RESOURCES.every((r) => input.protocols.reduce((s, p) => s + region[p.name][r].lo, 0) <= cap[r] + 1e-9);
  return fits ? region : bounds;
}

/**
 * A small step from the current allocation toward the model's optimum, on fast resources only, no larger than
 * `maxStepPercent` on any share. Any point between two feasible allocations is feasible (the constraints are
 * linear), so the probe honours capacity, reserve and policies whenever the current allocation does.
 */
export function explorationTarget(input: OptimizerInput, target: Allocation, bounds: Bounds): Allocation | undefined {
  const current: Allocation = Object.fromEntries(input.protocols.map((p) => [p.name, { ...currentShares(input, p.name) }]));
  if (!isFeasible(input, current, bounds)) return undefined;
  const explorable = RESOURCES.filter((r) => RESOURCE_TIME_CONSTANT_MS[r] <= EXPLORABLE_WITHIN_MS);
  let largest = 0;
  for (const p of input.protocols) for (const r of explorable) largest = Math.max(largest, Math.abs(target[p.name][r] - current[p.name][r]));
  if (largest < MIN_PROBE) return undefined;
  const alpha = Math.min(1, input.settings.exploration.maxStepPercent / largest);
  if (alpha * largest < MIN_PROBE) return undefined;
  const probe: Allocation = {};
  for (const p of input.protocols) {
    probe[p.name] = { ...current[p.name] };
    for (const r of explorable) probe[p.name][r] = round(current[p.name][r] + alpha * (target[p.name][r] - current[p.name][r]), 6);
  }
  return isFeasible(input, probe, bounds) ? probe : undefined;
}

/**
 * The product's optimizer: fit a concave response model per protocol from history, then take the exact optimum of
 * that model under capacity, reserve and policies (one LP, HiGHS), within the region the data support. When the optimum is not trusted and exploration
 * is on, it proposes a small labelled probe toward it instead, with its expected cost (the model may be one standard
 * deviation too optimistic for as long as the probe takes to read).
 */
export function createLpStrategy(deps: { solver?: LpSolver } = {}): Strategy {
  const solver = deps.solver ?? createHighsSolver();
  return {
    name: 'lp',
    async plan(input: OptimizerInput): Promise<Plan> {
      validateOptimizerInput(input);
      const bounds = effectiveBounds(input);
      const responses = await fitResponses(solver, input);
      const curves = Object.fromEntries([...responses].map(([n, m]) => [n, m.curves]));
      const region = trustRegion(input, bounds, responses);
      const target = await solveAllocation(solver, { curves, bounds: region, capacity: capacityOf(input), current: input.current });
      const model = responsePlanModel(responses, input.settings.minObservations);
      const notes: Record<string, string> = {};
      for (const p of input.protocols) {
        notes[p.name] = statusNote(input, p.name, bounds) ?? marginalNote(responses.get(p.name)!, target[p.name]);
      }
      const plan = buildPlan({ strategy: 'lp', input, target, model, notes });
      if (!input.settings.exploration.enabled || plan.confidence >= input.settings.minConfidence) return plan;
      const probe = explorationTarget(input, target, bounds);
      if (!probe) return plan;
      const probePlan = buildPlan({ strategy: 'lp', input, target: probe, model, notes, exploration: true });
      const changedResources = RESOURCES.filter((r) => input.protocols.some((p) => moved(probePlan.current[p.name], probe[p.name]) && Math.abs(probe[p.name][r] - probePlan.current[p.name][r]) > 1e-6));
      const learnHours = Math.max(input.holdHours ?? 1, ...changedResources.map((r) => RESOURCE_TIME_CONSTANT_MS[r] / 3_600_000));
      let variance = 0;
      for (const p of input.protocols) variance += model.std(p.name, probePlan.current[p.name], probe[p.name]) ** 2;
      const downside = Math.max(0, Math.sqrt(variance) - probePlan.improvementUsdPerHour);
      probePlan.explorationCostUsd = round(probePlan.switchingCostUsd + downside * learnHours, 6);
      for (const p of input.protocols) {
        if (moved(probePlan.current[p.name], probe[p.name])) {
          probePlan.explanations[p.name] = `exploration probe (model optimum not trusted, confidence ${plan.confidence}): ${probePlan.explanations[p.name]}`;
        }
      }
      return probePlan;
    },
  };
}
