/**
 * The optimizer maximizes net earnings: the power cost of each share point is a term of its own in the allocation
 * LP and the plan, so a resource whose marginal earnings are below its marginal power cost is given back.
 */
import { describe, expect, it } from 'vitest';
import { type Resource, type ResourceShares, zeroShares } from '../../domain/resources.js';
import { solveAllocation } from './allocation-lp.js';
import { createHighsSolver } from './highs-solver.js';
import { buildPlan, type PlanModel } from './plan-builder.js';
import { type ConcaveCurve, evaluateCurve, linearCurve } from './piecewise.js';
import type { Bounds, OptimizerInput, ProtocolInput } from './types.js';

const solver = createHighsSolver();
const flat = linearCurve(0);
const cpuOnly = (cpu: ConcaveCurve): Record<Resource, ConcaveCurve> => ({ cpu, memory: flat, bandwidth: flat, storage: flat });
const cpu = (x: number): ResourceShares => ({ ...zeroShares(), cpu: x });
const open = (lo = 0): Bounds[string] => ({ cpu: { lo, hi: 100 }, memory: { lo: 0, hi: 0 }, bandwidth: { lo: 0, hi: 0 }, storage: { lo: 0, hi: 0 } });
const CAPACITY: ResourceShares = { cpu: 90, memory: 90, bandwidth: 90, storage: 90 };

// `a` earns 0.003 USD/h per CPU point up to 30 %, then 0.0005; `b` earns 0.0008 per point throughout.
const curves = { a: cpuOnly({ knots: [0, 30, 100], slopes: [0.003, 0.0005] }), b: cpuOnly(linearCurve(0.0008)) };
const current = { a: cpu(45), b: cpu(45) };

describe('allocation LP with a power term', () => {
  it('fills CPU by gross slope without power costs, and stops where marginal earnings fall below the power cost with them', async () => {
    const bounds = { a: open(), b: open() };
    const gross = await solveAllocation(solver, { curves, bounds, capacity: CAPACITY, current });
    // Gross: a's steep 30 points, then b's 0.0008 beats a's 0.0005 for the other 60.
    expect(gross.a.cpu).toBeCloseTo(30, 6);
    expect(gross.b.cpu).toBeCloseTo(60, 6);

    // Power at 0.001 USD/h per CPU point for both: only a's first 30 points earn more than they cost.
    const powerCost = { a: cpu(0.001), b: cpu(0.001) };
    const net = await solveAllocation(solver, { curves, bounds, capacity: CAPACITY, current, powerCost });
    expect(net.a.cpu).toBeCloseTo(30, 6);
    expect(net.b.cpu).toBeCloseTo(0, 6);
    const netValue = (alloc: Record<string, ResourceShares>) =>
      (['a', 'b'] as const).reduce((s, n) => s + evaluateCurve(curves[n].cpu, alloc[n].cpu) - powerCost[n].cpu * alloc[n].cpu, 0);
    expect(netValue(net)).toBeGreaterThan(netValue(gross) + 0.01);
  });

  it('keeps what a bound requires, and weighs each protocol\'s own power cost', async () => {
    // b must keep 10 %; a's CPU is dearer (a busier node draws more per point) than b's.
    const bounds = { a: open(), b: open(10) };
    const powerCost = { a: cpu(0.002), b: cpu(0.0002) };
    const net = await solveAllocation(solver, { curves, bounds, capacity: CAPACITY, current, powerCost });
    // a nets 0.001 on its first 30 points and loses after them; b nets 0.0006 on every point, so it takes the rest.
    expect(net.a.cpu).toBeCloseTo(30, 6);
    expect(net.b.cpu).toBeCloseTo(60, 6);
    const dear = await solveAllocation(solver, { curves, bounds, capacity: CAPACITY, current, powerCost: { a: cpu(0.004), b: cpu(0.001) } });
    expect(dear.a.cpu).toBeCloseTo(0, 6);
    expect(dear.b.cpu).toBeCloseTo(10, 6);
  });

  it('gives back a resource that earns nothing at all but costs power (a zero curve is not left where it is)', async () => {
    const zero = { a: cpuOnly(flat), b: cpuOnly(flat) };
    const bounds = { a: open(), b: open(5) };
    const kept = await solveAllocation(solver, { curves: zero, bounds, capacity: CAPACITY, current });
    expect(kept.a.cpu).toBeCloseTo(45, 6);
    const net = await solveAllocation(solver, { curves: zero, bounds, capacity: CAPACITY, current, powerCost: { a: cpu(0.001), b: cpu(0.001) } });
    expect(net.a.cpu).toBeCloseTo(0, 6);
    expect(net.b.cpu).toBeCloseTo(5, 6);
  });
});

function protocol(name: string, usd: number, powerCostPerPoint?: ResourceShares): ProtocolInput {
  const limit = { min: 0, max: 100 };
  return {
    name,
    connected: true,
    pinned: false,
    limits: { cpu: limit, memory: limit, bandwidth: limit, storage: limit },
    currentUsdPerHour: usd,
    restartsOnChange: false,
    observations: [],
    ...(powerCostPerPoint ? { powerCostPerPoint } : {}),
  };
}

describe('plan projection with a power term', () => {
  const model: PlanModel = {
    delta: (n, from, to) => evaluateCurve(curves[n as 'a' | 'b'].cpu, to.cpu) - evaluateCurve(curves[n as 'a' | 'b'].cpu, from.cpu),
    std: () => 0,
    dataFactor: () => 1,
    describe: () => 'test curves',
  };
  const inputWith = (power?: ResourceShares): OptimizerInput => ({
    time: 0,
    current,
    reserve: { cpu: 10, memory: 10, bandwidth: 10, storage: 10 },
    protocols: [protocol('a', evaluateCurve(curves.a.cpu, 45), power), protocol('b', evaluateCurve(curves.b.cpu, 45), power)],
    policies: [],
    settings: {} as OptimizerInput['settings'],
  });
  const target = { a: cpu(30), b: cpu(0) };

  it('projects net of power: giving back CPU that costs more than it earns is a gain', () => {
    const gross = buildPlan({ strategy: 'lp', input: inputWith(), target, model });
    expect(gross.improvementUsdPerHour).toBeLessThan(0);
    expect(gross.powerCostUsdPerHour).toBeUndefined();

    const net = buildPlan({ strategy: 'lp', input: inputWith(cpu(0.001)), target, model });
    // Current: gross 0.0975 + 0.036 minus 90 points x 0.001 of power; target: 0.09 gross, 30 points of power.
    expect(net.powerCostUsdPerHour).toBeCloseTo(0.09, 9);
    expect(net.projectedPowerCostUsdPerHour).toBeCloseTo(0.03, 9);
    expect(net.currentUsdPerHour).toBeCloseTo(0.0975 + 0.036 - 0.09, 6);
    expect(net.projectedUsdPerHour).toBeCloseTo(0.09 - 0.03, 6);
    expect(net.improvementUsdPerHour).toBeCloseTo(0.06 - 0.0435, 6);
    expect(net.explanations.b).toMatch(/\+0\.009 USD\/h net projected \(power cost -0\.045 USD\/h\)/);
    // Each protocol's own part of the projection (a node's page shows its own), summing to the plan's improvement.
    expect(net.projectedDeltas!.b).toBeCloseTo(0.009, 6);
    expect(net.projectedDeltas!.a! + net.projectedDeltas!.b!).toBeCloseTo(net.improvementUsdPerHour, 6);
    // The pairwise view agrees: b's CPU handed back to nobody is worth its power cost less its earnings.
    const back = net.opportunities.find((o) => o.from === 'b' && o.resource === 'cpu')!;
    expect(back.gainUsdPerHour).toBeCloseTo(45 * (0.001 - 0.0008), 6);
  });
});
