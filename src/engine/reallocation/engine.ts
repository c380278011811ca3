import { randomUUID } from 'node:crypto';
import type { Config } from '../../config/schema.js';
import type { Plan } from '../../domain/plan.js';
import type { Reallocation, ReallocationStep } from '../../domain/reallocation.js';
import { type Allocation, RESOURCES, zeroShares } from '../../domain/resources.js';
import type { HostResources, Snapshot } from '../../domain/sample.js';
import type { Executor } from '../../executors/types.js';
import type { Clock } from '../../lib/clock.js';
import { errorMessage, OrchaError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { EngineStateRepository, MetricsRepository, ReallocationsRepository } from '../../store/types.js';
import { cloneAllocation, initialAllocationFromConfig, overAllocated, planSteps } from './allocation-math.js';
import { checkGates } from './gates.js';
import { preflight } from './preflight.js';
import { buildOptimizerInput } from './optimizer-input.js';
import { measureEffects } from './effects.js';
import { correctiveTarget, emptyPlan, newReallocation, profilesOf, roundedKey, slotAllowance } from './engine-helpers.js';
import { createHoldReader, readableHolds } from './readable-holds.js';
import { createMoveReview, discountByRecord, judgment } from './move-review.js';
import type { OptimizerInput } from '../optimizer/types.js';
import { createRecovery } from './recovery.js';
import { createStepRunner } from './step-runner.js';
import type { BuildInput, DecideRequest, Decision, EngineState, PlanningStrategy, ReallocationEvent } from './types.js';

const REVIEW_KEY = 'move-review';

export interface ReallocationEngineDeps {
  repo: ReallocationsRepository;
  executors: Map<string, Executor>;
  strategy: PlanningStrategy;
  clock: Clock;
  log: Logger;
  getConfig: () => Config;
  getState: () => EngineState;
  /** Default: buildOptimizerInput from `metrics` (or `history`). */
  buildInput?: BuildInput;
  metrics?: MetricsRepository;
  history?: () => Snapshot[];
  onEvent?: (event: ReallocationEvent) => void;
  /** At start-up, an interrupted reallocation is rolled back (default) or finished. */
  recovery?: 'rollback' | 'finish';
  /** Hours the do-no-harm guard stops auto mode for when it trips (default 24). */
  guardPauseHours?: number;
  /** Where the moves under review and the guard's state survive a restart (the store's engine_state). */
  state?: EngineStateRepository;
  /** Hours of samples compared before and after a reallocation to measure its effect (default 1 h). */
  measureWindowMs?: number;
  newId?: () => string;
}

export interface ReallocationEngine {
  /** The allocation in force now (what the executors hold, as far as the engine knows). */
  current(): Allocation;
  /** The last plan computed (by analyze() or decide()). */
  lastPlan(): Plan | null;
  /** Compute a plan without deciding (the analyze loop, GET opportunities). */
  analyze(): Promise<Plan>;
  /** One decision: plan, checks, and (auto mode or a manual request) the steps. */
  decide(request: DecideRequest): Promise<Decision>;
  /**
   * Finish or roll back reallocations a previous process left in `applying`. Run once at start-up; without host
   * totals yet (no poll), it returns [] and runs before the next decision instead.
   */
  recover(host?: HostResources): Promise<Reallocation[]>;
  /** Replace the engine's view with what executors read back (for the resources they control). */
  syncFromExecutors(host?: HostResources): Promise<Allocation>;
  /** Fill measuredBefore/After for reallocations whose after-window is complete; returns how many. */
  measureEffects(): Promise<number>;
}

export function createReallocationEngine(deps: ReallocationEngineDeps): ReallocationEngine {
  const { repo, clock } = deps;
  const log = deps.log.child({ module: 'reallocation' });
  const newId = deps.newId ?? randomUUID;
  const buildInput: BuildInput = deps.buildInput ?? buildOptimizerInput;
  const measureWindowMs = deps.measureWindowMs ?? 3_600_000;
  const emit = (e: ReallocationEvent) => {
    try {
      deps.onEvent?.(e);
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'event listener failed');
    }
  };

  const current: Allocation = cloneAllocation(deps.getState().current ?? initialAllocationFromConfig(deps.getConfig()));
  let lastPlan: Plan | null = null;
  let lastInput: OptimizerInput | null = null;
  const holds = createHoldReader(repo);
  const review = createMoveReview({ pauseHours: deps.guardPauseHours ?? 24, now: () => clock.now(), current: () => cloneAllocation(current) });
  let lastLoopKey: string | null = null;
  let restored = false;
  let recoveryPending = false;
  /** Whether the executors have been read back once (needs host totals, so it happens at the first chance). */
  let synced = false;
  let queue: Promise<unknown> = Promise.resolve();
  /** One decision or recovery at a time: two reallocations interleaving their steps would corrupt both. */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const runner = createStepRunner({
    repo,
    executors: deps.executors,
    clock,
    log,
    stepTimeoutMs: () => deps.getConfig().reallocation.stepTimeout * 1000,
    onApplied: (protocol, shares) => {
      current[protocol] = { ...shares };
    },
  });
  const recovery = createRecovery({
    repo,
    runner,
    clock,
    log,
    mode: deps.recovery ?? 'rollback',
    emit,
    onApplied: (protocol, shares) => {
      current[protocol] = { ...shares };
    },
  });

  /** The moves under review and the guard, written after each change so that a restart continues them. */
  async function saveReview(): Promise<void> {
    if (!deps.state) return;
    try {
      await deps.state.put(REVIEW_KEY, review.state(), clock.now());
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'could not store the move review');
    }
  }

  /** A new process starts from what the last applied reallocation left, not from the config's initial shares. */
  async function restore(): Promise<void> {
    if (restored) return;
    restored = true;
    const saved = await deps.state?.get(REVIEW_KEY);
    if (saved && !review.restore(saved)) log.warn('the stored move review is not readable; judging starts afresh');
    const [last] = await repo.list({ status: 'applied', limit: 1 });
    if (!last) return;
    for (const [name, shares] of Object.entries(last.after)) if (current[name]) current[name] = { ...shares };
  }

  /** Follow config reloads: drop removed protocols, give new ones their initial shares (or none). */
  function reconcile(config: Config): void {
    const enabled = new Set(config.protocols.filter((p) => p.enabled).map((p) => p.name));
    for (const name of Object.keys(current)) if (!enabled.has(name)) delete current[name];
    for (const n of [...enabled].filter((x) => !current[x])) {
      current[n] = { ...(config.protocols.find((p) => p.name === n)?.initialAllocation ?? zeroShares()) };
      // A newcomer's initial shares must fit next to what the others hold; otherwise it starts empty.
      if (overAllocated(current, config.host.reserve).length > 0) current[n] = zeroShares();
    }
  }

  function hostOf(state: EngineState): HostResources | null {
    return state.host ?? state.snapshot?.host ?? null;
  }

  async function computePlan(config: Config, state: EngineState): Promise<Plan> {
    reconcile(config);
    const input = await buildInput({
      config,
      now: clock.now(),
      current: cloneAllocation(current),
      snapshot: state.snapshot,
      health: state.health,
      executors: deps.executors,
      metrics: deps.metrics,
      history: deps.history?.(),
    });
    input.heldForReading = await holds.heldForReading(input, clock.now());
    input.unreadCuts = review.unreadCuts(clock.now(), profilesOf(input));
    const plan = await deps.strategy.plan(input);
    lastInput = input;
    if (!plan.exploration && plan.rule === undefined) {
      const c = review.calibrate(plan.confidence);
      if (c.note && c.confidence < plan.confidence) {
        plan.confidence = Math.round(c.confidence * 1e4) / 1e4;
        for (const name of Object.keys(plan.explanations)) plan.explanations[name] += ` Confidence ${c.note}.`;
      }
      discountByRecord(plan, review.delivered());
    }
    lastPlan = plan;
    emit({ type: 'plan', plan });
    return plan;
  }

  /** Only what the config knows: a plan cannot invent protocols or drop ones it did not mention. */
  function targetOf(plan: Plan): Allocation {
    const target: Allocation = {};
    for (const name of Object.keys(current)) target[name] = { ...(plan.target[name] ?? current[name]) };
    return target;
  }

  const record = (plan: Plan, steps: ReallocationStep[], target: Allocation, req: DecideRequest): Reallocation =>
    newReallocation({ id: newId(), plan, steps, before: cloneAllocation(current), target, req, now: clock.now() });

  /** Writes a decision that applies nothing; repeated identical loop decisions are written once. */
  async function finishWithout(r: Reallocation, req: DecideRequest, key: string, plan: Plan | null, code: Decision['code']): Promise<Decision> {
    r.finishedAt = clock.now();
    const recorded = !(req.trigger === 'loop' && key === lastLoopKey);
    if (req.trigger === 'loop') lastLoopKey = key;
    if (recorded) {
      await repo.create(r);
      emit({ type: 'reallocation', reallocation: r });
    }
    return { status: r.status, reason: r.reason, code, reallocation: r, plan, recorded };
  }

  async function apply(r: Reallocation, host: HostResources, plan: Plan): Promise<Decision> {
    r.status = 'applying';
    await repo.create(r);
    emit({ type: 'reallocation', reallocation: structuredClone(r) });
    lastLoopKey = null;
    for (const step of r.steps) {
      try {
        await runner.runStep(r.id, step, host);
      } catch (err) {
        const cause = `step ${step.seq} (${step.protocol}) failed: ${errorMessage(err)}`;
        log.warn({ reallocation: r.id }, `${cause}; rolling back`);
        const undo = await runner.rollBack(r.id, r.steps, host);
        r.status = undo.length === 0 ? 'rolled_back' : 'failed';
        r.reason = undo.length === 0 ? `${cause}; rolled back` : `${cause}; ${undo.join('; ')}`;
        r.finishedAt = clock.now();
        await repo.update(r.id, { status: r.status, reason: r.reason, finishedAt: r.finishedAt });
        emit({ type: 'reallocation', reallocation: r });
        return { status: r.status, reason: r.reason, code: null, reallocation: r, plan, recorded: true };
      }
    }
    r.status = 'applied';
    r.finishedAt = clock.now();
    await repo.update(r.id, { status: 'applied', finishedAt: r.finishedAt });
    log.info({ reallocation: r.id, steps: r.steps.length, gain: plan.improvementUsdPerHour }, 'reallocation applied');
    emit({ type: 'reallocation', reallocation: r });
    return { status: 'applied', reason: null, code: null, reallocation: r, plan, recorded: true };
  }

  /** The executors are the truth about the world: take what they read back for the resources they control. */
  async function readBack(host: HostResources): Promise<void> {
    synced = true;
    reconcile(deps.getConfig());
    for (const name of Object.keys(current)) {
      const ex = deps.executors.get(name);
      const read = ex ? await ex.read(host).catch(() => null) : null;
      if (!ex || !read) continue;
      for (const res of ex.controls ?? RESOURCES) current[name][res] = read[res];
    }
  }

  /**
   * Recovery needs host totals (shares become limits through them). Before the first poll there are none: the
   * recovery waits, and no new reallocation starts until it has run.
   */
  async function recoverNow(hostArg?: HostResources): Promise<Reallocation[]> {
    await restore();
    const host = hostArg ?? hostOf(deps.getState());
    if (!host) {
      const interrupted = await repo.findInterrupted();
      recoveryPending = interrupted.length > 0;
      if (recoveryPending) log.warn({ count: interrupted.length }, 'interrupted reallocations wait for the first poll to be recovered');
      return [];
    }
    recoveryPending = false;
    const recovered = await recovery.recoverAll(host);
    if (!synced) await readBack(host);
    return recovered;
  }

  async function decideNow(req: DecideRequest): Promise<Decision> {
    await restore();
    if (recoveryPending) await recoverNow();
    const config = deps.getConfig();
    const state = deps.getState();
    if (!synced && !recoveryPending && hostOf(state)) await readBack(hostOf(state) as HostResources);
    if (!recoveryPending) {
      const corrective = await reviewMoves(config, state, req);
      if (corrective) return corrective;
    }
    let plan: Plan;
    try {
      plan = await computePlan(config, state);
    } catch (err) {
      const r = record(emptyPlan(current, clock.now()), [], cloneAllocation(current), req);
      r.status = 'skipped';
      r.reason = `planning_failed: ${errorMessage(err)}`;
      return finishWithout(r, req, 'skipped:planning_failed', null, 'planning_failed');
    }
    const target = targetOf(plan);
    const steps = planSteps(current, target);
    const r = record(plan, steps, target, req);
    const now = clock.now();
    const [appliedLastHour, lastChange] = await Promise.all([repo.countAppliedSince(now - 3_600_000), repo.lastChangeByProtocol()]);
    const holdMs = plan.exploration ? readableHolds(lastInput, plan) : undefined;
    const lastReadableChange = holdMs ? await holds.earningChangesWithin(now, holdMs, lastChange, profilesOf(lastInput)) : undefined;
    const host = hostOf(state);
    const skip =
      (recoveryPending
        ? { code: 'no_host' as const, reason: 'no_host: an interrupted reallocation waits for host totals to be recovered' }
        : null) ??
      checkGates({ plan, steps, config, now, appliedLastHour, lastChange, holdMs, lastReadableChange, stepAllowance: slotAllowance(lastInput) }) ??
      (host ? null : { code: 'no_host' as const, reason: 'no_host: no host totals yet (waiting for the first poll)' }) ??
      (await preflight(config, state, deps.executors, target, steps));
    if (skip) {
      r.status = 'skipped';
      r.reason = skip.reason;
      // The strategy is part of the key: a decision on another plan (each plan of a control plane is named) is new.
      const decision = await finishWithout(r, req, `skipped:${skip.code}:${plan.strategy}`, plan, skip.code);
      if (skip.code === 'hold_not_passed' && req.trigger === 'manual' && !req.dryRun) {
        throw new OrchaError('ORCHA_ERR_HOLD_NOT_PASSED', skip.reason.replace(/^hold_not_passed: /, ''), { reallocationId: r.id });
      }
      return decision;
    }
    const paused = req.trigger === 'loop' && config.reallocation.mode === 'auto' ? review.paused(now) : null;
    if (paused && !req.dryRun) {
      r.status = 'skipped';
      r.reason = `guard_paused: ${paused}`;
      return finishWithout(r, req, 'skipped:guard_paused', plan, 'guard_paused');
    }
    if (req.dryRun) {
      r.reason = `dry_run: all checks passed; ${steps.length} step(s) would be applied`;
      return finishWithout(r, req, `planned:${JSON.stringify(target)}`, plan, null);
    }
    // Advisory mode shows what auto would do; an operator's explicit request is applied in either mode.
    if (req.trigger === 'loop' && config.reallocation.mode === 'advisory') {
      r.status = 'advisory';
      r.reason = `advisory: reallocation.mode is advisory; ${steps.length} step(s) not applied`;
      return finishWithout(r, req, `advisory:${roundedKey(target)}:${plan.strategy}`, plan, null);
    }
    const applied = await apply(r, host as HostResources, plan);
    if (applied.status === 'applied') {
      review.record(plan, r.id, r.before, r.after, profilesOf(lastInput), clock.now());
      await saveReview();
    }
    return applied;
  }

  /**
   * Auto mode reviews its own moves before deciding: a move judged harmful is rolled back, and the do-no-harm guard
   * returns to the last stable allocation and pauses. Returns the corrective decision, if one was needed.
   */
  async function reviewMoves(config: Config, state: EngineState, req: DecideRequest): Promise<Decision | null> {
    if (config.reallocation.mode !== 'auto' || req.trigger !== 'loop' || req.dryRun || !lastInput) return null;
    const now = clock.now();
    const action = review.review(lastInput, now);
    for (const m of action.judged) {
      const measured = m.measured;
      await repo.update(m.id, { reason: judgment(m), ...(measured ? { measuredBeforeUsdPerHour: measured.before, measuredAfterUsdPerHour: measured.after } : {}) });
    }
    if (action.judged.length > 0 || action.trip) await saveReview();
    const fix = action.rollback ?? action.trip;
    const host = hostOf(state);
    if (!fix || !host) return null;
    const target = correctiveTarget(current, fix.shares, profilesOf(lastInput), action.trip !== undefined);
    if (overAllocated(target, config.host.reserve).length > 0) return null;
    const steps = planSteps(current, target);
    if (action.trip) emit({ type: 'guard', state: 'tripped', reason: action.trip.reason, at: now });
    if (steps.length === 0) return null;
    const plan = { ...emptyPlan(cloneAllocation(current), now), strategy: action.trip ? 'guard' : 'rollback', target, rule: fix.reason };
    const r = record(plan, steps, target, req);
    r.reason = fix.reason;
    log.warn({ reallocation: r.id }, fix.reason);
    const applied = await apply(r, host, plan);
    // A rollback is judged in turn (once: putting a move back after its rollback lost money is not judged again).
    if (applied.status === 'applied' && action.rollback && !action.rollback.move.undoes) {
      review.recordRollback(action.rollback.move, r.id, r.before, r.after, profilesOf(lastInput), clock.now());
      await saveReview();
    }
    return applied;
  }

  return {
    current: () => cloneAllocation(current),
    lastPlan: () => lastPlan,
    analyze: async () => {
      await restore();
      return computePlan(deps.getConfig(), deps.getState());
    },
    decide: (req) => exclusive(() => decideNow(req)),
    recover: (hostArg) => exclusive(() => recoverNow(hostArg)),
    syncFromExecutors: (hostArg) =>
      exclusive(async () => {
        await restore();
        const host = hostArg ?? hostOf(deps.getState());
        if (!host) throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', 'no host totals yet to read executors back');
        await readBack(host);
        return cloneAllocation(current);
      }),
    measureEffects: () => (deps.metrics ? measureEffects({ repo, metrics: deps.metrics, now: clock.now(), windowMs: measureWindowMs }) : Promise.resolve(0)),
  };
}
