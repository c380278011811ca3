/**
 * The composition root: the one place that builds orcha from its config (store, config service, protocols'
 * adapters and executors, coordinator, reallocation engine, alert service, security, operations, cache), hands them
 * to the application layer (src/app), serves the HTTP app and starts the loops; `close()` stops everything in
 * reverse order. The daemon, the end-to-end tests, the dashboard harness and the benchmarks all start orcha here.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createStaticPriceSource } from './adapters/prices.js';
import { type Application, createApplication } from './app/application.js';
import { createEventBus } from './app/events.js';
import { createLoops } from './app/loops.js';
import { createProtocolRuntime } from './app/protocol-runtime.js';
import type { AppServices } from './app/types.js';
import { adapterHealthy } from './domain/adapter-status.js';
import { createSecuritySetup, type SecuritySetup } from './auth/setup.js';
import type { LoadedConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { type Coordinator, createCoordinator } from './engine/coordinator.js';
import { createHostReader, type HostReader } from './engine/host-resources.js';
import { createAlertService, createReportService } from './engine/monitor/index.js';
import { createStrategy } from './engine/optimizer/index.js';
import { createReallocationEngine } from './engine/reallocation/index.js';
import { createFleetControlPlane } from './fleet/control-plane.js';
import { replicaId } from './fleet/lease-manager.js';
import { createReplicaBridge } from './app/replica-bridge.js';
import { buildApp, closeApp } from './http/app.js';
import { dashboardPlugin } from './http/plugins/dashboard.js';
import { resolveMetricsCredentials } from './http/prometheus.js';
import type { App } from './http/route-types.js';
import type { WsOptions } from './http/websocket.js';
import { type Clock, systemClock } from './lib/clock.js';
import { errorMessage } from './lib/errors.js';
import type { Logger } from './lib/logger.js';
import { type Notifier, createNotifier } from './notifications/notifier.js';
import type { SimulatorsHandle } from './sim/index.js';
import { createCache } from './services/cache.js';
import { type ConfigService, createConfigService } from './services/config-service.js';
import { createOperationsService } from './services/operations.js';
import { DEMO_HOST_WATTS, createEnergyService, netOptimizerInput, withDemoMeter, withEnergyPolicy } from './energy/index.js';
import { createRedisLink, wantsRedis } from './services/redis-link.js';
import { createStore } from './store/index.js';
import type { Store } from './store/types.js';

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
  coordinator: Coordinator;
  /** The notification service (its loop runs with the others; tests without loops call `tick()`). */
  notifier: Notifier;
  /** Null when a test turned security off. */
  security: SecuritySetup | null;
  simulators: SimulatorsHandle | null;
  close(): Promise<void>;
}

/** Simulators run when asked (`demo`, `simulators.enabled: true`) or, with `auto`, when no protocol is configured. */
export function wantsSimulators(config: Config, demo: boolean): boolean {
  if (demo) return true;
  if (config.simulators.enabled === 'auto') return config.protocols.length === 0;
  return config.simulators.enabled;
}

export async function startOrcha(options: StartOptions): Promise<RunningOrcha> {
  const { log } = options;
  const env = options.env ?? process.env;
  const clock = options.clock ?? systemClock;
  const { baseDir, path: configPath } = options.loaded;
  const initial = options.loaded.config;
  const dataDir = resolve(baseDir, initial.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'error during shutdown');
      }
    }
  };

  try {
    // The simulators' modules load only when they run (demo mode), not beside real nodes.
    const simulators = wantsSimulators(initial, options.demo ?? false)
      ? await (await import('./sim/index.js')).startSimulators({ seed: initial.simulators.seed, clock })
      : null;
    if (simulators) closers.push(() => simulators.close());
    // Demo mode: a simulated smart plug whose draw follows the simulated load (energy accounting out of the box).
    const simPlug = simulators
      ? await (await import('./sim/power-meter.sim.js')).startPowerMeterSim({ market: simulators.market, clock, ...DEMO_HOST_WATTS })
      : null;
    if (simPlug) closers.push(() => simPlug.close());
    /** With simulators running and no node in the file, the simulators are the protocols (also after reloads). */
    const effective = (c: Config): Config =>
      simulators && (options.demo || c.protocols.length === 0)
        ? withDemoMeter({ ...c, protocols: simulators.protocols }, simPlug?.url ?? null)
        : c;

    const store = await createStore({
      url: initial.storage.url,
      sqlitePath: initial.storage.sqlitePath ? resolve(baseDir, initial.storage.sqlitePath) : join(dataDir, 'orcha.db'),
    });
    closers.push(() => store.close());

    const events = createEventBus({ log });
    const configService = createConfigService({ initial, path: configPath, log, env, debounceMs: options.configDebounceMs });
    closers.push(() => configService.close());
    const runtime = createProtocolRuntime({ baseDir, clock, env, log, effective }, initial);
    // Every alert goes through the alert service's gate: rules, hysteresis, and only opens, severity changes and
    // resolves published (the energy alerts included). Its config is read at each evaluation, after `cfg` exists.
    const alerts = createAlertService({
      repo: store.alerts,
      clock,
      log,
      getConfig: () => cfg(),
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
    });
    closers.push(() => energy.close());
    const cfg = (): Config => withEnergyPolicy(effective(configService.current()), energy);

    const host =
      options.host ??
      createHostReader({ clock, storagePaths: initial.host.storagePaths, bandwidthCapacityBytesPerSec: initial.host.bandwidthBytesPerSec });
    const strategy = createStrategy(initial.optimizer.strategy);
    let engineRef: ReturnType<typeof createReallocationEngine> | null = null;
    const coordinator = createCoordinator({
      protocols: cfg().protocols,
      adapters: runtime.adaptersFor(cfg()),
      metrics: store.metrics,
      host,
      prices: createStaticPriceSource(initial.prices.usd),
      clock,
      log,
      settings: { ...cfg().coordinator, intervals: cfg().intervals },
      allocation: () => engineRef?.current() ?? {},
      ledgers: store.ledgers,
      health: store.nodeHealth,
    });
    closers.push(() => coordinator.stop());
    const engineState = () => ({
      snapshot: coordinator.latest(),
      health: Object.fromEntries(coordinator.status().map((s) => [s.name, adapterHealthy(s)])),
    });

    let url = '';
    // Alert changes become outbox messages (grouped, quiet hours, reminders, digests); a channel that keeps failing
    // raises its own alert, which goes to the other channels.
    const notifier = createNotifier({
      outbox: store.notifications,
      alerts: store.alerts,
      clock,
      log,
      getConfig: cfg,
      baseDir,
      env,
      defaultDashboardUrl: () => url || `http://${initial.server.host}:${initial.server.port}`,
      report: (range) => createReportService({ metrics: store.metrics, reallocations: store.reallocations, clock }).performance(range),
      // Once energy accounting is on, the digest shows gross and net of power per protocol.
      power: async (range) => {
        if (!cfg().energy.enabled) return null;
        const r = await energy.report(range);
        return {
          energyKwh: r.energyKwh,
          powerCostUsd: r.powerCostUsd,
          estimatedShare: r.estimatedShare,
          protocols: Object.fromEntries(r.protocols.map((p) => [p.protocol, { powerCostUsd: p.powerCostUsd, netUsd: p.netUsd }])),
        };
      },
      health: {
        failing: async (channel, failures, threshold, error) => void (await alerts.channelFailing(channel, failures, threshold, error)),
        recovered: async (channel) => void (await alerts.channelRecovered(channel)),
      },
    });
    closers.push(() => notifier.stop());
    const offNotifier = events.on('alerts', (e) => notifier.onAlert(e));
    closers.push(offNotifier);
    const engine = createReallocationEngine({
      repo: store.reallocations,
      executors: runtime.executors,
      strategy,
      clock,
      log,
      getConfig: cfg,
      getState: engineState,
      metrics: store.metrics,
      buildInput: netOptimizerInput(energy),
      state: store.engineState,
      onEvent: (event) => {
        if (event.type === 'reallocation') events.emit('reallocations', event.reallocation);
        // The do-no-harm guard stopped auto mode: one open alert saying why.
        if (event.type === 'guard') void alerts.doNoHarm(event.reason).catch(() => undefined);
      },
    });
    engineRef = engine;

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
      options.security === false
        ? null
        : await createSecuritySetup({ config: cfg, store, clock: systemClock, log, dataDir, baseDir, env, redis });
    if (security) closers.push(() => security.close());
    const operations = createOperationsService({ repo: store.operations, clock: systemClock, log, ...options.operations });
    closers.push(() => operations.stop());
    const cache = createCache(initial, { clock: systemClock, log, redis });
    closers.push(() => cache.close());

    let loopsRunning = false;
    const application = createApplication({
      store,
      configService,
      config: cfg,
      runtime,
      clock,
      log,
      events,
      coordinator,
      engine,
      engineState,
      strategy,
      alerts,
      cache,
      operations,
      exportDir: join(dataDir, 'exports'),
      running: () => loopsRunning,
      redis,
      authenticate: security?.authenticate,
      notifications: notifier,
      energy,
      energyReport: { enabled: () => cfg().energy.enabled, report: (range) => energy.report(range) },
      buildInput: netOptimizerInput(energy),
      simulated: () => Boolean(simulators && (options.demo || configService.current().protocols.length === 0)),
    });
    closers.push(() => application.close());
    const services = application.services;

    // Crash recovery runs once the reactions are subscribed, so a recovered failure raises its alert.
    const recovered = await engine.recover();
    if (recovered.length > 0) log.warn({ ids: recovered.map((r) => r.id) }, 'recovered interrupted reallocations');
    configService.watch();
    await operations.start();
    const loops = createLoops({ clock, log, config: cfg, store, coordinator, engine, alerts });

    const metricsCredentials = () => resolveMetricsCredentials(cfg().metrics.auth, baseDir, env);
    metricsCredentials(); // a missing {env}/{file} secret stops the start, not the first scrape
    // The fleet (SPEC §9): hosts, the agents' ingest route, and alerts on silent hosts; real time, like the API.
    const fleet = createFleetControlPlane({ store, clock: systemClock, log, events, config: () => cfg().fleet, replica });
    const app = await buildApp({
      services,
      config: cfg,
      log,
      security: security?.plugin,
      websocket: options.websocket,
      extraPlugins: [(scope) => dashboardPlugin(scope)],
      fleet: fleet.service,
      metricsCredentials,
    });
    closers.push(() => closeApp(app, 5000));

    if (options.listen !== false) {
      const c = configService.current();
      await app.listen({ host: c.server.host, port: c.server.port });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : c.server.port;
      const hostName = c.server.host.includes(':') ? `[${c.server.host}]` : c.server.host;
      url = `http://${hostName}:${port}`;
    }
    // The loops start once the server listens: the first poll (host probes, five adapters, a snapshot write) and the
    // first solve do not hold up the API, whose health endpoint reports "no data yet" until that poll lands.
    // They stop before the app closes (closers run in reverse), so no tick writes to a closing database.
    if (options.loops !== false) {
      loops.start();
      fleet.start();
      closers.push(() => fleet.stop());
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

    let closed = false;
    return {
      url,
      banner,
      app,
      services,
      application,
      store,
      configService,
      coordinator,
      notifier,
      security,
      simulators,
      async close() {
        if (closed) return;
        closed = true;
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
