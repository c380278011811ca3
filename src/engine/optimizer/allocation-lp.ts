import { RESOURCES, type Allocation, type Resource, type ResourceShares } from '../../domain/resources.js';
import { type LpSolver, lpNumber } from './highs-solver.js';
import { type ConcaveCurve, evaluateCurve } from './piecewise.js';
import { type TaskSlot, toSlotSpace } from './task-slots.js';
import type { Bounds } from './types.js';

export interface AllocationProblem {
  /** protocol -> resource -> concave response curve (USD/h contributed by that share). */
  curves: Record<string, Record<Resource, ConcaveCurve>>;
  bounds: Bounds;
  capacity: ResourceShares;
  current: Allocation;
  /**
   * protocol -> USD/h of power per share point of each resource (energy accounting). A separate linear term: the
   * objective is gross minus power, so a segment whose slope is below the power cost is worth filling only when a
   * bound forces it. Missing: no power cost.
   */
  powerCost?: Record<string, ResourceShares>;
  /**
   * protocol -> its task slot (task-slots.ts): its curves are in slot space, its memory is tied to its cpu (one slot's
   * memory per slot's cpu) and the answer holds whole slots.
   */
  slots?: Record<string, TaskSlot>;
}

/**
 * Tie-break weight on moving away from the current shares, relative to the resource's largest movable slope: moves
 * worth less than a millionth of the best marginal value per point are not worth making (and cost at most that).
 */
const MOVE_PENALTY = 1e-6;
/** Shares are rounded to 1e-6 points; a sum of them may be off by a few of those. */
const ROUNDING_SLACK = 1e-4;

/**
 * The exact maximum of a separable concave piecewise-linear objective under per-resource capacity and per-protocol
 * bounds, as one LP solved by HiGHS. Each curve segment is a variable 0 <= x <= length with the segment's slope as
 * objective coefficient; since slopes never increase, an optimal LP solution fills segments in order, so the LP
 * optimum is the optimum of the curves themselves (the classic concave-separable reformulation, no integers).
 * A tiny penalty on |share - current| makes the solver keep the current shares among equally good answers.
 * Power costs are a constant per point of a resource, so subtracting them from every segment's slope keeps the slopes
 * non-increasing (the reformulation still holds) and lets a segment be worth less than nothing.
 */
export async function solveAllocation(solver: LpSolver, problem: AllocationProblem): Promise<Allocation> {
  const slotted = Object.entries(problem.slots ?? {}).filter(([n]) => problem.bounds[n] && problem.curves[n]);
  if (slotted.length === 0) return solveRelaxed(solver, problem);
  let tied: AllocationProblem = { ...problem, bounds: tiedBounds(problem.bounds, slotted) };
  let target: Allocation;
  try {
    target = await solveRelaxed(solver, tied);
  } catch {
    // Tying memory to cpu left no feasible allocation (policies, say): plan as if the shares were independent.
    return solveRelaxed(solver, { ...problem, slots: {} });
  }
  // The LP's answer may hold a fraction of a slot, which earns nothing: each slotted protocol is fixed at the whole
  // number of slots just below and just above it, the rest re-planned around it, and the better of the two kept.
  for (const [name, slot] of slotted) {
    const b = tied.bounds[name].cpu;
    const k = target[name].cpu / slot.cpu;
    if (b.hi - b.lo <= 1e-9 || Math.abs(k - Math.round(k)) < 1e-6) continue;
    let best: { value: number; target: Allocation; problem: AllocationProblem } | null = null;
    for (const x of [Math.floor(k) * slot.cpu, Math.ceil(k) * slot.cpu]) {
      if (x < b.lo - 1e-9 || x > b.hi + 1e-9) continue;
      const fixed: AllocationProblem = { ...tied, bounds: tiedBounds({ ...tied.bounds, [name]: { ...tied.bounds[name], cpu: { lo: x, hi: x } } }, slotted) };
      try {
        const t = await solveRelaxed(solver, fixed);
        const value = modelValue(fixed, t);
        if (!best || value > best.value + 1e-12) best = { value, target: t, problem: fixed };
      } catch {
        // that number of slots does not fit: the other one may
      }
    }
    if (best) {
      target = best.target;
      tied = best.problem;
    }
  }
  return target;
}

/**
 * Memory tied to cpu where one of them is fixed (the other's bounds follow); where both may move the LP ties them
 * with a row (solveRelaxed).
 */
function tiedBounds(bounds: Bounds, slotted: [string, TaskSlot][]): Bounds {
  const out: Bounds = { ...bounds };
  for (const [name, slot] of slotted) {
    const { cpu, memory } = bounds[name];
    const ratio = slot.memory / slot.cpu;
    const cpuFixed = cpu.hi - cpu.lo <= 1e-9;
    const memFixed = memory.hi - memory.lo <= 1e-9;
    if (cpuFixed && !memFixed) out[name] = { ...bounds[name], memory: { lo: Math.min(memory.hi, Math.max(memory.lo, ratio * cpu.lo)), hi: memory.hi } };
    else if (memFixed && !cpuFixed) out[name] = { ...bounds[name], cpu: { lo: cpu.lo, hi: Math.max(cpu.lo, Math.min(cpu.hi, memory.lo / ratio)) } };
  }
  return out;
}

/** The model's value of an allocation (slotted protocols in slot space), net of power. */
function modelValue(problem: AllocationProblem, target: Allocation): number {
  let sum = 0;
  for (const [name, shares] of Object.entries(target)) {
    const slot = problem.slots?.[name];
    const seen = slot ? toSlotSpace(shares, slot) : shares;
    for (const r of RESOURCES) sum += evaluateCurve(problem.curves[name][r], seen[r]) - (problem.powerCost?.[name]?.[r] ?? 0) * shares[r];
  }
  return sum;
}

/** The LP itself: slotted protocols' memory tied to their cpu by a row, fractions of slots allowed. */
async function solveRelaxed(solver: LpSolver, problem: AllocationProblem): Promise<Allocation> {
  const names = Object.keys(problem.bounds);
  const target: Allocation = {};
  const power = (n: string, r: Resource) => problem.powerCost?.[n]?.[r] ?? 0;
  // Each resource is its own problem (capacity and bounds are per resource), so each is normalized on its own: the
  // largest movable net slope (in size) becomes 1 (solver tolerances are absolute); slopes of nothing stay nothing.
  const scale = {} as Record<Resource, number>;
  for (const r of RESOURCES) {
    let maxSlope = 0;
    for (const n of names) {
      const { lo, hi } = problem.bounds[n][r];
      if (hi - lo <= 1e-9) continue;
      const { knots, slopes } = problem.curves[n][r];
      slopes.forEach((s, k) => {
        if (knots[k] < hi) maxSlope = Math.max(maxSlope, Math.abs(Math.max(0, s) - power(n, r)));
      });
    }
    scale[r] = maxSlope > 1e-12 ? 1 / maxSlope : 0;
  }

  const objective: string[] = [];
  const rows: string[] = [];
  const bounds: string[] = [];
  const capacityTerms: Record<Resource, string[]> = { cpu: [], memory: [], bandwidth: [], storage: [] };
  const fixedUse: ResourceShares = { cpu: 0, memory: 0, bandwidth: 0, storage: 0 };
  const segmentVars: Record<string, Partial<Record<Resource, string[]>>> = {};

  names.forEach((name, i) => {
    target[name] = { cpu: 0, memory: 0, bandwidth: 0, storage: 0 };
    segmentVars[name] = {};
    const cur = problem.current[name] ?? { cpu: 0, memory: 0, bandwidth: 0, storage: 0 };
    RESOURCES.forEach((r, j) => {
      const { lo, hi } = problem.bounds[name][r];
      if (hi - lo <= 1e-9) {
        target[name][r] = lo;
        fixedUse[r] += lo;
        return;
      }
      const curve = problem.curves[name][r];
      const vars: string[] = [];
      let slopeCap = Number.POSITIVE_INFINITY;
      curve.slopes.forEach((slope, k) => {
        const a = curve.knots[k];
        if (a >= hi) return;
        const len = Math.min(curve.knots[k + 1], hi) - a;
        if (len <= 0) return;
        // Guard the reformulation: a slope above its predecessor would be filled out of order.
        slopeCap = Math.min(slopeCap, Math.max(0, slope));
        const v = `x${i}_${j}_${k}`;
        vars.push(v);
        objective.push(`${lpNumber((slopeCap - power(name, r)) * scale[r])} ${v}`);
        bounds.push(`0 <= ${v} <= ${lpNumber(len)}`);
        capacityTerms[r].push(v);
      });
      segmentVars[name][r] = vars;
      const sum = vars.join(' + ');
      rows.push(`lo${i}_${j}: ${sum} >= ${lpNumber(lo)}`);
      rows.push(`hi${i}_${j}: ${sum} <= ${lpNumber(hi)}`);
      const up = `u${i}_${j}`;
      const down = `d${i}_${j}`;
      rows.push(`mv${i}_${j}: ${sum} - ${up} + ${down} = ${lpNumber(cur[r])}`);
      objective.push(`- ${lpNumber(MOVE_PENALTY)} ${up} - ${lpNumber(MOVE_PENALTY)} ${down}`);
      bounds.push(`${up} >= 0`, `${down} >= 0`);
    });
  });

  names.forEach((name, i) => {
    const slot = problem.slots?.[name];
    const cpu = segmentVars[name].cpu;
    const memory = segmentVars[name].memory;
    if (!slot || !cpu?.length || !memory?.length) return;
    rows.push(`tie${i}: ${memory.join(' + ')} - ${lpNumber(slot.memory / slot.cpu)} ${cpu.join(` - ${lpNumber(slot.memory / slot.cpu)} `)} >= 0`);
  });
  RESOURCES.forEach((r, j) => {
    if (capacityTerms[r].length === 0) return;
    // Shares rounded to the micro-point can leave the fixed ones a hair over what the floors of the others need: that
    // hair is rounding, not an infeasible policy (a real conflict is far larger and still fails).
    const floors = names.reduce((s, n) => s + (problem.bounds[n][r].hi - problem.bounds[n][r].lo > 1e-9 ? problem.bounds[n][r].lo : 0), 0);
    const room = problem.capacity[r] - fixedUse[r];
    rows.push(`cap${j}: ${capacityTerms[r].join(' + ')} <= ${lpNumber(floors > room && floors - room <= ROUNDING_SLACK ? floors : room)}`);
  });
  if (objective.length === 0) return target;

  const lp = ['Maximize', ` obj: ${objective.join(' + ').replaceAll('+ -', '-')}`, 'Subject To', ...rows.map((x) => ` ${x}`), 'Bounds', ...bounds.map((x) => ` ${x}`), 'End'].join('\n');
  const result = await solver.solve(lp);
  const value = (v: string) => (result.Columns[v] as { Primal?: number } | undefined)?.Primal ?? 0;

  for (const name of names) {
    for (const r of RESOURCES) {
      const vars = segmentVars[name][r];
      if (!vars) continue;
      const { lo, hi } = problem.bounds[name][r];
      const share = vars.reduce((s, v) => s + value(v), 0);
      target[name][r] = Math.min(hi, Math.max(lo, Math.round(share * 1e6) / 1e6));
    }
  }
  trimToCapacity(target, problem);
  return target;
}

/** Rounding may leave a resource a hair over capacity; take the excess from the largest movable share. */
function trimToCapacity(target: Allocation, problem: AllocationProblem): void {
  for (const r of RESOURCES) {
    const used = Object.values(target).reduce((s, sh) => s + sh[r], 0);
    const excess = used - problem.capacity[r];
    if (excess <= 0) continue;
    let best: string | undefined;
    for (const [name, sh] of Object.entries(target)) {
      const room = sh[r] - problem.bounds[name][r].lo;
      if (room >= excess && (best === undefined || sh[r] > target[best][r])) best = name;
    }
    if (best) target[best][r] -= excess;
  }
}
