import { RESOURCES, type Allocation } from '../../domain/resources.js';
import { type AllocationProblem, solveAllocation } from './allocation-lp.js';
import type { LpSolver } from './highs-solver.js';
import type { Probe } from './exploration.js';
import { slotCount } from './task-slots.js';
import { type Bounds, currentShares, type OptimizerInput } from './types.js';

/**
 * Exploration probes for compute providers that run tasks in slots: one whole slot more (its cpu and the memory it
 * needs), when the model's unrestricted optimum holds more slots. Never one less: a slot taken away stops the tasks it
 * ran, and what fewer slots earn is what the node was seen earning on its way up (a trusted plan may still cut one).
 * A generic probe moves one share by at most `exploration.maxStepPercent`, which may be less than a slot and so
 * teaches nothing. The slot's cpu and memory come from the other protocols as the model values them, each moving at
 * most one probe step, every other share held; the move may exceed `maxStepPercent` by what one slot needs (the gate
 * allows it, see `slotAllowance` in reallocation/engine-helpers.ts).
 */
export async function slotProbes(
  solver: LpSolver,
  input: OptimizerInput,
  problem: Omit<AllocationProblem, 'bounds'>,
  bounds: Bounds,
  toward: Allocation,
): Promise<Probe[]> {
  const step = input.settings.exploration.maxStepPercent;
  const slots = problem.slots ?? {};
  const probes: Probe[] = [];
  const held = new Set(input.heldForReading ?? []);
  for (const [name, slot] of Object.entries(slots)) {
    if (held.has(name)) continue;
    const cur = currentShares(input, name);
    const k = slotCount(cur, slot);
    const want = slotCount(toward[name] ?? cur, slot);
    if (want <= k) continue;
    const next = k + 1;
    const cpu = next * slot.cpu;
    const b = bounds[name];
    if (cpu < b.cpu.lo - 1e-9 || cpu > b.cpu.hi + 1e-9) continue;
    const around: Bounds = {};
    for (const p of input.protocols) {
      const c = currentShares(input, p.name);
      around[p.name] = {} as Bounds[string];
      for (const r of RESOURCES) {
        const pb = bounds[p.name][r];
        const movable = (r === 'cpu' || r === 'memory') && !(p.name !== name && (slots[p.name] || held.has(p.name)));
        const reach = p.name === name && r === 'memory' ? Math.max(step, slot.memory) : step;
        around[p.name][r] = movable ? { lo: Math.max(pb.lo, c[r] - reach), hi: Math.min(pb.hi, c[r] + reach) } : { lo: c[r], hi: c[r] };
        if (around[p.name][r].lo > around[p.name][r].hi) around[p.name][r] = { lo: c[r], hi: c[r] };
      }
    }
    around[name].cpu = { lo: cpu, hi: cpu };
    try {
      const target = await solveAllocation(solver, { ...problem, bounds: around });
      if (slotCount(target[name], slot) === next) probes.push({ resource: 'cpu', target });
    } catch {
      // the slot does not fit within one probe step of the others: no probe
    }
  }
  return probes;
}

