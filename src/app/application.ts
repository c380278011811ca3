import type { LoopStatus } from '../domain/loop-status.js';
import type { Snapshot } from '../domain/sample.js';
import type { Report } from '../http/schemas/views.js';
import type { Cache } from '../infra/cache.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Store, TimeRange } from '../store/types.js';
import type { ConfigService } from './config-service.js';
import { coordinatorView } from './coordinator-view.js';
import type { Core } from './core.js';
import { createEngineService } from './engine-service.js';
import type { EventBus } from './events.js';
import { createExportsService } from './exports.js';
import { createHealthService } from './health.js';
import { createMonitorService } from './monitor-service.js';
import type { HostReallocate } from './operation-handlers.js';
import { registerOperationHandlers } from './operation-handlers.js';
import type { OperationsService } from './operations.js';
import { createPayoutsService } from './payouts.js';
import { createPoliciesService } from './policies.js';
import { createReportsService } from './reports.js';
import type { AppServices } from './types.js';

export interface ApplicationDeps {
  /** The moving parts (coordinator, engine, alert service, energy, notifier) built by `createCore`. */
  core: Core;
  store: Store;
  configService: ConfigService;
  clock: Clock;
  log: Logger;
  events: EventBus;
  cache: Cache;
  operations: OperationsService;
  /** Where export operations write their files. */
  exportDir: string;
  /** Whether the loops run (status). */
  running: () => boolean;
  /** Each loop's state (status); none when the loops are not built. */
  loops?: () => LoopStatus[];
  /** Redis client when Redis is configured (health check). */
  redis?: { ping(): Promise<unknown> } | null;
  authenticate?: AppServices['authenticate'];
  version?: string;
  /** Whether the protocols are the built-in simulators (demo): the dashboard says so. */
  simulated?: () => boolean;
  /** A fleet host's report by its name (report operations with a `host`); absent without the fleet. */
  hostReport?: (host: string, range: TimeRange) => Promise<Report>;
  /** An operator's reallocation request for a fleet host (`POST reallocate?host=NAME`), on a control plane. */
  hostReallocate?: HostReallocate;
}

export interface Application {
  services: AppServices;
  /** Wait for the reactions to the snapshots seen so far (alert evaluation) to finish. */
  settled(): Promise<void>;
  /** Unsubscribe every reaction. */
  close(): void;
}

export function createApplication(deps: ApplicationDeps): Application {
  const { core, store, configService, clock, events, cache, operations } = deps;
  const { coordinator, engine, alerts, runtime, energy } = core;
  const config = core.config;
  const log = deps.log.child({ module: 'app' });
  const startedAt = clock.now();
  const offs: (() => void)[] = [];

  const view = coordinatorView(coordinator, events, deps.running);
  offs.push(view.close);
  const latest = async (): Promise<Snapshot | null> => coordinator.latest() ?? (await store.metrics.latest());
  const engineService = createEngineService({
    engine,
    strategy: core.strategy,
    executors: runtime.executors,
    store,
    engineState: core.engineState,
    config,
    clock,
    log,
    buildInput: core.buildInput,
  });
  const monitor = createMonitorService({ store, alerts, engine: engineService, latest, config, clock });
  // Energy accounting's part of a report (power cost and net per protocol), while it is enabled.
  const reports = createReportsService({ store, clock, energy: { enabled: () => config().energy.enabled, report: (range) => energy.report(range) } });
  const exports = createExportsService({ store, dir: deps.exportDir });
  const health = createHealthService({ store, coordinator: view, executors: runtime.executors, redis: deps.redis, clock, events });
  registerOperationHandlers({ operations, engine: engineService, reports, exports, hostReport: deps.hostReport, hostReallocate: deps.hostReallocate });

  // After each poll: alerts from the snapshot and the adapters' status, one evaluation at a time, in poll order.
  let evaluation: Promise<void> = Promise.resolve();
  offs.push(
    events.on('metrics', (snapshot) => {
      const adapters = view.status().adapters;
      evaluation = evaluation
        .then(() => alerts.evaluate({ snapshot, status: { adapters } }))
        .then(() => undefined)
        .catch((err: unknown) => log.warn({ err }, 'alert evaluation failed'));
    }),
  );
  offs.push(events.on('metrics', (snapshot) => energy.observe(snapshot)));
  // Reads served from the cache are stale once a new snapshot or config arrives.
  offs.push(events.on('metrics', () => void cache.clear().catch(() => undefined)));
  // A failed or rolled-back reallocation raises an alert; a later applied one resolves it.
  offs.push(events.on('reallocations', (r) => void alerts.reallocationOutcome(r).catch(() => undefined)));
  // The `health` topic: published when an adapter's check changes, not at every poll.
  offs.push(coordinator.on('status', () => health.adaptersChanged()));
  offs.push(operations.on('change', (op) => events.emit('operations', op)));

  offs.push(configService.on('change', (change) => {
    const next = config();
    runtime.replaceExecutors(next);
    coordinator.reconfigure({
      protocols: next.protocols,
      adapters: runtime.adaptersFor(next),
      settings: { ...next.coordinator, intervals: next.intervals },
    });
    void alerts.configValid().catch(() => undefined);
    void cache.clear().catch(() => undefined);
    events.emit('config', { kind: 'applied', source: change.source, changedKeys: change.changedKeys });
  }));
  offs.push(configService.on('invalid', (invalid) => {
    void alerts.configInvalid(invalid.errors).catch(() => undefined);
    events.emit('config', { kind: 'rejected', source: invalid.source, errors: invalid.errors });
  }));

  const services: AppServices = {
    metrics: {
      latest,
      history: (q) => store.metrics.history(q),
      protocolHistory: (q) => store.metrics.protocolHistory(q),
    },
    payouts: createPayoutsService({ store, coordinator: view, latest }),
    coordinator: view,
    engine: engineService,
    monitor,
    reports,
    exports,
    config: configService,
    policies: createPoliciesService({ config: configService, planWith: (p) => engineService.planWithPolicies(p) }),
    operations,
    cache,
    health: () => health.check(),
    async status() {
      return {
        version: deps.version ?? '0.1.0',
        startedAt,
        uptimeSeconds: (clock.now() - startedAt) / 1000,
        mode: config().reallocation.mode,
        strategy: core.strategy.name,
        coordinator: view.status(),
        queue: operations.depth(),
        websocketClients: 0,
        lastPlanAt: engine.lastPlan()?.createdAt ?? null,
        simulated: deps.simulated?.() ?? false,
        loops: deps.loops?.() ?? [],
      };
    },
    events,
    authenticate: deps.authenticate,
    notifications: core.notifier,
    energy,
  };
  return {
    services,
    settled: async () => {
      await evaluation;
    },
    close() {
      for (const off of offs.splice(0)) off();
    },
  };
}
