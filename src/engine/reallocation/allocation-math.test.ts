import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../config/load.js';
import { shareTotals } from '../../domain/capacity.js';
import { type Allocation, RESOURCES } from '../../domain/resources.js';
import { initialAllocationFromConfig, planSteps, sameShares } from './allocation-math.js';

const share = fc.integer({ min: 0, max: 40 }).map((x) => x / 2);
const shares = fc.record({ cpu: share, memory: share, bandwidth: share, storage: share });
const allocation = (names: string[]) => fc.tuple(...names.map(() => shares)).map((xs) => Object.fromEntries(names.map((n, i) => [n, xs[i]])) as Allocation);
const pair = fc
  .uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 1, maxLength: 5 })
  .chain((names) => fc.tuple(allocation(names), allocation(names)));

describe('planSteps', () => {
  it('reaches the target, one protocol per step, never using more of a resource than before or after', () => {
    fc.assert(
      fc.property(pair, ([current, target]) => {
        const steps = planSteps(current, target);
        const at: Allocation = structuredClone(current);
        const bound = shareTotals(current);
        const after = shareTotals(target);
        for (const r of RESOURCES) bound[r] = Math.max(bound[r], after[r]);
        let increasing = false;
        for (const s of steps) {
          expect(sameShares(at[s.protocol], s.from)).toBe(true);
          const up = RESOURCES.some((r) => s.to[r] > s.from[r] + 1e-9);
          const down = RESOURCES.some((r) => s.to[r] < s.from[r] - 1e-9);
          expect(up && down).toBe(false); // a step only gives or only takes
          if (up) increasing = true;
          if (down) expect(increasing).toBe(false); // every decrease comes before any increase
          at[s.protocol] = s.to;
          const t = shareTotals(at);
          for (const r of RESOURCES) expect(t[r]).toBeLessThanOrEqual(bound[r] + 1e-9);
        }
        for (const n of Object.keys(target)) expect(sameShares(at[n], target[n])).toBe(true);
        expect(steps.map((s) => s.seq)).toEqual(steps.map((_, i) => i));
      }),
      { numRuns: 300 },
    );
  });

  it('plans nothing when nothing changes', () => {
    const a = { p: { cpu: 10, memory: 10, bandwidth: 10, storage: 10 } };
    expect(planSteps(a, structuredClone(a))).toEqual([]);
  });
});

describe('initialAllocationFromConfig', () => {
  it('splits what the reserve and explicit shares leave equally among the other protocols', () => {
    const config = buildConfig(
      {
        protocols: [
          { name: 'a', type: 'golem', endpoint: 'http://127.0.0.1:1', initialAllocation: { cpu: 30, memory: 10, bandwidth: 0, storage: 50 } },
          { name: 'b', type: 'golem', endpoint: 'http://127.0.0.1:2' },
          { name: 'c', type: 'golem', endpoint: 'http://127.0.0.1:3' },
          { name: 'd', type: 'golem', endpoint: 'http://127.0.0.1:4', enabled: false },
        ],
      },
      {},
    );
    const a = initialAllocationFromConfig(config);
    expect(Object.keys(a)).toEqual(['a', 'b', 'c']);
    // reserve defaults: cpu 10, memory 10, bandwidth 10, storage 5
    expect(a.b).toEqual({ cpu: 30, memory: 40, bandwidth: 45, storage: 22.5 });
    expect(a.c).toEqual(a.b);
  });
});
