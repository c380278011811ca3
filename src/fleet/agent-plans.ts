/**
 * The agent's side of decisions per host. The control plane plans; the agent's own reallocation engine applies,
 * through the strategy below: each plan from the control plane is offered to the engine once, where the usual
 * gates, journal, step runner and rollback decide and act locally (a plan counts as used once a decision on it is
 * journaled; the analyze loop may read it before without using it up). Without a fresh plan the engine holds. A plan
 * under a lower fence than one already seen (a replica that lost the host's lease) is ignored.
 *
 * What became of each plan (the local reallocation's final status) is kept in the spool and reported when the
 * control plane can be reached: an agent that loses it mid-reallocation finishes or rolls back on its own and
 * reports later. Its measured effect (earnings before and after, which the engine fills in once the after-window has
 * passed) is reported again with the outcome then; a control plane older than that refuses the fields, and is then
 * sent outcomes without them.
 */
import type { Plan } from '../domain/plan.js';
import type { Reallocation } from '../domain/reallocation.js';
import { emptyPlan } from '../engine/reallocation/engine-helpers.js';
import type { PlanningStrategy } from '../engine/reallocation/types.js';
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { PlanningContext } from './planning-context.js';
import type { Spool } from './spool.js';

/** The strategy name of a control-plane plan as the engine records it: `control-plane:<plan id>`. */
export const REMOTE_STRATEGY = 'control-plane';
const FINAL = new Set(['applied', 'skipped', 'failed', 'rolled_back', 'advisory']);

export interface RemotePlan {
  id: string;
  fence: number;
  createdAt: number;
  plan: Plan;
}

/** An operator's explicit request (POST reallocate?host=NAME on the control plane): decide on its plan now. */
export interface RemoteRequest extends RemotePlan {
  dryRun: boolean;
  operationId: string;
}

export interface AgentPlans {
  /** The engine's strategy on an agent (the configured one is not used: decisions are the control plane's). */
  strategy: PlanningStrategy;
  /** Send the planning settings, take the latest plan; false when the control plane could not be reached. */
  exchange(planning: PlanningContext, signal?: AbortSignal): Promise<boolean>;
  /** Keep the outcome of a reallocation that came from a control-plane plan. */
  onReallocation(r: Reallocation): void;
  /** Queue the measured effect of applied control-plane reallocations (recent ones from the local journal), once each. */
  queueEffects(recent: Reallocation[]): void;
  /**
   * Decide on the operator's request taken with the last exchange, if any, like a local manual request (`decide`
   * runs the engine: gates, journal, rollback; applied even in advisory mode, never on a dry run); its outcome is kept.
   */
  runRequest(decide: (dryRun: boolean) => Promise<Reallocation>): Promise<void>;
  /** Report kept outcomes; returns how many the control plane took. */
  deliverOutcomes(signal?: AbortSignal): Promise<number>;
}

/** An outcome as older control planes take it (their outcome schema is closed). */
function withoutEffect(outcome: unknown): unknown {
  const { measuredBeforeUsdPerHour: _b, measuredAfterUsdPerHour: _a, ...rest } = outcome as Record<string, unknown>;
  return rest;
}

/** The plan a reallocation applied, or null when it did not come from the control plane. */
const planIdOf = (r: Reallocation): string | null => (r.strategy.startsWith(`${REMOTE_STRATEGY}:`) ? r.strategy.slice(REMOTE_STRATEGY.length + 1) : null);

const outcomeOf = (planId: string, r: Reallocation) => ({ planId, status: r.status, reason: r.reason, reallocationId: r.id, at: r.finishedAt ?? r.createdAt });

export function createAgentPlans(options: {
  server: string;
  key: string;
  spool: Spool;
  clock: Clock;
  log: Logger;
  /** A plan older than this (by the agent's clock, from when it was fetched) is not applied (default 10 min). */
  maxAgeMs?: number;
  timeoutMs?: number;
}): AgentPlans {
  const base = `${options.server.replace(/\/+$/, '')}/api/v1/agent`;
  const maxAge = options.maxAgeMs ?? 600_000;
  let offered: { remote: RemotePlan; fetchedAt: number } | null = null;
  // An operator's request waiting for runRequest, and the one the engine decides on while it runs.
  let requested: RemoteRequest | null = null;
  let manual: RemoteRequest | null = null;
  const used = new Set<string>();
  let highestFence = 0;
  let unsupported = false;
  // A control plane older than this agent refuses the optimizer settings and mode (its planning schema is closed):
  // stop sending them then; it plans with its own.
  let sendOptimizer = true;
  // Likewise an older control plane refuses an outcome's measured effect: then outcomes go without it.
  let sendEffects = true;

  async function post(path: string, body: unknown, signal?: AbortSignal): Promise<{ status: number; json: unknown }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('no answer in time')), options.timeoutMs ?? 15_000);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await fetch(`${base}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key}` },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  const strategy: PlanningStrategy = {
    name: REMOTE_STRATEGY,
    async plan(input) {
      if (manual) return { ...manual.plan, strategy: `${REMOTE_STRATEGY}:${manual.id}`, current: input.current, createdAt: input.time };
      const now = options.clock.now();
      const o = offered;
      if (!o || used.has(o.remote.id) || now - o.fetchedAt > maxAge) {
        return { ...emptyPlan(input.current, input.time), strategy: REMOTE_STRATEGY, explanations: { '*': 'No new plan from the control plane: holding.' } };
      }
      // Used once the engine records a decision on it (onReallocation): the analyze loop may read it before that.
      // The control plane planned from the last snapshots it had; the moves start from what is in force here.
      return { ...o.remote.plan, strategy: `${REMOTE_STRATEGY}:${o.remote.id}`, current: input.current, createdAt: input.time };
    },
  };

  return {
    strategy,
    async exchange(planning, signal) {
      if (unsupported) return true;
      try {
        // The optimizer settings and the mode came in the same version: an older control plane takes neither.
        const { optimizer, mode: _mode, ...rest } = planning;
        let { status, json } = await post('plan', { planning: sendOptimizer ? planning : rest }, signal);
        if (status === 400 && sendOptimizer && optimizer && /optimizer/.test(JSON.stringify(json))) {
          sendOptimizer = false;
          options.log.warn("agent: the control plane does not take this host's optimizer settings (older version); it plans with its own");
          ({ status, json } = await post('plan', { planning: rest }, signal));
        }
        if (status === 404) {
          unsupported = true;
          options.log.warn('agent: the control plane makes no plans for hosts (older version); this host holds its allocation');
          return true;
        }
        if (status !== 200) {
          options.log.warn({ status, answer: JSON.stringify(json).slice(0, 300) }, 'agent: plan exchange refused');
          return false;
        }
        const { plan: remote, request } = json as { plan: RemotePlan | null; request?: RemoteRequest | null };
        if (request && !used.has(request.id) && request.fence >= highestFence && typeof request.dryRun === 'boolean') requested = request;
        if (!remote || used.has(remote.id) || remote.id === offered?.remote.id) return true;
        if (remote.fence < highestFence) {
          options.log.warn({ fence: remote.fence, highest: highestFence }, 'agent: plan from a stale control-plane replica ignored');
          return true;
        }
        highestFence = remote.fence;
        offered = { remote, fetchedAt: options.clock.now() };
        return true;
      } catch (err) {
        options.log.debug?.({ err: errorMessage(err) }, 'agent: control plane unreachable for plans');
        return false;
      }
    },
    onReallocation(r) {
      const planId = planIdOf(r);
      if (planId === null) return;
      used.add(planId);
      if (!FINAL.has(r.status)) return;
      options.spool.addOutcome(planId, outcomeOf(planId, r));
    },
    queueEffects(recent) {
      if (!sendEffects) return;
      for (const r of recent) {
        const planId = planIdOf(r);
        if (planId === null || r.status !== 'applied' || r.measuredBeforeUsdPerHour === null || r.measuredAfterUsdPerHour === null) continue;
        if (options.spool.effectQueued(planId)) continue;
        options.spool.addOutcome(planId, { ...outcomeOf(planId, r), measuredBeforeUsdPerHour: r.measuredBeforeUsdPerHour, measuredAfterUsdPerHour: r.measuredAfterUsdPerHour });
        options.spool.markEffectQueued(planId);
      }
    },
    async runRequest(decide) {
      const req = requested;
      requested = null;
      if (!req || used.has(req.id)) return;
      used.add(req.id);
      manual = req;
      try {
        const r = await decide(req.dryRun);
        // A dry run's decision stays `planned` (not final for onReallocation): its outcome is the decision itself.
        options.spool.addOutcome(req.id, outcomeOf(req.id, r));
      } catch (err) {
        // A refused request (hold time not passed) was journaled as skipped and is reported from there.
        const kept = options.spool.outcomes(1000).some((o) => o.planId === req.id);
        if (!kept) options.spool.addOutcome(req.id, { planId: req.id, status: 'failed', reason: `request_failed: ${errorMessage(err)}`, reallocationId: null, at: options.clock.now() });
      } finally {
        manual = null;
      }
    },
    async deliverOutcomes(signal) {
      let delivered = 0;
      for (;;) {
        const pending = options.spool.outcomes(100);
        if (pending.length === 0 || signal?.aborted) return delivered;
        try {
          const body = (all: boolean) => ({ outcomes: pending.map((p) => (all ? p.outcome : withoutEffect(p.outcome))) });
          let { status, json } = await post('outcomes', body(sendEffects), signal);
          if (status === 400 && sendEffects && /measured/.test(JSON.stringify(json))) {
            sendEffects = false;
            options.log.warn('agent: the control plane does not take measured effects with outcomes (older version); outcomes go without them');
            ({ status, json } = await post('outcomes', body(false), signal));
          }
          if (status === 400 || status === 404) {
            // Not for this control plane (older, or a plan it pruned): nothing to retry.
            options.spool.acknowledgeOutcomes(pending.map((p) => p.planId));
            continue;
          }
          if (status !== 200) return delivered;
          options.spool.acknowledgeOutcomes(pending.map((p) => p.planId));
          delivered += pending.length;
        } catch {
          return delivered;
        }
      }
    },
  };
}
