import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bruteForce, defaultSettings, expectedBounds, type Instance, instanceArb } from '../../../test/helpers/optimizer-instances.js';
import { RESOURCES, type ResourceShares } from '../../domain/resources.js';
import { isOrchaError } from '../../lib/errors.js';
import { solveAllocation } from './allocation-lp.js';
import { createHighsSolver } from './highs-solver.js';
import { createLpStrategy } from './lp.strategy.js';
import { oracleStrategy } from './oracle.strategy.js';
import { evaluateCurve } from './piecewise.js';
import { capacityOf, effectiveBounds, type OptimizerInput } from './types.js';

const solver = createHighsSolver();

function feasibility(inst: Instance): boolean {
  const cap = capacityOf(inst.input);
  return RESOURCES.every((r) => {
    const bs = inst.input.protocols.map((p) => expectedBounds(inst.input, p.name, r));
    return bs.every((b) => b.lo <= b.hi + 1e-9) && bs.reduce((s, b) => s + b.lo, 0) <= cap[r] + 1e-6;
  });
}

function expectHonoured(input: OptimizerInput, target: Record<string, ResourceShares>) {
  const cap = capacityOf(input);
  for (const r of RESOURCES) {
    const used = input.protocols.reduce((s, p) => s + target[p.name][r], 0);
    expect(used).toBeLessThanOrEqual(cap[r] + 1e-6);
    for (const p of input.protocols) {
      const b = expectedBounds(input, p.name, r);
      expect(target[p.name][r]).toBeGreaterThanOrEqual(b.lo - 1e-6);
      expect(target[p.name][r]).toBeLessThanOrEqual(b.hi + 1e-6);
    }
  }
}

describe('lp optimizer (property tests)', () => {
  it('matches a brute-force grid search, within capacity minus reserve and every bound, policy and pin', async () => {
    let solved = 0;
    await fc.assert(
      fc.asyncProperty(instanceArb, async (inst) => {
        const { input, free, curves } = inst;
        if (!feasibility(inst)) {
          // Infeasible policies are reported as such, naming the conflict, never silently "solved".
          expect(() => effectiveBounds(input)).toThrow(expect.objectContaining({ code: 'ORCHA_ERR_INFEASIBLE' }));
          return;
        }
        solved++;
        const bounds = effectiveBounds(input);
        const cap = capacityOf(input);
        const target = await solveAllocation(solver, { curves, bounds, capacity: cap, current: input.current });
        const oracle = await oracleStrategy((name, shares) => RESOURCES.reduce((s, r) => s + evaluateCurve(curves[name][r], shares[r]), 0), { solver }).plan(input);
        expectHonoured(input, target);
        expectHonoured(input, oracle.target);

        const names = input.protocols.map((p) => p.name);
        const step = names.length === 4 ? 5 : 2.5;
        for (const r of free) {
          const cs = names.map((n) => curves[n][r]);
          const bs = names.map((n) => expectedBounds(input, n, r));
          const best = bruteForce(cs, bs, cap[r], step);
          const lp = names.reduce((s, n) => s + evaluateCurve(curves[n][r], target[n][r]), 0);
          const viaPlan = names.reduce((s, n) => s + evaluateCurve(curves[n][r], oracle.target[n][r]), 0);
          // Rounding each share down to the grid loses at most step x slope per protocol.
          const resolution = step * cs.reduce((s, c) => s + c.slopes[0], 0) + 1e-7;
          // The LP is exact, up to its tie-break against moving (a millionth of the top slope per point moved).
          expect(lp).toBeGreaterThanOrEqual(best - 1e-7 - 1e-6 * 200 * cs.reduce((s, c) => Math.max(s, c.slopes[0]), 0) * names.length);
          expect(lp - best).toBeLessThanOrEqual(resolution);
          // The oracle samples the curves on a 1-point grid: within the same resolution of the exact optimum.
          expect(viaPlan).toBeGreaterThanOrEqual(lp - resolution);
        }
      }),
      { numRuns: 200, seed: 20240601 },
    );
    expect(solved).toBeGreaterThan(100);
  });

  it('plans from observations within capacity, bounds and pins, with bounded exploration', async () => {
    const lp = createLpStrategy({ solver });
    await fc.assert(
      fc.asyncProperty(instanceArb, fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 1000 }), async (inst, n, seed) => {
        if (!feasibility(inst)) return;
        const { input } = inst;
        // Observations around the current allocation, one per 10 minutes, noisy rates.
        let s = seed;
        const noise = () => {
          s = (s * 16807) % 2147483647;
          return (s / 2147483647 - 0.5) * 0.1;
        };
        for (const p of input.protocols) {
          p.observations = Array.from({ length: n }, (_, i) => {
            const shares = { ...input.current[p.name] };
            if (i % 3 === 0) for (const r of inst.free) shares[r] = Math.max(0, shares[r] - 2);
            return { time: input.time - (n - i) * 600_000, shares, usdPerHour: Math.max(0, p.currentUsdPerHour + noise()) };
          });
        }
        const plan = await lp.plan(input);
        expectHonoured(input, plan.target);
        expect(plan.confidence).toBeGreaterThanOrEqual(0);
        expect(plan.confidence).toBeLessThanOrEqual(1);
        expect(Object.keys(plan.explanations).sort()).toEqual(input.protocols.map((p) => p.name).sort());
        if (plan.exploration) {
          expect(plan.explorationCostUsd).toBeGreaterThanOrEqual(0);
          for (const p of input.protocols) {
            expect(plan.target[p.name].storage).toBe(plan.current[p.name].storage);
            for (const r of RESOURCES) {
              expect(Math.abs(plan.target[p.name][r] - plan.current[p.name][r])).toBeLessThanOrEqual(defaultSettings.exploration.maxStepPercent + 1e-6);
            }
          }
        }
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('names the conflicting field when policies cannot be met', () => {
    const mm = { min: 0, max: 100 };
    const protocol = (name: string, min: number) => ({
      name,
      connected: true,
      pinned: false,
      limits: { cpu: { min, max: 100 }, memory: mm, bandwidth: mm, storage: mm },
      currentUsdPerHour: 1,
      restartsOnChange: false,
      observations: [],
    });
    const input: OptimizerInput = {
      time: 0,
      current: {},
      reserve: { cpu: 20, memory: 0, bandwidth: 0, storage: 0 },
      protocols: [protocol('a', 50), protocol('b', 40)],
      policies: [],
      settings: defaultSettings,
    };
    try {
      effectiveBounds(input);
      expect.unreachable();
    } catch (err) {
      expect(isOrchaError(err, 'ORCHA_ERR_INFEASIBLE')).toBe(true);
      expect((err as { details: { path: string }[] }).details[0].path).toBe('reserve.cpu');
    }
  });
});
