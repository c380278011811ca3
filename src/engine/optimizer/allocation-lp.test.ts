/**
 * The allocation LP plans around shares it may not move. Those shares come rounded to the micro-point, so their sum
 * can exceed what is left for the others' floors by a few millionths of a point: seen on the harsh market during an
 * outage (a disconnected node holds its shares), where it made every plan fail for hours. Rounding is not a policy
 * conflict; a real one (a whole point short) still fails, naming no allocation.
 */
import { describe, expect, it } from 'vitest';
import { type Resource, type ResourceShares, zeroShares } from '../../domain/resources.js';
import { solveAllocation } from './allocation-lp.js';
import { createHighsSolver } from './highs-solver.js';
import { type ConcaveCurve, linearCurve } from './piecewise.js';
import type { Bounds } from './types.js';

const solver = createHighsSolver();
const flat = linearCurve(0);
const bwOnly = (bandwidth: ConcaveCurve): Record<Resource, ConcaveCurve> => ({ cpu: flat, memory: flat, bandwidth, storage: flat });
const bw = (x: number): ResourceShares => ({ ...zeroShares(), bandwidth: x });
const only = (lo: number, hi: number): Bounds[string] => ({ cpu: { lo: 0, hi: 0 }, memory: { lo: 0, hi: 0 }, bandwidth: { lo, hi }, storage: { lo: 0, hi: 0 } });
const CAPACITY: ResourceShares = { cpu: 90, memory: 90, bandwidth: 90, storage: 90 };
const curves = { held: bwOnly(linearCurve(0.001)), free: bwOnly(linearCurve(0.002)), other: bwOnly(linearCurve(0.0005)) };

describe('allocation LP around held shares', () => {
  it('plans when the held shares leave the floors a few millionths short (rounding), at the floors', async () => {
    // `held` is fixed at 44.000001, `other` at 45: 0.999999 left for `free`, whose floor is 1.
    const bounds = { held: only(44.000001, 44.000001), other: only(45, 45), free: only(1, 20) };
    const current = { held: bw(44.000001), other: bw(45), free: bw(1) };
    const target = await solveAllocation(solver, { curves, bounds, capacity: CAPACITY, current });
    expect(target.free.bandwidth).toBeCloseTo(1, 5);
    expect(target.held.bandwidth).toBe(44.000001);
  });

  it('still refuses when the floors truly do not fit', async () => {
    const bounds = { held: only(45, 45), other: only(45, 45), free: only(1, 20) };
    const current = { held: bw(45), other: bw(45), free: bw(0) };
    await expect(solveAllocation(solver, { curves, bounds, capacity: CAPACITY, current })).rejects.toMatchObject({ code: 'ORCHA_ERR_INFEASIBLE' });
  });
});
