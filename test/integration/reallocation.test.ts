import Docker from 'dockerode';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { buildConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Reallocation } from '../../src/domain/reallocation.js';
import type { Allocation } from '../../src/domain/resources.js';
import type { Snapshot } from '../../src/domain/sample.js';
import { createReallocationEngine, type PlanningStrategy } from '../../src/engine/reallocation/index.js';
import { createDockerExecutor, sharesToDockerLimits } from '../../src/executors/docker.executor.js';
import { createDryRunExecutor } from '../../src/executors/dry-run.executor.js';
import type { Executor } from '../../src/executors/types.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { isOrchaError } from '../../src/lib/errors.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { Store } from '../../src/store/types.js';
import { type FakeDocker, startFakeDocker } from '../helpers/fake-docker.js';
import { BEFORE, EVEN, fixedStrategy, host, NAMES, sh } from '../helpers/reallocation-fixtures.js';
import { describeEachStore } from '../helpers/stores.js';

const log = silentLogger();
function makeConfig(over: Record<string, unknown> = {}): Config {
  return buildConfig(
    {
      protocols: NAMES.map((name) => ({ name, type: 'golem', endpoint: `http://127.0.0.1:9/${name}`, initialAllocation: BEFORE[name] })),
      reallocation: { mode: 'auto', maxPerHour: 4, minHoldMinutes: 60 },
      ...over,
    },
    {},
  );
}

const snapshot = (time: number): Snapshot => ({ time, totalUsdPerHour: 1, host, protocols: [] });
const healthy = Object.fromEntries(NAMES.map((n) => [n, true]));

describeEachStore('reallocation engine against executors on a fake Docker API', (factory) => {
  let store: Store;
  let fake: FakeDocker;
  let clock: VirtualClock;
  let executors: Map<string, Executor>;

  beforeEach(async () => {
    store = await factory.create();
    fake = await startFakeDocker({ cpuCount: 4 });
    clock = new VirtualClock(Date.UTC(2026, 2, 1, 12));
    const docker = new Docker({ socketPath: fake.socketPath });
    executors = new Map();
    for (const n of NAMES) {
      fake.addContainer(n, sharesToDockerLimits(BEFORE[n], host));
      executors.set(n, createDockerExecutor({ protocol: n, container: n, docker, restartOnChange: false, log }));
    }
  });
  afterEach(async () => {
    await fake.close();
    await store.close();
  });

  const limits = () => NAMES.map((n) => ({ ...fake.containers.get(n), restarts: 0, startedAt: '' }));
  const engineWith = (config: Config, strategy: PlanningStrategy, recovery?: 'rollback' | 'finish') =>
    createReallocationEngine({
      repo: store.reallocations,
      executors,
      strategy,
      clock,
      log,
      getConfig: () => config,
      getState: () => ({ snapshot: snapshot(clock.now()), health: healthy }),
      recovery,
    });

  it('applies four verified steps, decreases before increases, one protocol at a time', async () => {
    const engine = engineWith(makeConfig(), fixedStrategy(() => EVEN));
    const d = await engine.decide({ trigger: 'loop' });
    expect(d.status).toBe('applied');
    expect(d.reallocation.steps.map((s) => s.protocol)).toEqual(['a', 'b', 'c', 'd']);
    const updates = fake.calls.filter((c) => c.path.endsWith('/update')).map((c) => c.path);
    expect(updates).toEqual(['/containers/a/update', '/containers/b/update', '/containers/c/update', '/containers/d/update']);
    for (const n of NAMES) expect(fake.containers.get(n)?.NanoCpus).toBe(0.8e9);
    expect(engine.current()).toEqual(EVEN);
    const stored = await store.reallocations.get(d.reallocation.id);
    expect(stored?.status).toBe('applied');
    expect(stored?.steps.every((s) => s.status === 'applied' && s.appliedAt !== null)).toBe(true);
  });

  it('a third of four steps failing leaves every container exactly as before, recorded as rolled_back with the error', async () => {
    const before = limits();
    const engine = engineWith(makeConfig(), fixedStrategy(() => EVEN));
    fake.failOn(/^POST \/containers\/c\/update$/, { status: 500, message: 'cgroup write failed' });
    const d = await engine.decide({ trigger: 'loop' });
    expect(d.status).toBe('rolled_back');
    expect(limits()).toEqual(before);
    expect(engine.current()).toEqual(BEFORE);
    const stored = (await store.reallocations.get(d.reallocation.id)) as Reallocation;
    expect(stored.status).toBe('rolled_back');
    expect(stored.reason).toContain('step 2 (c) failed');
    expect(stored.reason).toContain('cgroup write failed');
    expect(stored.steps.map((s) => s.status)).toEqual(['rolled_back', 'rolled_back', 'failed', 'pending']);
    expect(stored.steps[2].error).toContain('cgroup write failed');
    // Undo runs in reverse: b, then a, after the three forward attempts.
    const updates = fake.calls.filter((c) => c.path.endsWith('/update')).map((c) => `${c.path.split('/')[2]}:${c.status}`);
    expect(updates).toEqual(['a:200', 'b:200', 'c:500', 'b:200', 'a:200']);
    // A rolled-back reallocation neither counts against the rate limit nor starts a hold.
    expect(await store.reallocations.countAppliedSince(0)).toBe(0);
    expect(await store.reallocations.lastChangeByProtocol()).toEqual({});
  });

  it('recovers a reallocation a crash left in applying: rolls back the applied and the in-flight step', async () => {
    const before = limits();
    const t0 = clock.now();
    // The journal as a killed process leaves it: step 0 applied, step 1 started (and reached Docker), 2-3 not begun.
    const steps = [
      { seq: 0, protocol: 'a', from: BEFORE.a, to: EVEN.a, status: 'applied' as const, error: null, appliedAt: t0 },
      { seq: 1, protocol: 'b', from: BEFORE.b, to: EVEN.b, status: 'pending' as const, error: null, appliedAt: t0 },
      { seq: 2, protocol: 'c', from: BEFORE.c, to: EVEN.c, status: 'pending' as const, error: null, appliedAt: null },
      { seq: 3, protocol: 'd', from: BEFORE.d, to: EVEN.d, status: 'pending' as const, error: null, appliedAt: null },
    ];
    await store.reallocations.create(interrupted('r1', t0, steps));
    Object.assign(fake.containers.get('a') as object, sharesToDockerLimits(EVEN.a, host));
    Object.assign(fake.containers.get('b') as object, sharesToDockerLimits(EVEN.b, host));

    const engine = engineWith(makeConfig(), fixedStrategy(() => EVEN));
    const recovered = await engine.recover();
    expect(recovered.map((r) => r.status)).toEqual(['rolled_back']);
    expect(recovered[0].reason).toContain('interrupted before step 1 (b) completed');
    expect(limits()).toEqual(before);
    const stored = (await store.reallocations.get('r1')) as Reallocation;
    expect(stored.steps.map((s) => s.status)).toEqual(['rolled_back', 'rolled_back', 'pending', 'pending']);
    expect(await store.reallocations.findInterrupted()).toEqual([]);
    // c and d were never touched by the recovery.
    expect(fake.calls.filter((c) => /\/containers\/[cd]\/update/.test(c.path))).toEqual([]);
  });

  it('recovery in finish mode completes the interrupted reallocation', async () => {
    const t0 = clock.now();
    const steps = NAMES.map((n, seq) => ({
      seq,
      protocol: n,
      from: BEFORE[n],
      to: EVEN[n],
      status: seq === 0 ? ('applied' as const) : ('pending' as const),
      error: null,
      appliedAt: seq === 0 ? t0 : null,
    }));
    await store.reallocations.create(interrupted('r2', t0, steps));
    Object.assign(fake.containers.get('a') as object, sharesToDockerLimits(EVEN.a, host));
    const engine = engineWith(makeConfig(), fixedStrategy(() => EVEN), 'finish');
    const [r] = await engine.recover();
    expect(r.status).toBe('applied');
    for (const n of NAMES) expect(fake.containers.get(n)?.Memory).toBe(sharesToDockerLimits(EVEN[n], host).Memory);
    expect(engine.current()).toEqual(EVEN);
  });

  it('before the first poll, recovery waits and runs ahead of the next decision', async () => {
    const before = limits();
    const t0 = clock.now();
    const steps = NAMES.map((n, seq) => ({
      seq,
      protocol: n,
      from: BEFORE[n],
      to: EVEN[n],
      status: seq === 0 ? ('applied' as const) : ('pending' as const),
      error: null,
      appliedAt: seq === 0 ? t0 : null,
    }));
    await store.reallocations.create(interrupted('r3', t0, steps));
    Object.assign(fake.containers.get('a') as object, sharesToDockerLimits(EVEN.a, host));
    let polled = false;
    const config = makeConfig();
    const engine = createReallocationEngine({
      repo: store.reallocations,
      executors,
      strategy: fixedStrategy((current) => current),
      clock,
      log,
      getConfig: () => config,
      getState: () => ({ snapshot: polled ? snapshot(clock.now()) : null, health: healthy }),
    });
    expect(await engine.recover()).toEqual([]);
    expect((await store.reallocations.get('r3'))?.status).toBe('applying');
    polled = true;
    const d = await engine.decide({ trigger: 'loop' });
    expect(d.code).toBe('no_change');
    expect((await store.reallocations.get('r3'))?.status).toBe('rolled_back');
    expect(limits()).toEqual(before);
  });

  it('measures the effect of an applied reallocation once the hour after it is in', async () => {
    const engine = createReallocationEngine({
      repo: store.reallocations,
      executors,
      strategy: fixedStrategy(() => EVEN),
      clock,
      log,
      getConfig: () => makeConfig(),
      getState: () => ({ snapshot: snapshot(clock.now()), health: healthy }),
      metrics: store.metrics,
    });
    const t0 = clock.now();
    const points: Snapshot[] = [];
    for (let t = t0 - 3_600_000; t < t0 + 2 * 3_600_000; t += 60_000) points.push({ ...snapshot(t), totalUsdPerHour: t < t0 ? 1 : 1.4 });
    await store.metrics.insertSnapshots(points);
    const d = await engine.decide({ trigger: 'loop' });
    expect(d.status).toBe('applied');
    expect(await engine.measureEffects()).toBe(0); // the hour after is not over yet
    await clock.advance(61 * 60_000);
    expect(await engine.measureEffects()).toBe(1);
    const r = await store.reallocations.get(d.reallocation.id);
    expect(r?.measuredBeforeUsdPerHour).toBeCloseTo(1, 6);
    expect(r?.measuredAfterUsdPerHour).toBeCloseTo(1.4, 6);
  });

  it('advisory mode records the plan and applies nothing; a repeated identical loop decision is written once', async () => {
    const engine = engineWith(makeConfig({ reallocation: { mode: 'advisory' } }), fixedStrategy(() => EVEN));
    const first = await engine.decide({ trigger: 'loop' });
    expect(first.status).toBe('advisory');
    expect(first.recorded).toBe(true);
    await clock.advance(60_000);
    const second = await engine.decide({ trigger: 'loop' });
    expect(second.status).toBe('advisory');
    expect(second.recorded).toBe(false);
    expect(fake.calls.filter((c) => c.path.endsWith('/update'))).toEqual([]);
    expect(engine.current()).toEqual(BEFORE);
    const all = await store.reallocations.list();
    expect(all.map((r) => r.status)).toEqual(['advisory']);
    expect(all[0].after).toEqual(EVEN);
  });

  it('a dry run passes every check, records the plan, and applies nothing', async () => {
    const engine = engineWith(makeConfig(), fixedStrategy(() => EVEN));
    const d = await engine.decide({ trigger: 'manual', dryRun: true });
    expect(d.status).toBe('planned');
    expect(d.reallocation.dryRun).toBe(true);
    expect(d.reason).toMatch(/dry_run: all checks passed; 4 step/);
    expect(fake.calls.filter((c) => c.path.endsWith('/update'))).toEqual([]);
  });

  it('pre-flight refuses to touch an unhealthy protocol or an unreachable executor', async () => {
    const config = makeConfig();
    const engine = createReallocationEngine({
      repo: store.reallocations,
      executors,
      strategy: fixedStrategy(() => EVEN),
      clock,
      log,
      getConfig: () => config,
      getState: () => ({ snapshot: snapshot(clock.now()), health: { ...healthy, c: false } }),
    });
    fake.failOn(/^GET \/containers\/d\/json$/, { status: 404, message: 'No such container: d' });
    const d = await engine.decide({ trigger: 'loop' });
    expect(d.status).toBe('skipped');
    expect(d.code).toBe('preflight_failed');
    expect(d.reason).toContain('c is not healthy');
    expect(d.reason).toContain('executor of d does not answer');
    expect(fake.calls.filter((c) => c.path.endsWith('/update'))).toEqual([]);
  });
});

function interrupted(id: string, t0: number, steps: Reallocation['steps']): Reallocation {
  return {
    id,
    status: 'applying',
    reason: null,
    trigger: 'loop',
    dryRun: false,
    exploration: false,
    strategy: 'fixed',
    before: BEFORE,
    after: EVEN,
    projectedImprovementUsdPerHour: 0.5,
    confidence: 0.9,
    steps,
    measuredBeforeUsdPerHour: null,
    measuredAfterUsdPerHour: null,
    createdAt: t0,
    finishedAt: null,
  };
}

describeEachStore('reallocation decision rules', (factory) => {
  let store: Store;
  let clock: VirtualClock;
  /** One world per test: engines created in a test (a restarted process) see what earlier ones applied. */
  let executors: Map<string, Executor>;
  beforeEach(async () => {
    store = await factory.create();
    clock = new VirtualClock(Date.UTC(2026, 2, 1, 12));
    executors = new Map(NAMES.map((n) => [n, createDryRunExecutor({ protocol: n, clock, initial: BEFORE[n] })]));
  });
  afterEach(async () => {
    await store.close();
  });

  const engineWith = (config: Config, strategy: PlanningStrategy) =>
    createReallocationEngine({
      repo: store.reallocations,
      executors,
      strategy,
      clock,
      log,
      getConfig: () => config,
      getState: () => ({ snapshot: snapshot(clock.now()), health: healthy }),
    });

  it('takes the allocation the executors read back over the configured initial shares', async () => {
    await executors.get('a')?.apply(sh(12, 14), host);
    const engine = engineWith(makeConfig(), fixedStrategy((current) => current));
    expect(engine.current().a).toEqual(BEFORE.a);
    expect((await engine.decide({ trigger: 'loop' })).code).toBe('no_change');
    expect(engine.current()).toEqual({ ...BEFORE, a: sh(12, 14) });
  });

  it('the fifth reallocation within an hour is skipped with the reason', async () => {
    // Alternate between two allocations, 10 minutes apart, with no hold so only the rate limit can stop it.
    const engine = engineWith(
      makeConfig({ reallocation: { mode: 'auto', maxPerHour: 4, minHoldMinutes: 0 } }),
      fixedStrategy((current) => (current.a.cpu === 30 ? EVEN : BEFORE)),
    );
    const statuses: string[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await engine.decide({ trigger: 'loop' })).status);
      await clock.advance(10 * 60_000);
    }
    expect(statuses).toEqual(['applied', 'applied', 'applied', 'applied', 'skipped']);
    const [last] = await store.reallocations.list({ limit: 1 });
    expect(last.status).toBe('skipped');
    expect(last.reason).toBe('rate_limited: 4 reallocations in the last hour (reallocation.maxPerHour 4)');
    // An hour after the first, the window has room again.
    await clock.advance(15 * 60_000);
    expect((await engine.decide({ trigger: 'loop' })).status).toBe('applied');
  });

  it('a protocol changed ten minutes ago is not touched; a manual request says 409 hold not passed', async () => {
    const config = makeConfig();
    const onlyAB: Allocation = { ...BEFORE, a: sh(25, 30), b: sh(35, 30) };
    const engine = engineWith(config, fixedStrategy(() => onlyAB));
    expect((await engine.decide({ trigger: 'loop' })).status).toBe('applied');
    await clock.advance(10 * 60_000);
    const engine2 = engineWith(config, fixedStrategy(() => ({ ...onlyAB, a: sh(20, 30), c: sh(15, 10) })));
    const skip = await engine2.decide({ trigger: 'loop' });
    expect(skip.status).toBe('skipped');
    expect(skip.code).toBe('hold_not_passed');
    expect(skip.reason).toBe('hold_not_passed: a changed 10 min ago (reallocation.minHoldMinutes 60)');
    const err = await engine2.decide({ trigger: 'manual' }).catch((e) => e);
    expect(isOrchaError(err, 'ORCHA_ERR_HOLD_NOT_PASSED')).toBe(true);
    expect(err.status).toBe(409);
    // Untouched protocols are free: a plan that only moves c and d goes through.
    const engine3 = engineWith(config, fixedStrategy((current) => ({ ...current, c: sh(15, 10), d: sh(5, 10) })));
    expect((await engine3.decide({ trigger: 'loop' })).status).toBe('applied');
  });

  it('skips plans under the improvement or confidence thresholds, and in excluded hours', async () => {
    const small = engineWith(makeConfig(), fixedStrategy(() => EVEN, { improvementPercent: 2, improvementUsdPerHour: 0.02 }));
    const d1 = await small.decide({ trigger: 'loop' });
    expect(d1.code).toBe('below_min_improvement');
    const unsure = engineWith(makeConfig(), fixedStrategy(() => EVEN, { confidence: 0.5 }));
    const d2 = await unsure.decide({ trigger: 'manual' });
    expect(d2.reason).toBe('low_confidence: confidence 0.5 is under optimizer.minConfidence 0.7');
    const night = engineWith(
      makeConfig({ policies: [{ name: 'quiet', excludedHours: [12] }] }),
      fixedStrategy(() => EVEN),
    );
    const d3 = await night.decide({ trigger: 'loop' });
    expect(d3.reason).toBe('excluded_hour: policy quiet excludes 12:00 UTC');
    const recorded = await store.reallocations.list();
    expect(recorded.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped']);
  });

  it('refuses a plan that over-allocates a resource', async () => {
    const greedy = engineWith(makeConfig(), fixedStrategy(() => ({ ...EVEN, a: sh(40, 20) })));
    const d = await greedy.decide({ trigger: 'loop' });
    expect(d.code).toBe('preflight_failed');
    expect(d.reason).toContain('cpu would be 110.00 % with the host reserve');
  });
});
