/**
 * Decisions per host on the control plane: for every host whose lease this replica holds, the optimizer runs on the
 * host's stored data (its agent's snapshots and planning settings: protocols, reserve, policies and optimizer, the
 * control plane's own optimizer settings for agents that send none) and the plan is stored under the lease's fence.
 * The host's agent fetches it and applies it through its own executors, gates, journal and rollback
 * (agent-plans.ts), then reports the outcome. A replica without the lease, or past its local deadline, decides
 * nothing; the fenced insert refuses a plan from a replica whose lease the database no longer shows.
 */
import { randomUUID } from 'node:crypto';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Config } from '../config/schema.js';
import type { Allocation } from '../domain/resources.js';
import type { Snapshot } from '../domain/sample.js';
import { createLoop, type Loop } from '../engine/loop.js';
import { createStrategy } from '../engine/optimizer/index.js';
import { buildOptimizerInput } from '../engine/reallocation/optimizer-input.js';
import type { PlanningStrategy } from '../engine/reallocation/types.js';
import type { Clock } from '../lib/clock.js';
import { OrchaError, errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { HostPlanRequest } from '../store/repositories/host-plans.repository.js';
import type { MetricsRepository, Store } from '../store/types.js';
import { hostLease } from './fleet.service.js';
import type { LeaseManager } from './lease-manager.js';
import { PlanningContextSchema, planningConfig } from './planning-context.js';

const checkContext = TypeCompiler.Compile(PlanningContextSchema);
/** Plans older than this are dropped (the outcome of each is in the host's own journal too). */
const KEEP_PLANS_MS = 7 * 86_400_000;

export interface HostDecisions {
  loop: Loop;
  /** Decide now for every held host; returns the names planned for. */
  decideAll(): Promise<string[]>;
  /**
   * Plan now for one host on an operator's request; the plan carries the request to the host's agent. Returns the
   * plan's id; an error saying why when no plan can be made (no lease here, no data from its agent yet).
   */
  decideRequest(host: { id: string; name: string }, request: HostPlanRequest): Promise<string>;
}

const allocationOf = (s: Snapshot): Allocation => Object.fromEntries(s.protocols.map((p) => [p.protocol, { ...p.allocation }]));

export function createHostDecisions(deps: {
  store: Pick<Store, 'fleet' | 'hostPlans' | 'leases'>;
  leases: LeaseManager;
  strategy: PlanningStrategy;
  /** The control plane's running config (optimizer settings, decide interval). */
  config: () => Config;
  clock: Clock;
  log: Logger;
}): HostDecisions {
  const { store, leases, clock } = deps;
  const log = deps.log.child({ module: 'host-decisions' });
  // A host whose optimizer strategy differs from the control plane's is planned with its own (one instance each).
  const others = new Map<string, PlanningStrategy>();
  const strategyFor = (config: Config): PlanningStrategy => {
    const name = config.optimizer.strategy;
    if (name === deps.config().optimizer.strategy) return deps.strategy;
    const known = others.get(name);
    if (known) return known;
    const created = createStrategy(name);
    others.set(name, created);
    return created;
  };

  async function decideFor(
    host: { id: string; name: string },
    fence: number,
    request?: HostPlanRequest,
    holder: string = leases.holder,
  ): Promise<string | null> {
    const [context, latest] = await Promise.all([store.hostPlans.planning(host.id), store.fleet.latest(host.id)]);
    if (!latest || !context || !checkContext.Check(context)) return null;
    const now = clock.now();
    const metrics = { protocolHistory: (q: Parameters<MetricsRepository['protocolHistory']>[0]) => store.fleet.protocolHistory(host.id, q) };
    const config = planningConfig(deps.config(), context);
    const input = await buildOptimizerInput({
      config,
      now,
      current: allocationOf(latest),
      snapshot: latest,
      health: Object.fromEntries(latest.protocols.map((p) => [p.protocol, p.connected])),
      executors: new Map(),
      metrics: metrics as unknown as MetricsRepository,
    });
    const plan = await strategyFor(config).plan(input);
    const id = randomUUID();
    const stored = await store.hostPlans.insertFenced(
      { id, hostId: host.id, fence, createdAt: now, plan, ...(request ? { request } : {}) },
      { name: hostLease(host.name), holder, now: clock.now() },
    );
    return stored ? id : null;
  }

  /**
   * An operator's request may reach any replica behind the load balancer. The lease holder plans under its own fence;
   * another replica plans the request under the holder's live lease (same holder, same fence, checked by the fenced
   * insert as always), so the request is ordered with the holder's plans and the agent takes it at its next exchange.
   * With no live lease (no replica holds the host yet), the request fails with a reason to ask again.
   */
  async function decideRequest(host: { id: string; name: string }, request: HostPlanRequest): Promise<string> {
    const name = hostLease(host.name);
    const own = leases.fence(name);
    let lease: { holder: string; fence: number } | null = own === null ? null : { holder: leases.holder, fence: own };
    if (lease === null) {
      const now = clock.now();
      const live = (await store.leases.list(name)).find((l) => l.name === name && l.expiresAt > now);
      lease = live ? { holder: live.holder, fence: live.fence } : null;
    }
    if (lease === null) throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', `No control-plane replica holds host "${host.name}"'s lease yet: ask again in a moment`);
    const id = await decideFor(host, lease.fence, request, lease.holder);
    if (id === null) throw new OrchaError('ORCHA_ERR_CONFLICT', `No plan for host "${host.name}": its agent has not sent a snapshot and its planning settings yet, or the lease moved`);
    return id;
  }

  async function decideAll(): Promise<string[]> {
    const planned: string[] = [];
    for (const h of await store.fleet.listHosts()) {
      if (h.revokedAt !== null) continue;
      const fence = leases.fence(hostLease(h.name));
      if (fence === null) continue;
      try {
        if ((await decideFor(h, fence)) !== null) planned.push(h.name);
      } catch (err) {
        log.warn({ host: h.name, err: errorMessage(err) }, 'planning for a host failed');
      }
    }
    await store.hostPlans.prune(clock.now() - KEEP_PLANS_MS).catch(() => 0);
    return planned;
  }

  const loop = createLoop({
    name: 'host-decisions',
    clock,
    log: deps.log,
    intervalMs: () => deps.config().intervals.decide * 1000,
    immediate: false,
    tick: async () => void (await decideAll()),
  });
  return { loop, decideAll, decideRequest };
}
