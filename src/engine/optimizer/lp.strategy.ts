import type { Plan } from '../../domain/plan.js';
import { earningResources, movesEarnings, type ProtocolProfile } from '../../domain/profile.js';
import { RESOURCE_TIME_CONSTANT_MS, RESOURCES, type Resource } from '../../domain/resources.js';
import { solveAllocation } from './allocation-lp.js';
import { createHighsSolver, type LpSolver } from './highs-solver.js';
import { EXPLORABLE_WITHIN_MS, explorationProbes, MIN_PROBE } from './exploration.js';
import { buildPlan, moved, type PlanModel } from './plan-builder.js';
import { slotProbes } from './slot-probes.js';
import { evaluateCurve } from './piecewise.js';
import { describeFloors, profileBounds, restoreFloors, storageTargets } from './profile-rules.js';
import { fitResponses } from './fit-responses.js';
import { deltaStd, minObservationsFor, type ProtocolResponse, responseDelta } from './response-model.js';
import { type TaskSlot, taskSlotOf } from './task-slots.js';
import {
  type Bounds,
  bindingPolicyNote,
  capacityOf,
  currentShares,
  effectiveBounds,
  type OptimizerInput,
  powerCosts,
  type ProtocolInput,
  round,
  type Strategy,
  validateOptimizerInput,
} from './types.js';

/** Data factor of a protocol whose model is the fallback: the plan may be shown, not trusted. */
const FALLBACK_TRUST = 0.3;

export function responsePlanModel(
  responses: Map<string, ProtocolResponse>,
  minObservations: number | ((protocol: string) => number),
  profiles: Map<string, ProtocolProfile | undefined> = new Map(),
): PlanModel {
  const get = (n: string) => responses.get(n)!;
  const needed = (n: string) => (typeof minObservations === 'number' ? minObservations : minObservations(n));
  return {
    // A node handing over what it is not paid for is no reason to doubt a plan, whatever its data.
    affects: (n, from, to) => movesEarnings(profiles.get(n), from, to),
    delta: (n, from, to) => responseDelta(get(n), from, to),
    std: (n, from, to) => deltaStd(get(n), from, to),
    dataFactor: (n) => (get(n).fitted ? Math.min(1, get(n).settledObservations / needed(n)) : FALLBACK_TRUST),
    describe: (n) => {
      const m = get(n);
      return m.fitted
        ? `model fitted on ${m.settledObservations} settled observations (residual ${round(m.residualStd, 4)} USD/h)`
        : `too few settled observations (${m.settledObservations} < ${needed(n)}): current rate extrapolated linearly, low confidence`;
    },
  };
}

function marginalNote(m: ProtocolResponse, shares: Record<Resource, number>, power: ProtocolInput['powerCostPerPoint']): string {
  const parts = RESOURCES.filter((r) => shares[r] > 0 || m.curves[r].slopes[0] > 0).map((r) => {
    const x = shares[r];
    const marginal = evaluateCurve(m.curves[r], Math.min(100, x + 1)) - evaluateCurve(m.curves[r], x);
    const cost = power?.[r] ?? 0;
    return cost > 0 ? `${r} ${round(marginal, 5)} (power ${round(cost, 5)})` : `${r} ${round(marginal, 5)}`;
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

/**
 * Where the model may be believed: per protocol and resource, the settled share levels it has seen (and the current
 * share) widened by one exploration step, intersected with the policy bounds. A fitted concave curve says little
 * beyond its data (its last slope, continued, overstates far moves), so each plan goes at most one step past what
 * has been observed; the next plans go further as the data follow. When the region leaves no feasible allocation
 * (the current one breaks a new policy, say) the policy bounds alone apply.
 */
export function trustRegion(input: OptimizerInput, bounds: Bounds, responses: Map<string, ProtocolResponse>): Bounds {
  const step = Math.max(MIN_PROBE, input.settings.exploration.maxStepPercent);
  const region: Bounds = {};
  for (const p of input.protocols) {
    const cur = currentShares(input, p.name);
    const response = responses.get(p.name);
    const range = response?.observedRange;
    // A compute provider's step is at least one whole slot (less changes nothing it earns on), and its memory follows
    // its cpu (in slot space its memory is never observed apart from it).
    const slot = response?.slot;
    region[p.name] = {} as Bounds[string];
    for (const r of RESOURCES) {
      const b = bounds[p.name][r];
      const seen = range?.[r];
      const margin = slot && r === 'cpu' ? Math.max(step, slot.cpu) : step;
      const lo = Math.max(b.lo, Math.min(cur[r], seen?.[0] ?? cur[r]) - margin);
      const hi = Math.min(b.hi, Math.max(cur[r], seen?.[1] ?? cur[r]) + margin);
      region[p.name][r] = lo <= hi ? { lo, hi } : b;
    }
    if (slot) {
      const ratio = slot.memory / slot.cpu;
      const b = bounds[p.name].memory;
      const lo = Math.max(b.lo, Math.min(cur.memory, ratio * region[p.name].cpu.lo));
      const hi = Math.min(b.hi, Math.max(cur.memory, ratio * region[p.name].cpu.hi));
      region[p.name].memory = lo <= hi ? { lo, hi } : b;
    }
    // A cut of what a node is paid for that its reports cannot show yet is not followed by another: walked down faster
    // than the reports, each step would be judged on data that cannot show the last, and the node starves blind.
    for (const r of input.unreadCuts?.[p.name] ?? []) {
      const b = region[p.name][r];
      if (cur[r] <= b.hi) region[p.name][r] = { lo: Math.max(b.lo, cur[r]), hi: b.hi };
    }
  }
  const cap = capacityOf(input);
  const fits = RESOURCES.every((r) => input.protocols.reduce((s, p) => s + region[p.name][r].lo, 0) <= cap[r] + 1e-9);
  return fits ? region : bounds;
}

/**
 * Keep every connected protocol observable on the fast resources it earns from: a share of at least
 * `exploration.scoutPercent` (within its policy bounds, and only where all such floors fit the capacity). A protocol
 * driven to zero earns nothing, so nothing would ever show that it became worth more (a price jump, a boost): its
 * model would stay at zero for good. The floor is what that watch costs.
 */
export function scoutBounds(input: OptimizerInput, bounds: Bounds, responses: Map<string, ProtocolResponse>): Bounds {
  const scout = input.settings.exploration.enabled ? (input.settings.exploration.scoutPercent ?? 0) : 0;
  if (!(scout > 0)) return bounds;
  const out: Bounds = Object.fromEntries(Object.entries(bounds).map(([n, b]) => [n, { ...b }]));
  const cap = capacityOf(input);
  for (const r of RESOURCES) {
    if (RESOURCE_TIME_CONSTANT_MS[r] > EXPLORABLE_WITHIN_MS) continue;
    const raised: string[] = [];
    let floor = 0;
    for (const p of input.protocols) {
      const b = bounds[p.name][r];
      const earns = (responses.get(p.name)?.curves[r].slopes[0] ?? 0) > 0;
      const lo = p.connected && !p.pinned && earns ? Math.max(b.lo, Math.min(scout, b.hi)) : b.lo;
      if (lo > b.lo) raised.push(p.name);
      floor += lo;
      out[p.name][r] = { lo, hi: b.hi };
    }
    if (floor > cap[r] + 1e-9) for (const name of raised) out[name][r] = { ...bounds[name][r] };
  }
  return out;
}

/**
 * The bounds with the earning shares of protocols whose model lacks data (data factor below 1) held where they are;
 * null when every model has its data (or nothing can be held: the current shares lie outside the bounds).
 */
function knownPartBounds(input: OptimizerInput, bounds: Bounds, model: PlanModel): Bounds | null {
  const unsure = input.protocols.filter((p) => model.dataFactor(p.name) < 1);
  if (unsure.length === 0 || unsure.length === input.protocols.length) return null;
  const out: Bounds = Object.fromEntries(Object.entries(bounds).map(([n, b]) => [n, { ...b }]));
  for (const p of unsure) {
    const cur = currentShares(input, p.name);
    for (const r of earningResources(p.profile)) {
      const b = bounds[p.name][r];
      if (cur[r] < b.lo - 1e-9 || cur[r] > b.hi + 1e-9) return null;
      out[p.name][r] = { lo: cur[r], hi: cur[r] };
    }
  }
  return withinCapacity(input, out);
}

/** Where held shares leave too little for the others' floors, those floors start from the current shares instead. */
function withinCapacity(input: OptimizerInput, out: Bounds): Bounds {
  const cap = capacityOf(input);
  for (const r of RESOURCES) {
    if (input.protocols.reduce((s, p) => s + out[p.name][r].lo, 0) <= cap[r] + 1e-9) continue;
    for (const p of input.protocols) {
      const b = out[p.name][r];
      out[p.name][r] = { lo: Math.min(b.lo, currentShares(input, p.name)[r]), hi: b.hi };
    }
  }
  return out;
}

/** Task slots of the protocols whose profile says they run tasks in slots (task-slots.ts). */
function slotsByProfile(input: OptimizerInput): Record<string, TaskSlot> {
  const out: Record<string, TaskSlot> = {};
  for (const p of input.protocols) {
    const slot = taskSlotOf(p.profile);
    if (slot) out[p.name] = slot;
  }
  return out;
}

/**
 * Policy bounds for the resources exploration may probe; the trust region for the others. A protocol whose last move
 * is not readable yet keeps what it earns from where it is (probing it again would walk blind).
 */
function probeableBounds(input: OptimizerInput, bounds: Bounds, region: Bounds, slotted: ReadonlySet<string>): Bounds {
  const held = new Set(input.heldForReading ?? []);
  const out: Bounds = {};
  for (const p of input.protocols) {
    const b = bounds[p.name];
    const cur = currentShares(input, p.name);
    out[p.name] = {} as Bounds[string];
    for (const r of RESOURCES) {
      // A compute provider's cpu and memory move in whole slots, bigger than a probe: the trust region moves them.
      const inSlots = slotted.has(p.name) && (r === 'cpu' || r === 'memory');
      const fixed = (held.has(p.name) || inSlots) && (!p.profile || p.profile.paidOn.includes(r)) && cur[r] >= b[r].lo && cur[r] <= b[r].hi;
      out[p.name][r] = fixed ? { lo: cur[r], hi: cur[r] } : RESOURCE_TIME_CONSTANT_MS[r] > EXPLORABLE_WITHIN_MS ? region[p.name][r] : b[r];
    }
  }
  return withinCapacity(input, out);
}

/**
 * The product's optimizer: fit a concave response model per protocol from history, then take the exact optimum of
 * that model under capacity, reserve and policies (one LP, HiGHS), within the region the data support. When that is
 * not a trusted, material move but the model's unrestricted optimum promises a material gain, and exploration is on,
 * it proposes a labelled probe instead: one fast resource moved one step toward that optimum (one resource at a time,
 * so that the data can tell the resources' effects apart), with its expected cost (the model may be one standard
 * deviation too optimistic for as long as the probe takes to read).
 */
export function createLpStrategy(deps: { solver?: LpSolver } = {}): Strategy {
  const solver = deps.solver ?? createHighsSolver();
  return {
    name: 'lp',
    async plan(input: OptimizerInput): Promise<Plan> {
      validateOptimizerInput(input);
      const responses = await fitResponses(solver, input);
      const limits = effectiveBounds(input);
      const storage = storageTargets(input, limits);
      // The profiles narrow the policy bounds (minimum useful shares, the storage rule): probes honour them too.
      const policyBounds = profileBounds(input, limits, storage?.target ?? null);
      const bounds = scoutBounds(input, policyBounds, responses);
      const curves = Object.fromEntries([...responses].map(([n, m]) => [n, m.curves]));
      const region = trustRegion(input, bounds, responses);
      const powerCost = powerCosts(input);
      const slots = Object.fromEntries([...responses].flatMap(([n, m]) => (m.slot ? [[n, m.slot]] : [])));
      const target = await solveAllocation(solver, { curves, bounds: region, capacity: capacityOf(input), current: input.current, powerCost, slots });
      const byName = new Map(input.protocols.map((p) => [p.name, p]));
      const model = responsePlanModel(
        responses,
        (n) => minObservationsFor(byName.get(n)!, input.settings),
        new Map(input.protocols.map((p) => [p.name, p.profile])),
      );
      const notes: Record<string, string> = {};
      for (const p of input.protocols) {
        const parts = [
          statusNote(input, p.name, limits) ?? marginalNote(responses.get(p.name)!, target[p.name], p.powerCostPerPoint),
          storage?.notes[p.name],
          describeFloors(p, policyBounds[p.name], currentShares(input, p.name)),
          bindingPolicyNote(input, p.name),
        ].filter((x): x is string => x !== undefined);
        notes[p.name] = parts.join('; ');
      }
      const storageMoves = storage ? input.protocols.filter((p) => Math.abs(storage.target[p.name] - currentShares(input, p.name).storage) > 1e-6) : [];
      if (storage && storageMoves.length > 0) {
        // Storage grows by its own rule, alone: a move the model need not vouch for, and one that does not wait for it.
        const grown = Object.fromEntries(input.protocols.map((p) => [p.name, { ...currentShares(input, p.name), storage: storage.target[p.name] }]));
        const rulePlan = buildPlan({ strategy: 'lp', input, target: grown, model, notes });
        rulePlan.rule = Object.values(storage.notes).join('; ');
        return rulePlan;
      }
      const plan = buildPlan({ strategy: 'lp', input, target, model, notes });
      const { settings } = input;
      const material = (p: Plan) => p.improvementPercent >= settings.minImprovementPercent && p.improvementUsdPerHour >= settings.minImprovementUsdPerHour;
      const trusted = (p: Plan) => material(p) && p.confidence >= settings.minConfidence;
      if (trusted(plan)) return plan;
      // Not trusted as a whole: act on what is known. The protocols whose models lack data keep what they earn from,
      // and the others are planned among themselves (a node that reports once a day must not hold back the rest).
      const known = knownPartBounds(input, region, model);
      if (known) {
        const part = await solveAllocation(solver, { curves, bounds: known, capacity: capacityOf(input), current: input.current, powerCost, slots });
        const partPlan = buildPlan({ strategy: 'lp', input, target: part, model, notes });
        if (trusted(partPlan)) return partPlan;
      }
      // The model's plans keep every connected node at its least useful shares (the bounds hold them); when none of
      // them is trusted, a node below them (an outage emptied it) is brought back as a rule: it earns nothing there,
      // whatever the model says, and no probe can start from below a floor.
      const restored = restoreFloors(input, policyBounds);
      if (restored) {
        const floorPlan = buildPlan({ strategy: 'lp', input, target: restored.target, model, notes });
        floorPlan.rule = Object.values(restored.notes).join('; ');
        return floorPlan;
      }
      if (!settings.exploration.enabled) return plan;
      // Not a trusted, material move inside the data. Could there be a material gain beyond it? Optimism in the face
      // of uncertainty: probe when the model's unrestricted optimum, one standard deviation up, would be material.
      // Far from the data that deviation is large; once the neighbourhood has been observed it shrinks, and probing stops.
      // Only what a probe can teach counts: resources too slow to probe keep the region the data support, so that
      // their never-shrinking extrapolation does not keep the fast ones probing for ever.
      // A protocol whose profile runs tasks in slots is probed a whole slot at a time (slot-probes.ts), whichever
      // model fits it now: a probe of its cpu or memory alone may change no slot and then teaches nothing. The
      // generic probes hold its cpu and memory.
      const probeSlots = { ...slotsByProfile(input), ...slots };
      const slotted = new Set(Object.keys(probeSlots));
      const problem = { curves, capacity: capacityOf(input), current: input.current, powerCost, slots: probeSlots };
      const unbounded = await solveAllocation(solver, { ...problem, bounds: probeableBounds(input, bounds, region, slotted) });
      const free = slotted.size > 0 ? await solveAllocation(solver, { ...problem, bounds: probeableBounds(input, bounds, region, new Set()) }) : unbounded;
      const potential = buildPlan({ strategy: 'lp', input, target: free, model, notes });
      let spread = 0;
      for (const p of input.protocols) spread += model.std(p.name, potential.current[p.name], free[p.name]) ** 2;
      const optimistic = potential.improvementUsdPerHour + Math.sqrt(spread);
      const base = potential.currentUsdPerHour;
      const promising =
        optimistic > 0 &&
        optimistic >= settings.minImprovementUsdPerHour &&
        (base > 0 ? (100 * optimistic) / base : 100) >= settings.minImprovementPercent;
      if (!promising || potential.improvementUsdPerHour <= 0) return plan;
      const candidates = [...explorationProbes(input, unbounded, policyBounds), ...(slotted.size > 0 ? await slotProbes(solver, input, problem, policyBounds, free) : [])];
      const probes = candidates.map((probe) => ({
        probe,
        plan: buildPlan({ strategy: 'lp', input, target: probe.target, model, notes, exploration: true }),
      }));
      const best = probes.sort((a, b) => b.plan.improvementUsdPerHour - a.plan.improvementUsdPerHour)[0];
      if (!best || best.plan.improvementUsdPerHour <= 0) return plan;
      const probePlan = best.plan;
      const learnHours = Math.max(input.holdHours ?? 1, RESOURCE_TIME_CONSTANT_MS[best.probe.resource] / 3_600_000);
      let variance = 0;
      for (const p of input.protocols) variance += model.std(p.name, probePlan.current[p.name], probePlan.target[p.name]) ** 2;
      const downside = Math.max(0, Math.sqrt(variance) - probePlan.improvementUsdPerHour);
      probePlan.explorationCostUsd = round(probePlan.switchingCostUsd + downside * learnHours, 6);
      for (const p of input.protocols) {
        if (moved(probePlan.current[p.name], probePlan.target[p.name])) {
          probePlan.explanations[p.name] =
            `exploration probe on ${best.probe.resource} toward the model's optimum (+${potential.improvementUsdPerHour} USD/h, ` +
            `not yet trusted: confidence ${potential.confidence}): ${probePlan.explanations[p.name]}`;
        }
      }
      return probePlan;
    },
  };
}
