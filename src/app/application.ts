/**
 * The application layer assembled: every product behaviour as a plain service (metrics, engine, monitor, reports,
 * exports, health, status, operations' handlers) plus the reactions that tie them together through the event bus —
 * what runs after each poll, after each decision and after each config reload. HTTP routes, CLI commands and the
 * loops all call these same services. Only the composition root (src/main.ts) calls `createApplication`.
 */
import type { Config } from '../config/schema.js';
import type { Snapshot } from '../domain/sample.js';
import type { Coordinator } from '../engine/coordinator.js';
import type { AlertService } from '../engine/monitor/alerts.js';
import type { ReallocationEngine } from '../engine/reallocation/engine.js';
import type { BuildInput, EngineState, PlanningStrategy } from '../engine/reallocation/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Cache } from '../services/cache.js';
import type { ConfigService } from '../services/config-service.js';
import type { OperationsService } from '../services/operations.js';
import { createPoliciesService } from '../services/policies.js';
import type { Store } from '../store/types.js';
import { coordinatorView } from './coordinator-view.js';
import { createEngineService } from './engine-service.js';
import type { EventBus } from './events.js';
import { createExportsService } from './exports.js';
import { createHealthService } from './health.js';
import { createMonitorService } from './monitor-service.js';
import { registerOperationHandlers } from './operation-handlers.js';
import type { ProtocolRuntime } from './protocol-runtime.js';
import { createReportsService, type ReportsDeps } from './reports.js';
import type { AppServices } from './types.js';

export interface ApplicationDeps {
  store: Store;
  configService: ConfigService;
  /** The config as orcha runs it (simulators standing in for the protocols when they run). */
  config: () => Config;
  runtime: ProtocolRuntime;
  clock: Clock;
  log: Logger;
  events: EventBus;
  coordinator: Coordinator;
  engine: ReallocationEngine;
  engineState: () => EngineState;
  strategy: PlanningStrategy;
  alerts: AlertService;
  cache: Cache;
  operations: OperationsService;
  /** Where export operations write their files. */
  exportDir: string;
  /** Whether the loops run (status). */
  running: () => boolean;
  /** Redis client when Redis is configured (health check). */
  redis?: { ping(): Promise<unknown> } | null;
  authenticate?: AppServices['authenticate'];
  /** Notification channels (src/notifications): served as `services.notifications`. */
  notifications?: AppServices['notifications'];
  /** Energy accounting: follows every snapshot; served as `services.energy`. */
  energy?: AppServices['energy'] & { observe(snapshot: Snapshot): void };
  /** Energy accounting's part of a report (power cost and net per protocol), while it is enabled. */
  energyReport?: ReportsDeps['energy'];
  /** How the engine builds the optimizer's input (what-if plans use the same). */
  buildInput?: BuildInput;
  version?: string;
  /** Whether the protocols are the built-in simulators (demo): the dashboard says so. */
  simulated?: () => boolean;
}

export interface Application {
  services: AppServices;
  /** Wait for the reactions to the snapshots seen so far (alert evaluation) to finish. */
  settled(): Promise<void>;
  /** Unsubscribe every reaction. */
  close(): void;
}

export function createApplication(deps: ApplicationDeps): Application {
  const { store, configService, clock, events, coordinator, engine, alerts, cache, operations, runtime } = deps;
  const log = deps.log.child({ module: 'app' });
  const startedAt = clock.now();
  const offs: (() => void)[] = [];

  const view = coordinatorView(coordinator, events, deps.running);
  offs.push(view.close);
  const latest = async (): Promise<Snapshot | null> => coordinator.latest() ?? (await store.metrics.latest());
  const engineService = createEngineService({
    engine,
    strategy: deps.strategy,
    executors: runtime.executors,
    store,
    engineState: deps.engineState,
    config: deps.config,
    clock,
    log,
    buildInput: deps.buildInput,
  });
  const monitor = createMonitorService({ store, alerts, engine: engineService, latest, config: deps.config, clock });
  const reports = createReportsService({ store, clock, energy: deps.energyReport });
  const exports = createExportsService({ store, dir: deps.exportDir });
  const health = createHealthService({ store, coordinator: view, executors: runtime.executors, redis: deps.redis, clock, events });
  registerOperationHandlers({ operations, engine: engineService, reports, exports });

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
  const energy = deps.energy;
  if (energy) offs.push(events.on('metrics', (snapshot) => energy.observe(snapshot)));
  // Reads served from the cache are stale once a new snapshot or config arrives.
  offs.push(events.on('metrics', () => void cache.clear().catch(() => undefined)));
  // A failed or rolled-back reallocation raises an alert; a later applied one resolves it.
  offs.push(events.on('reallocations', (r) => void alerts.reallocationOutcome(r).catch(() => undefined)));
  // The `health` topic: published when an adapter's check changes, not at every poll.
  offs.push(coordinator.on('status', () => health.adaptersChanged()));
  offs.push(operations.on('change', (op) => events.emit('operations', op)));

  offs.push(configService.on('change', (change) => {
    const next = deps.config();
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
        mode: deps.config().reallocation.mode,
        strategy: deps.strategy.name,
        coordinator: view.status(),
        queue: operations.depth(),
        websocketClients: 0,
        lastPlanAt: engine.lastPlan()?.createdAt ?? null,
        simulated: deps.simulated?.() ?? false,
      };
    },
    events,
    authenticate: deps.authenticate,
    notifications: deps.notifications,
    energy: deps.energy,
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
