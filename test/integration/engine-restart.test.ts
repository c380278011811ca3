/**
 * A restart does not make auto mode forget what it is doing: the moves it still has to judge and a tripped
 * do-no-harm guard live in the database (engine_state), so a new process continues them instead of starting afresh
 * (and, for a tripped guard, acting again at once).
 */

import { Value } from '@sinclair/typebox/value';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Snapshot } from '../../src/domain/sample.js';
import { createReallocationEngine } from '../../src/engine/reallocation/index.js';
import { type MoveReviewState, MoveReviewStateSchema } from '../../src/engine/reallocation/move-review.js';
import { createDryRunExecutor } from '../../src/executors/dry-run.executor.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { Store } from '../../src/store/types.js';
import { BEFORE, EVEN, fixedStrategy, host, NAMES } from '../helpers/reallocation-fixtures.js';
import { describeEachStore, reopenStore } from '../helpers/stores.js';

const log = silentLogger();
const HOUR = 3_600_000;
const config: Config = buildConfig(
  {
    protocols: NAMES.map((name) => ({ name, type: 'golem', endpoint: `http://127.0.0.1:9/${name}`, initialAllocation: BEFORE[name] })),
    reallocation: { mode: 'auto', maxPerHour: 4, minHoldMinutes: 60 },
  },
  {},
);

/** Proposes EVEN with a confident gain: the engine's memory, not the optimizer, is under test. */
const toEven = fixedStrategy(() => EVEN);

describeEachStore('the reallocation engine across a restart', (factory) => {
  let store: Store;
  let clock: VirtualClock;
  beforeEach(async () => {
    store = await factory.create();
    clock = new VirtualClock(Date.UTC(2026, 2, 1, 12));
  });
  afterEach(async () => {
    await store.close();
  });

  const engineOn = (s: Store, strategy = toEven) =>
    createReallocationEngine({
      repo: s.reallocations,
      executors: new Map(NAMES.map((n) => [n, createDryRunExecutor({ protocol: n, clock, initial: BEFORE[n] })])),
      strategy,
      clock,
      log,
      getConfig: () => config,
      getState: () => ({ snapshot: { time: clock.now(), totalUsdPerHour: 1, host, protocols: [] } satisfies Snapshot, health: { a: true, b: true, c: true, d: true } }),
      state: s.engineState,
    });

  it('an applied move is stored as under review, with when it can be judged, and a new process reads it back', async () => {
    const applied = await engineOn(store).decide({ trigger: 'loop' });
    expect(applied.status).toBe('applied');
    const doc = (await store.engineState.get('move-review')) as MoveReviewState;
    expect(Value.Check(MoveReviewStateSchema, doc)).toBe(true);
    expect(doc.moves).toHaveLength(1);
    expect(doc.moves[0]).toMatchObject({ id: applied.reallocation.id, verdict: 'pending', projected: 0.5, protocols: ['a', 'b', 'c', 'd'] });
    expect(doc.moves[0]?.readAt).toBeGreaterThan(clock.now());
    expect(doc.stable).toEqual(BEFORE);

    // The process stops; the database stays. A new one continues the same review.
    const reopened = await reopenStore(store);
    try {
      expect(await reopened.engineState.get('move-review')).toEqual(doc);
    } finally {
      await reopened.close();
    }
  });

  it('a guard that tripped before the restart keeps auto mode paused after it, saying why, until its time is up', async () => {
    const now = clock.now();
    const tripped: MoveReviewState = {
      version: 1,
      moves: [],
      stable: BEFORE,
      stableSince: now - HOUR,
      pausedUntil: now + 24 * HOUR,
      pauseReason: 'do-no-harm guard: over the last day auto mode earned 0.0400 USD less than holding the last stable allocation',
    };
    await store.engineState.put('move-review', tripped, now - HOUR);
    const engine = engineOn(store);
    const paused = await engine.decide({ trigger: 'loop' });
    expect(paused.status).toBe('skipped');
    expect(paused.code).toBe('guard_paused');
    expect(paused.reason).toContain('do-no-harm guard: over the last day auto mode earned 0.0400 USD less');
    expect(engine.current()).toEqual(BEFORE);

    await clock.advance(25 * HOUR);
    expect((await engine.decide({ trigger: 'loop' })).status).toBe('applied');
  });

  it('judged moves that delivered little of their projections make later plans shown and gated at that share, after a restart too', async () => {
    const now = clock.now();
    // A model plan projecting +20 %; judged moves each projected +0.5 USD/h and measured a gain of `gain`.
    const plan20 = fixedStrategy(() => EVEN, { improvementUsdPerHour: 0.2, improvementPercent: 20, projectedUsdPerHour: 1.2, explanations: { a: 'even split' } });
    const record = (count: number, gain: number): MoveReviewState => ({
      version: 1,
      moves: Array.from({ length: count }, (_, i) => ({
        id: `m${i}`,
        at: now - (40 - i) * HOUR,
        protocols: ['a'],
        before: { a: BEFORE.a },
        after: { a: BEFORE.a },
        projected: 0.5,
        probe: false,
        readAt: now - (30 - i) * HOUR,
        verdict: 'kept' as const,
        measured: { before: 1, after: 1 + gain, se: 0.01 },
      })),
      stable: BEFORE,
      stableSince: now - 40 * HOUR,
      pausedUntil: null,
      pauseReason: null,
    });
    // Five moves that delivered a tenth each: (4 + 5 x 0.1) / 9 = half of the model's +20 %, 10 %, over the 5 % gate.
    await store.engineState.put('move-review', record(5, 0.05), now);
    const decision = await engineOn(store, plan20).decide({ trigger: 'loop' });
    expect(decision.plan?.deliveredShare).toBeCloseTo(0.5, 4);
    expect(decision.plan?.improvementPercent).toBeCloseTo(10, 4);
    expect(decision.plan?.explanations.a).toMatch(/discounted to 50 %: what auto mode's judged moves delivered/);
    expect(decision.status).toBe('applied');

    // Twenty that delivered 4 % each: (4 + 20 x 0.04) / 24 = a fifth, 4 %: the same model plan stays below the gate,
    // read back from the database by a new process.
    await store.engineState.put('move-review', record(20, 0.02), now);
    const reopened = await reopenStore(store);
    try {
      const skipped = await engineOn(reopened, plan20).decide({ trigger: 'loop' });
      expect(skipped.plan?.deliveredShare).toBeCloseTo(0.2, 4);
      expect(skipped.status).toBe('skipped');
      expect(skipped.code).toBe('below_min_improvement');
    } finally {
      await reopened.close();
    }
  });

  it('a stored review that is not readable is ignored: the engine starts afresh instead of failing', async () => {
    await store.engineState.put('move-review', { version: 99, moves: 'nonsense' }, clock.now());
    expect((await engineOn(store).decide({ trigger: 'loop' })).status).toBe('applied');
  });
});
