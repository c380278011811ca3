import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { createHighsSolver } from './highs-solver.js';

const solver = createHighsSolver();

describe('HiGHS solver', () => {
  it('solves a small LP to its optimum', async () => {
    const result = await solver.solve(['Maximize', ' obj: 3 x + 2 y', 'Subject To', ' c1: x + y <= 4', ' c2: x <= 3', 'End'].join('\n'));
    expect(result.ObjectiveValue).toBeCloseTo(11, 9);
    expect((result.Columns.x as { Primal?: number }).Primal).toBeCloseTo(3, 9);
  });

  it('reports an infeasible model as ORCHA_ERR_INFEASIBLE', async () => {
    await expect(solver.solve(['Minimize', ' obj: x', 'Subject To', ' c1: x >= 5', ' c2: x <= 2', 'End'].join('\n'))).rejects.toMatchObject({
      code: 'ORCHA_ERR_INFEASIBLE',
    });
  });

  it('gives up on a QP its active-set method cycles on, with an error instead of a hang', async () => {
    // A response-model fit captured from a simulated week (a protocol that earned ~1e-6 of its current rate while
    // observed): unscaled, HiGHS's QP solver iterated on it without end and froze the whole process.
    const qp = await readFile(new URL('../../../test/fixtures/optimizer/cycling-qp.lp', import.meta.url), 'utf8');
    await expect(solver.solve(qp)).rejects.toMatchObject({ code: 'ORCHA_ERR_INTERNAL' });
  });
});
