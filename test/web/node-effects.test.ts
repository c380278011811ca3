/** Which reallocations a node page lists, and the node's own earnings before and after (web/src/views/node/effects.ts). */
import { describe, expect, it } from 'vitest';
import type { Reallocation } from '../../web/src/server-types.js';
import { nodeEffects } from '../../web/src/views/node/node-effects.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T12:00:00Z');
const shares = (cpu: number, storage = 10) => ({ cpu, memory: 10, bandwidth: 10, storage });

function realloc(id: string, over: Partial<Reallocation> = {}): Reallocation {
  return {
    id,
    status: 'applied',
    reason: null,
    trigger: 'loop',
    dryRun: false,
    exploration: false,
    strategy: 'greedy',
    before: { storj: shares(20), golem: shares(30) },
    after: { storj: shares(25), golem: shares(30) },
    projectedImprovementUsdPerHour: 0.01,
    confidence: 0.7,
    steps: [],
    measuredBeforeUsdPerHour: null,
    measuredAfterUsdPerHour: null,
    createdAt: new Date(T0).toISOString(),
    finishedAt: new Date(T0 + 60_000).toISOString(),
    ...over,
  };
}

describe('nodeEffects', () => {
  it('lists what moved this node\'s shares, newest first, leaving out dry runs and untouched nodes', () => {
    const list = [
      realloc('old', { createdAt: new Date(T0 - 5 * HOUR).toISOString(), finishedAt: null }),
      realloc('dry', { dryRun: true }),
      realloc('new', { createdAt: new Date(T0 + HOUR).toISOString(), finishedAt: null }),
    ];
    expect(nodeEffects(list, 'storj', []).map((e) => e.reallocation.id)).toEqual(['new', 'old']);
    expect(nodeEffects(list, 'golem', [])).toEqual([]);
    expect(nodeEffects(list, 'storj', [])[0]!.changes).toEqual([{ resource: 'cpu', before: 20, after: 25 }]);
  });

  it('shows the node\'s own part of the projected change, and says so when the decision did not record it', () => {
    const split = realloc('split', { projectedImprovementUsdPerHour: 0.01, projectedDeltas: { storj: 0.012, golem: -0.002 } });
    expect(nodeEffects([split], 'storj', [])[0]!.projected).toBe(0.012);
    expect(nodeEffects([realloc('old')], 'storj', [])[0]!.projected).toBeNull();
  });

  it('counts a step on the node as touching it even when the shares end where they began (rolled back)', () => {
    const step = { seq: 0, protocol: 'golem', from: shares(30), to: shares(35), status: 'rolled_back' as const, error: 'boom', appliedAt: null };
    const [effect] = nodeEffects([realloc('rb', { status: 'rolled_back', steps: [step] })], 'golem', []);
    expect(effect!.changes).toEqual([]);
  });

  it('averages the node\'s earnings over the hour before the change and the hour after it finished, skipping gaps', () => {
    const points = [
      { time: T0 - 2 * HOUR, usdPerHour: 9 }, // outside both windows
      { time: T0 - 30 * 60_000, usdPerHour: 1 },
      { time: T0 - 10 * 60_000, usdPerHour: 3 },
      { time: T0 + 30_000, usdPerHour: 100 }, // between start and finish: neither
      { time: T0 + 2 * 60_000, usdPerHour: 4 },
      { time: T0 + 20 * 60_000, usdPerHour: null }, // a disconnected bucket is a gap, not $0
      { time: T0 + 40 * 60_000, usdPerHour: 6 },
    ];
    const [effect] = nodeEffects([realloc('r')], 'storj', points);
    expect(effect!.nodeBefore).toBe(2);
    expect(effect!.nodeAfter).toBe(5);
    expect(nodeEffects([realloc('r')], 'storj', [])[0]!.nodeBefore).toBeNull();
  });
});
