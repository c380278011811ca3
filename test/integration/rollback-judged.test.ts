/**
 * Auto mode judges its rollbacks as it judges its moves. A market that falls all day makes any move look harmful;
 * rolling it back does not bring the money back, and the rollback's own measured loss says the fall was the market:
 * the move goes back, it stops counting against the record, and the engine is not frozen by a miss it did not make.
 * A market that falls only while the move is in force is the move's doing: the rollback recovers it and stays.
 */

import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import type { Allocation, ResourceShares } from '../../src/domain/resources.js';
import type { ProtocolSample, Snapshot } from '../../src/domain/sample.js';
import { createReallocationEngine } from '../../src/engine/reallocation/index.js';
import type { MoveReviewState } from '../../src/engine/reallocation/move-review.js';
import { createDryRunExecutor } from '../../src/executors/dry-run.executor.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createStore } from '../../src/store/index.js';
import { fixedStrategy, host } from '../helpers/reallocation-fixtures.js';

const HOUR = 3_600_000;
const STEP = 15 * 60_000;
const bw = (bandwidth: number): ResourceShares => ({ cpu: 10, memory: 10, bandwidth, storage: 0 });
const BEFORE: Allocation = { a: bw(20), b: bw(40) };
const MOVED: Allocation = { a: bw(40), b: bw(20) };
const NAMES = ['a', 'b'];

function sample(protocol: string, time: number, allocation: ResourceShares, usdPerHour: number): ProtocolSample {
  return {
    protocol,
    type: 'mysterium',
    time,
    connected: true,
    token: 'MYST',
    cumulativeTokens: null,
    earnedTokens: 0,
    earnedUsd: (usdPerHour * STEP) / HOUR,
    usdPerHour,
    payoutEvent: false,
    uptime: 1,
    cpuPercent: null,
    memoryBytes: null,
    bandwidthBytesPerSec: null,
    storageBytes: 0,
    allocation,
    latencyMs: 1,
  };
}

/**
 * Runs auto mode for `hours` over a market that pays each node `usd(node, hoursSinceStart, shares)`. The strategy
 * proposes MOVED once, after 8 hours of history, and nothing else: every later move is the review's.
 */
async function run(hours: number, usd: (node: string, h: number, shares: ResourceShares) => number) {
  const clock = new VirtualClock(Date.UTC(2026, 2, 1, 0));
  const start = clock.now();
  const store = await createStore({ sqlitePath: ':memory:' });
  const config = buildConfig(
    {
      // Nodes that report what they earn every 15 minutes, without delay: the story, not the lag, is under test.
      protocols: NAMES.map((name) => ({
        name,
        type: 'mysterium',
        endpoint: `http://127.0.0.1:9/${name}`,
        initialAllocation: BEFORE[name],
        profile: { cadenceMinutes: 15, lagMinutes: 0 },
      })),
      reallocation: { mode: 'auto', maxPerHour: 4, minHoldMinutes: 60 },
    },
    {},
  );
  let proposed = false;
  const strategy = fixedStrategy((current) => {
    if (proposed || clock.now() - start < 8 * HOUR) return current;
    proposed = true;
    return MOVED;
  });
  const snapshots: Snapshot[] = [];
  const engine = createReallocationEngine({
    repo: store.reallocations,
    executors: new Map(NAMES.map((n) => [n, createDryRunExecutor({ protocol: n, clock, initial: BEFORE[n] })])),
    strategy,
    clock,
    log: silentLogger(),
    getConfig: () => config,
    getState: () => ({ snapshot: snapshots.at(-1) ?? null, health: { a: true, b: true } }),
    history: () => snapshots,
    state: store.engineState,
  });
  try {
    for (let t = STEP; t <= hours * HOUR; t += STEP) {
      await clock.advance(STEP);
      const now = clock.now();
      const current = engine.current();
      const protocols = NAMES.map((n) => sample(n, now, current[n], usd(n, (now - start) / HOUR, current[n])));
      snapshots.push({ time: now, totalUsdPerHour: protocols.reduce((s, p) => s + p.usdPerHour, 0), host, protocols });
      if (t % (2 * STEP) === 0) await engine.decide({ trigger: 'loop' });
    }
    const applied = (await store.reallocations.list({ status: 'applied', limit: 20 })).reverse();
    const review = (await store.engineState.get('move-review')) as MoveReviewState;
    return { applied, review, current: engine.current() };
  } finally {
    await store.close();
  }
}

describe('auto mode judges its rollbacks too', () => {
  it('puts a move back when the market kept falling after its rollback, and stops counting it as a miss', async () => {
    // Both nodes lose 2 % of their pay an hour, whatever their shares.
    const falling = (_n: string, h: number) => Math.max(0.05, 1 - 0.02 * h);
    const { applied, review, current } = await run(30, falling);
    expect(applied.map((r) => r.strategy)).toEqual(['fixed', 'rollback', 'rollback']);
    // Each record says how it was judged: the move rolled back, its rollback measured a loss and put it back.
    expect(applied[0].reason).toMatch(/^judged: projected \+0\.5\d* USD\/h, measured -0\.\d+ USD\/h .*: rolled back$/);
    expect(applied[1].reason).toMatch(new RegExp(`^judged: projected \\+0\\.\\d+ USD/h, measured -0\\.\\d+ USD/h .*: the move it rolled back \\(${applied[0].id}\\) is put back$`));
    expect(applied[2].reason).toMatch(new RegExp(`^re-applied ${applied[0].id}: after its rollback \\(${applied[1].id}\\) earnings of .* fell`));
    expect(current).toEqual(MOVED);
    const verdicts = Object.fromEntries(review.moves.map((m) => [m.id, m.verdict]));
    expect(verdicts).toEqual({ [applied[0].id]: 'disputed', [applied[1].id]: 'harmful' });
  });

  it('keeps the rollback of a move that did lose money: earnings came back with the old shares', async () => {
    // Node a pays less with more bandwidth than it can use, and b loses what it gave up: the move itself is the loss.
    const pay = (n: string, _h: number, s: ResourceShares) => (n === 'a' ? (s.bandwidth > 30 ? 0.6 : 1) : s.bandwidth > 30 ? 1 : 0.8);
    const { applied, review, current } = await run(30, pay);
    expect(applied.map((r) => r.strategy)).toEqual(['fixed', 'rollback']);
    expect(current).toEqual(BEFORE);
    const verdicts = Object.fromEntries(review.moves.map((m) => [m.id, m.verdict]));
    expect(verdicts).toEqual({ [applied[0].id]: 'harmful', [applied[1].id]: 'kept' });
  });
});
