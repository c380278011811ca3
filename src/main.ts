/**
 * The composition root: builds orcha's infrastructure from its config (demo simulators, store, config service,
 * Redis, security, operations queue, cache), hands it to the application layer (src/app: `createCore` for the moving
 * parts, `createApplication` for the services and reactions), serves the HTTP app and starts the loops; `close()`
 * stops everything in reverse order. No product behaviour lives here. The daemon, the end-to-end tests, the
 * dashboard harness and the benchmarks all start orcha here.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Application, createApplication } from './app/application.js';
import { type ConfigService, createConfigService } from './app/config-service.js';
import { createCore, type Outbox } from './app/core.js';
import { startDemo } from './app/demo.js';
import { createEventBus } from './app/events.js';
import { createLoops } from './app/loops.js';
import { createOperationsService } from './app/operations.js';
import type { AppServices } from './app/types.js';
import { createSecuritySetup, type SecuritySetup } from './auth/setup.js';
import type { LoadedConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import type { Coordinator } from './engine/coordinator.js';
import type { HostReader } from './engine/host-resources.js';
import { createFleetControlPlane } from './fleet/control-plane.js';
import { createHostReads, hostReportByName } from './fleet/host-reads.js';
import { createHostReallocate } from './fleet/host-requests.js';
import { createHostEnergy, type HostEnergy } from './energy/host-energy.js';
import { replicaId } from './fleet/lease-manager.js';
import { createReplicaBridge } from './app/replica-bridge.js';
import { buildApp, closeApp, listenApp } from './http/app.js';
import { dashboardPlugin } from './http/plugins/dashboard.js';
import type { App } from './http/route-types.js';
import type { WsOptions } from './http/websocket.js';
import { createCache } from './infra/cache.js';
import { redisPrefixes } from './infra/redis-namespace.js';
import { createRedisLink, wantsRedis } from './infra/redis-link.js';
import { type Clock, systemClock } from './lib/clock.js';
import { createClosers } from './lib/closers.js';
import type { Logger } from './lib/logger.js';
import type { Notifier } from './notifications/notifier.js';
import type { SimulatorsHandle } from './sim/index.js';
import { createStore } from './store/index.js';
import type { LoopStatus } from './domain/loop-status.js';
import type { Store } from './store/types.js';
import type { PlanningStrategy } from './engine/reallocation/types.js';

export interface StartOptions {
  loaded: LoadedConfig;
  log: Logger;
  /** Force the built-in simulators (orcha demo). */
  demo?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Engine time (tests and benchmarks inject a VirtualClock). HTTP-facing time stays real. */
  clock?: Clock;
  /** Replace the host reader (tests). */
  host?: HostReader;
  /** Do not start the loops (tests drive them). */
  loops?: boolean;
  /** Do not listen (tests use app.inject). */
  listen?: boolean;
  /** Security (users, tokens, roles, rate limits) is on unless a test of the API itself turns it off. */
  security?: boolean;
  /** Operation queue limits (tests). */
  operations?: { capacity?: number; timeoutMs?: number };
  /** WebSocket limits (tests). */
  websocket?: WsOptions;
  /** How long the config file watcher waits for writes to settle (tests shorten it). */
  configDebounceMs?: number;
  /** Replace the optimizer strategy the engine plans with (an agent plans with its control plane's plans). */
  strategy?: (local: PlanningStrategy) => PlanningStrategy;
  /** Each snapshot and energy point, written ahead of the local store (an agent's spool). */
  outbox?: Outbox;
  /**
   * Run as `orcha agent`: no HTTP server, so no security set-up (first admin user, JWT secret, API keys) and no fleet
   * control plane (its ingest routes, its lease-taking loops): the control plane is elsewhere.
   */
  agent?: boolean;
}

export interface RunningOrcha {
  url: string;
  /** Lines to print once at start (URL of the dashboard, first admin login). */
  banner: string[];
  app: App;
  services: AppServices;
  /** The application layer (its `settled()` waits for the reactions to the last snapshots). */
  application: Application;
  store: Store;
  configService: ConfigService;
  /** The config as it runs (demo simulators standing in for the protocols, energy's pause policy). */
  config: () => Config;
  coordinator: Coordinator;
  /** The notification service (its loop runs with the others; tests without loops call `tick()`). */
  notifier: Notifier;
  /** Null when a test turned security off. */
  security: SecuritySetup | null;
  simulators: SimulatorsHandle | null;
  close(): Promise<void>;
}

export { wantsSimulators } from './app/demo.js';

export async function startOrcha(options: StartOptions): Promise<RunningOrcha> {
  const { log } = options;
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const { baseDir, path: configPath } = options.loaded;
  const initial = options.loaded.config;
  const dataDir = resolve(baseDir, initial.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const closers = createClosers(log);

  try {
    const demo = await startDemo({ initial, demo: options.demo ?? false, clock });
    closers.push(() => demo.close());
    const { simulators, effective } = demo;

    const sqlitePath = initial.storage.sqlitePath ? resolve(baseDir, initial.storage.sqlitePath) : join(dataDir, 'orcha.db');
    const store = await createStore({ url: initial.storage.url, sqlitePath });
    // Redis keys are this database's: replicas on it share them, other installations on the same Redis do not.
    const redisKeys = redisPrefixes(initial.storage.url ?? sqlitePath);
    closers.push(() => store.close());

    const events = createEventBus({ log });
    const configService = createConfigService({ initial, path: configPath, log, env, debounceMs: options.configDebounceMs });
    closers.push(() => configService.close());
    let url = '';
    const core = createCore({
      store,
      configService,
      events,
      effective,
      clock,
      log,
      baseDir,
      env,
      host: options.host,
      strategy: options.strategy,
      outbox: options.outbox,
      dashboardUrl: () => url || `http://${initial.server.host}:${initial.server.port}`,
    });
    closers.push(() => core.close());
    const { config: cfg, coordinator, engine, notifier } = core;

    // One Redis connection for the cache, the rate limits, the replicas' event fan-out and the health check; an
    // outage degrades, never fails.
    const redis = wantsRedis(initial) ? await createRedisLink({ url: initial.redis.url as string, log }) : null;
    if (redis) closers.push(() => redis.close());
    const replica = replicaId();
    // Replicas on one PostgreSQL database hear each other's events (alerts, decisions, agents' reports) through Redis.
    if (redis && initial.storage.url) {
      const bridge = await createReplicaBridge({ redis, events, replica, storageKey: initial.storage.url, log });
      closers.push(() => bridge.close());
    }
    const security =
      options.security === false || options.agent
        ? null
        : await createSecuritySetup({ config: cfg, store, clock: systemClock, log, dataDir, baseDir, env, redis, rateLimitPrefix: redisKeys.rateLimit });
    if (security) closers.push(() => security.close());
    const operations = createOperationsService({ repo: store.operations, clock: systemClock, log, ...options.operations });
    closers.push(() => operations.stop());
    const cache = createCache(initial, { clock: systemClock, log, redis, prefix: redisKeys.cache });
    closers.push(() => cache.close());

    // The fleet (SPEC §9): hosts, the agents' ingest route, and alerts on silent hosts; real time, like the API. An
    // agent has none: it reports to a control plane elsewhere.
    const fleet = options.agent
      ? null
      : createFleetControlPlane({
          store,
          clock: systemClock,
          log,
          events,
          config: () => cfg().fleet,
          replica,
          decisions: { strategy: core.strategy, config: cfg },
        });
    // What the control plane answers about its fleet's hosts (reads, reports and their operations, energy).
    // The energy report prices the host's earnings (a host read): each refers to the other, once both exist.
    const energyOf: { current?: HostEnergy } = {};
    const hostReads = createHostReads({
      store,
      clock: systemClock,
      energyReport: async (host, range) => ((await energyOf.current?.latest(host)) ? energyOf.current!.report(host, range) : null),
    });
    const hostEnergy = createHostEnergy({ store, earnings: (host, range) => hostReads.earnings(host, range) });
    energyOf.current = hostEnergy;

    let loopsRunning = false;
    let loopStatus: () => LoopStatus[] = () => [];
    const application = createApplication({
      core,
      store,
      configService,
      clock,
      log,
      events,
      cache,
      operations,
      exportDir: join(dataDir, 'exports'),
      running: () => loopsRunning,
      loops: () => loopStatus(),
      redis,
      authenticate: security?.authenticate,
      simulated: () => demo.simulated(configService.current()),
      hostReport: fleet ? hostReportByName(store, hostReads) : undefined,
      hostReallocate: fleet?.decisions ? createHostReallocate({ store, decisions: fleet.decisions, config: cfg, clock: systemClock }) : undefined,
    });
    closers.push(() => application.close());
    const services = application.services;

    // Crash recovery runs once the reactions are subscribed, so a recovered failure raises its alert.
    const recovered = await engine.recover();
    if (recovered.length > 0) log.warn({ ids: recovered.map((r) => r.id) }, 'recovered interrupted reallocations');
    configService.watch();
    await operations.start();
    const loops = createLoops({ clock, log, config: cfg, store, coordinator, engine, alerts: core.alerts });
    loopStatus = () => loops.status();

    const app = await buildApp({
      services,
      config: cfg,
      log,
      security: security?.plugin,
      websocket: options.websocket,
      extraPlugins: [(scope) => dashboardPlugin(scope)],
      ...(fleet ? { fleet: fleet.service, hostReads, hostEnergy } : {}),
      secrets: { baseDir, env },
    });
    closers.push(() => closeApp(app, 5000));

    if (options.listen !== false) url = await listenApp(app, configService.current().server);
    // The loops start once the server listens: the first poll (host probes, five adapters, a snapshot write) and the
    // first solve do not hold up the API, whose health endpoint reports "no data yet" until that poll lands.
    // They stop before the app closes (closers run in reverse), so no tick writes to a closing database.
    if (options.loops !== false) {
      loops.start();
      if (fleet) {
        fleet.start();
        closers.push(() => fleet.stop());
      }
      notifier.start();
      loopsRunning = true;
      closers.push(async () => {
        loopsRunning = false;
        await loops.stop();
        await application.settled();
      });
    }
    const banner = [...(security?.banner ?? [])];
    if (simulators) banner.push(`Running built-in simulators for: ${simulators.protocols.map((p) => p.name).join(', ')}`);
    if (url) banner.push(`Dashboard: ${url}/   API reference: ${url}/docs`);
    log.info({ url, protocols: cfg().protocols.map((p) => p.name), mode: cfg().reallocation.mode }, 'orcha started');

    return {
      url,
      banner,
      app,
      services,
      application,
      store,
      configService,
      config: cfg,
      coordinator,
      notifier,
      security,
      simulators,
      close: () => closers.closeAll(),
    };
  } catch (err) {
    await closers.closeAll();
    throw err;
  }
}
