/**
 * The product's moving parts, built from the config and tied to the event bus: the protocols' adapters and
 * executors, the alert service (the one gate every alert goes through), energy accounting, the coordinator, the
 * notifier and the reallocation engine, with the reactions between them — a recorded decision goes out on the
 * `reallocations` topic, a tripped do-no-harm guard raises its alert. The composition root (src/main.ts) builds
 * the infrastructure (store, config service, Redis, HTTP) and hands it here.
 */
import { createStaticPriceSource } from '../adapters/prices.js';
import type { Config } from '../config/schema.js';
import { adapterHealthy } from '../domain/adapter-status.js';
import type { Snapshot } from '../domain/sample.js';
import type { EnergyPoint } from '../energy/energy-point.js';
import { createEnergyService, type EnergyService, netOptimizerInput, withEnergyPolicy } from '../energy/index.js';
import { type Coordinator, createCoordinator } from '../engine/coordinator.js';
import { createHostReader, type HostReader } from '../engine/host-resources.js';
import { type AlertService, createAlertService } from '../engine/monitor/alerts.js';
import { createStrategy } from '../engine/optimizer/index.js';
import { createReallocationEngine, type ReallocationEngine } from '../engine/reallocation/index.js';
import type { BuildInput, EngineState, PlanningStrategy, ReallocationEvent } from '../engine/reallocation/types.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Notifier } from '../notifications/notifier.js';
import type { Store } from '../store/types.js';
import type { ConfigService } from './config-service.js';
import type { EventBus } from './events.js';
import { createNotifications } from './notifications.js';
import { createProtocolRuntime, type ProtocolRuntime } from './protocol-runtime.js';

export interface CoreDeps {
  store: Store;
  configService: ConfigService;
  events: EventBus;
  /** The config as orcha runs it (with simulators standing in for the protocols in demo mode). */
  effective: (config: Config) => Config;
  clock: Clock;
  log: Logger;
  /** The config file's directory and the environment: relative paths and `{file}`/`{env}` secrets. */
  baseDir: string;
  env: NodeJS.ProcessEnv;
  /** Replace the host reader (tests). */
  host?: HostReader;
  /** The server's address once it listens (links in notifications). */
  dashboardUrl: () => string;
  /** Wrap or replace the configured strategy (an agent plans with its control plane's plans). */
  strategy?: (local: PlanningStrategy) => PlanningStrategy;
  /** Written ahead of the local store: each snapshot and energy point before it is persisted (an agent's spool). */
  outbox?: Outbox;
}

/** Where an agent writes each snapshot and energy point before the local store does (see src/fleet/agent.ts). */
export interface Outbox {
  snapshot(snapshot: Snapshot): void;
  energy(point: EnergyPoint): void;
}

export interface Core {
  /** The config as orcha runs it: effective, with energy accounting's pause policy. */
  config: () => Config;
  runtime: ProtocolRuntime;
  alerts: AlertService;
  energy: EnergyService;
  coordinator: Coordinator;
  engine: ReallocationEngine;
  engineState: () => EngineState;
  strategy: PlanningStrategy;
  /** How the engine builds the optimizer's input (net of power cost). */
  buildInput: BuildInput;
  notifier: Notifier;
  /** Stops the coordinator, the notifier and energy accounting. */
  close(): Promise<void>;
}

/** What the product does with the engine's events: decisions on the bus, a tripped guard as one open alert. */
export function engineReactions(events: EventBus, alerts: Pick<AlertService, 'doNoHarm'>): (event: ReallocationEvent) => void {
  return (event) => {
    if (event.type === 'reallocation') events.emit('reallocations', event.reallocation);
    if (event.type === 'guard') void alerts.doNoHarm(event.reason).catch(() => undefined);
  };
}

export function createCore(deps: CoreDeps): Core {
  const { store, configService, events, effective, clock, log, baseDir, env } = deps;
  const initial = configService.current();
  const runtime = createProtocolRuntime({ baseDir, clock, env, log, effective }, initial);
  // Every alert goes through the alert service's gate: rules, hysteresis, and only opens, severity changes and
  // resolves published (the energy alerts included). Its config is read at each evaluation, after `config` exists.
  const alerts = createAlertService({
    repo: store.alerts,
    clock,
    log,
    getConfig: () => config(),
    onEvent: (e) => events.emit('alerts', { change: e.change, alert: e.alert }),
  });
  const energy = createEnergyService({
    getConfig: () => effective(configService.current()),
    store,
    clock,
    log,
    baseDir,
    env,
    alerts: { sync: async (family, conditions) => void (await alerts.syncFamily(family, conditions)) },
    beforeRecord: deps.outbox?.energy,
  });
  const config = (): Config => withEnergyPolicy(effective(configService.current()), energy);

  const host =
    deps.host ??
    createHostReader({ clock, storagePaths: initial.host.storagePaths, bandwidthCapacityBytesPerSec: initial.host.bandwidthBytesPerSec });
  const local = createStrategy(initial.optimizer.strategy);
  const strategy = deps.strategy ? deps.strategy(local) : local;
  let engineRef: ReallocationEngine | null = null;
  const coordinator = createCoordinator({
    protocols: config().protocols,
    adapters: runtime.adaptersFor(config()),
    metrics: store.metrics,
    host,
    prices: createStaticPriceSource(initial.prices.usd),
    clock,
    log,
    settings: { ...config().coordinator, intervals: config().intervals },
    allocation: () => engineRef?.current() ?? {},
    ledgers: store.ledgers,
    health: store.nodeHealth,
    beforePersist: deps.outbox?.snapshot,
  });
  const engineState = (): EngineState => ({
    snapshot: coordinator.latest(),
    health: Object.fromEntries(coordinator.status().map((s) => [s.name, adapterHealthy(s)])),
  });
  const notifications = createNotifications({
    store,
    clock,
    log,
    config,
    baseDir,
    env,
    dashboardUrl: deps.dashboardUrl,
    energy,
    alerts,
    events,
  });
  const buildInput = netOptimizerInput(energy);
  const engine = createReallocationEngine({
    repo: store.reallocations,
    executors: runtime.executors,
    strategy,
    clock,
    log,
    getConfig: config,
    getState: engineState,
    metrics: store.metrics,
    buildInput,
    state: store.engineState,
    onEvent: engineReactions(events, alerts),
  });
  engineRef = engine;

  return {
    config,
    runtime,
    alerts,
    energy,
    coordinator,
    engine,
    engineState,
    strategy,
    buildInput,
    notifier: notifications.notifier,
    async close() {
      await notifications.close();
      await coordinator.stop();
      await energy.close();
    },
  };
}
