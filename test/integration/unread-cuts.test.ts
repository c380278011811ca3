/**
 * Auto mode does not walk a node down faster than the node's reports can show it. On the simulators' market (seed 19)
 * the engine used to cut a compute node's cpu ten points an hour for a day, and a storage node's bandwidth likewise on
 * another seed, each step planned on reports that could not yet show the step before: the node starved for days. Now a
 * cut of what a node is paid for is not followed by another cut of it until that node's own reports can show the
 * first (its lag and cadence, the resource settling, a window to read it in). Giving it back, or cutting another
 * node, stays free.
 */

import { describe, expect, it } from 'vitest';
import { createHighsSolver, runMonth } from '../../bench/lib/market-run.js';
import { resolveProfile } from '../../src/domain/profile.js';
import { type ProtocolType, RESOURCE_TIME_CONSTANT_MS, RESOURCES, type Resource } from '../../src/domain/resources.js';
import { simMarket } from '../../src/sim/market-module.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** When a node's reports can show a change of `resources` made at `at` (move-review.ts readAt, per node). */
function readableAt(name: string, resources: Resource[], at: number): number {
  const p = resolveProfile(name as ProtocolType, undefined, null);
  const settle = Math.max(0, ...resources.filter((r) => r !== 'storage').map((r) => RESOURCE_TIME_CONSTANT_MS[r]));
  return at + (p.lagMinutes + p.cadenceMinutes) * MINUTE + settle + Math.max(2 * HOUR, p.cadenceMinutes * MINUTE);
}

describe('a cut is read before the next', () => {
  it('never cuts what a node is paid for again while its last cut cannot be read yet', async () => {
    /** Per node and resource, until when its last cut cannot be read. */
    const unreadUntil = new Map<string, number>();
    const blind: string[] = [];
    let modelCuts = 0;
    const result = await runMonth({
      market: simMarket,
      seed: 19,
      strategy: 'lp',
      days: 14,
      sampleMinutes: 15,
      decideEverySamples: 2,
      solver: createHighsSolver(),
      onDecision: (d, { now }) => {
        if (d.status !== 'applied' || !d.plan || d.plan.rule !== undefined) return;
        const byNode = new Map<string, { from: Record<Resource, number>; to: Record<Resource, number> }>();
        for (const s of d.reallocation.steps) {
          const seen = byNode.get(s.protocol);
          byNode.set(s.protocol, { from: seen?.from ?? s.from, to: s.to });
        }
        for (const [name, { from, to }] of byNode) {
          const paid = resolveProfile(name as ProtocolType, undefined, null).paidOn;
          const moved = RESOURCES.filter((r) => Math.abs(to[r] - from[r]) > 1e-6);
          for (const r of paid) {
            const key = `${name}/${r}`;
            if (to[r] > from[r] + 1e-6) unreadUntil.delete(key);
            if (to[r] >= from[r] - 1e-6) continue;
            if (d.plan.strategy === 'lp' && !d.plan.exploration) {
              modelCuts++;
              if (now < (unreadUntil.get(key) ?? -Infinity)) blind.push(`${new Date(now).toISOString()} ${key} ${from[r]} -> ${to[r]}`);
            }
            unreadUntil.set(key, readableAt(name, moved, now));
          }
        }
      },
    });
    // The engine did act, and cut nodes it judged worth less.
    expect(result.reallocations).toBeGreaterThan(10);
    expect(modelCuts).toBeGreaterThan(5);
    expect(blind).toEqual([]);
  }, 120_000);
});
