/**
 * Composition root: builds every service from the config with plain factories, starts the loops and the
 * server, and shuts everything down in order. The CLI, the loops and the HTTP layer share these services.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Adapter, createAdapters } from './adapters/index.js';
import { createStaticPriceSource } from './adapters/prices.js';
import { createSecuritySetup } from './auth/setup.js';
import type { LoadedConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { type Coordinator, createCoordinator } from './engine/coordinator.js';
import { createHostReader, type HostReader } from './engine/host-resources.js';
import { createAlertService, createReportService, createRetentionJob } from './engine/monitor/index.js';
import { createStrategy } from './engine/optimizer/index.js';
import { createReallocationEngine } from './engine/reallocation/index.js';
import { createScheduler } from './engine/scheduler.js';
import { createExecutors } from './executors/index.js';
import { buildApp, closeApp } from './http/app.js';
import { dashboardPlugin } from './http/plugins/dashboard.js';
import { resolveMetricsCredentials } from './http/prometheus.js';
import type { App } from './http/route-types.js';
import { createEventBus } from './app/events.js';
import type { AppServices } from './http/services.js';
import { coordinatorView, createAppServices, engineEventsTo } from './http/wire.js';
import { type Clock, systemClock } from './lib/clock.js';
import { errorMessage, isOrchaError } from './lib/errors.js';
import type { Logger } from './lib/logger.js';
import { createNotifier } from './notifications/notifier.js';
import type { SimulatorsHandle } from './sim/index.js';
import { createCache } from './services/cache.js';
import { createConfigService } from './services/config-service.js';
import { createOperationsService } from './services/operations.js';
import { createRedisLink, wantsRedis } from './services/redis-link.js';
import { createStore } from './store/index.js';
import { createEnergyService, netOptimizerInput, withDemoMeter, withEnergyPolicy } from './energy/index.js';
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
}

export interface RunningOrcha {
  url: string;
  /** Lines to print once at start (URL of the dashboard, first admin login). */
  banner: string[];
  app: App;
  services: AppServices;
  store: Store;
  coordinator: Coordinator;
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
    const simPlug = simulators ? await (await import('./sim/power-meter.sim.js')).startPowerMeterSim({ market: simulators.market, clock }) : null;
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
    // The alert service is created below; the config service reports invalid files to it through this slot.
    let onConfigInvalid: (errors: { path: string; message: string }[]) => void = () => undefined;
    const configService = createConfigService({
      initial,
      path: configPath,
      log,
      env,
      onInvalid: (invalid) => onConfigInvalid(invalid.errors),
    });
    closers.push(() => configService.close());
    const energy = createEnergyService({
      getConfig: () => effective(configService.current()),
      store,
      clock,
      log,
      baseDir,
      env,
      publishAlert: (change, alert) => events.emit('alerts', { change, alert }),
    });
    closers.push(() => energy.close());
    events.on('metrics', (snapshot) => energy.observe(snapshot));
    const cfg = (): Config => withEnergyPolicy(effective(configService.current()), energy);

    const coordinatorSettings = (c: Config) => ({ ...c.coordinator, intervals: c.intervals });
    // An unchanged protocol keeps its adapter across reloads (its login session, its Retry-After wait).
    const adapterCache = new Map<string, { key: string; adapter: Adapter }>();
    const adaptersFor = (c: Config): Map<string, Adapter> => {
      const fresh = createAdapters(c.protocols, { baseDir, clock, env });
      const keys = new Map(c.protocols.map((p) => [p.name, JSON.stringify(p)]));
      for (const [name, adapter] of fresh) {
        const key = keys.get(name) ?? '';
        const cached = adapterCache.get(name);
        if (cached?.key === key) fresh.set(name, cached.adapter);
        else adapterCache.set(name, { key, adapter });
      }
      for (const name of adapterCache.keys()) if (!fresh.has(name)) adapterCache.delete(name);
      return fresh;
    };
    const host =
      options.host ??
      createHostReader({ clock, storagePaths: initial.host.storagePaths, bandwidthCapacityBytesPerSec: initial.host.bandwidthBytesPerSec });
    // One map for the life of the process: a config change replaces its entries, so every holder sees the new ones.
    const executors = createExecutors(cfg().protocols, { log, clock, configDir: baseDir });
    const strategy = createStrategy(initial.optimizer.strategy);

    let engineRef: ReturnType<typeof createReallocationEngine> | null = null;
    const coordinator = createCoordinator({
      protocols: cfg().protocols,
      adapters: adaptersFor(cfg()),
      metrics: store.metrics,
      host,
      prices: createStaticPriceSource(initial.prices.usd),
      clock,
      log,
      settings: coordinatorSettings(cfg()),
      allocation: () => engineRef?.current() ?? {},
    });
    closers.push(() => coordinator.stop());
    const health = () =>
      Object.fromEntries(coordinator.status().map((s) => [s.name, s.connected && s.breaker === 'closed']));
    const engineState = () => ({ snapshot: coordinator.latest(), health: health() });

    const alertService = createAlertService({
      repo: store.alerts,
      clock,
      log,
      getConfig: cfg,
      onEvent: (e) => events.emit('alerts', { change: e.change, alert: e.alert }),
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
      health: {
        failing: async (channel, failures, threshold, error) => void (await alertService.channelFailing(channel, failures, threshold, error)),
        recovered: async (channel) => void (await alertService.channelRecovered(channel)),
      },
    });
    closers.push(() => notifier.stop());
    events.on('alerts', (e) => notifier.onAlert(e));
    onConfigInvalid = (errors) => void alertService.configInvalid(errors).catch(() => undefined);

    const engine = createReallocationEngine({
      repo: store.reallocations,
      executors,
      strategy,
      clock,
      log,
      getConfig: cfg,
      getState: engineState,
      metrics: store.metrics,
      buildInput: netOptimizerInput(energy),
      onEvent: (event) => {
        engineEventsTo(events)(event);
        if (event.type === 'reallocation') void alertService.reallocationOutcome(event.reallocation).catch(() => undefined);
      },
    });
    engineRef = engine;
    const recovered = await engine.recover();
    if (recovered.length > 0) log.warn({ ids: recovered.map((r) => r.id) }, 'recovered interrupted reallocations');

    configService.on('change', ({ config }) => {
      const next = effective(config);
      const fresh = createExecutors(next.protocols, { log, clock, configDir: baseDir });
      executors.clear();
      for (const [name, executor] of fresh) executors.set(name, executor);
      coordinator.reconfigure({ protocols: next.protocols, adapters: adaptersFor(next), settings: coordinatorSettings(next) });
      void alertService.configValid().catch(() => undefined);
    });
    configService.watch();

    // One Redis connection for the cache, the rate limits and the health check; an outage degrades, never fails.
    const redis = wantsRedis(initial) ? await createRedisLink({ url: initial.redis.url as string, log }) : null;
    if (redis) closers.push(() => redis.close());
    const security = await createSecuritySetup({ config: cfg, store, clock: systemClock, log, dataDir, baseDir, env, redis });
    closers.push(() => security.close());

    const operations = createOperationsService({ repo: store.operations, clock: systemClock, log });
    closers.push(() => operations.stop());
    const cache = createCache(initial, { clock: systemClock, log, redis });
    closers.push(() => cache.close());

    const services = createAppServices({
      energy: { enabled: () => cfg().energy.enabled, report: (range) => energy.report(range) },
      store,
      configService,
      clock,
      log,
      coordinator: coordinatorView(coordinator, events, () => scheduler.running),
      engine,
      strategy,
      executors,
      engineState,
      cache,
      operations,
      events,
      redis,
      exportDir: join(dataDir, 'exports'),
      authenticate: security.authenticate,
      notifications: notifier,
      monitor: {
        acknowledge: async (ids, by) => {
          const changed = [];
          for (const id of ids) {
            try {
              changed.push(await alertService.acknowledge(id, by ?? 'unknown'));
            } catch (err) {
              // unknown or already resolved alerts are skipped, as the endpoint documents
              if (!isOrchaError(err, 'ORCHA_ERR_NOT_FOUND') && !isOrchaError(err, 'ORCHA_ERR_CONFLICT')) throw err;
            }
          }
          return changed;
        },
      },
    });
    services.energy = energy;
    await operations.start();
    // The `health` topic: every poll changes adapter health, so each status update publishes the checks.
    coordinator.on('status', () => {
      void services
        .health()
        .then((h) => events.emit('health', h))
        .catch(() => undefined);
    });

    // The coordinator owns the one poll loop (a schedule per protocol); alerts are evaluated on each of its snapshots,
    // one evaluation at a time.
    let evaluating: Promise<void> = Promise.resolve();
    coordinator.on('snapshot', (snapshot) => {
      const adapters = coordinator.status().map((s) => ({
        protocol: s.name,
        breaker: s.breaker,
        consecutiveFailures: s.consecutiveFailures,
        lastError: s.lastError,
      }));
      evaluating = evaluating
        .then(async () => void (await alertService.evaluate({ snapshot, status: { adapters } })))
        .catch((err: unknown) => log.error({ err: errorMessage(err) }, 'alert evaluation failed'));
    });

    const retention = createRetentionJob({ metrics: store.metrics, clock, log, getConfig: cfg });
    const scheduler = createScheduler({
      clock,
      log,
      getConfig: cfg,
      tasks: {
        analyze: async () => {
          if (!coordinator.latest()) return;
          await alertService.evaluatePlan(await engine.analyze());
        },
        decide: async () => {
          if (!coordinator.latest()) return;
          await engine.decide({ trigger: 'loop' });
          await engine.measureEffects();
        },
        retention: async () => {
          await retention.run();
        },
      },
    });

    const metricsCredentials = () => resolveMetricsCredentials(cfg().metrics.auth, baseDir, env);
    metricsCredentials(); // a missing {env}/{file} secret stops the start, not the first scrape
    const app = await buildApp({
      services,
      config: cfg,
      log,
      security: security.plugin,
      extraPlugins: [(scope) => dashboardPlugin(scope)],
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
      coordinator.start();
      scheduler.start();
      closers.push(async () => {
        await scheduler.stop();
        await coordinator.stop();
        await evaluating;
      });
      notifier.start();
    }
    const banner = [...security.banner];
    if (simulators) banner.push(`Running built-in simulators for: ${simulators.protocols.map((p) => p.name).join(', ')}`);
    if (url) banner.push(`Dashboard: ${url}/   API reference: ${url}/docs`);
    log.info({ url, protocols: cfg().protocols.map((p) => p.name), mode: cfg().reallocation.mode }, 'orcha started');

    let closed = false;
    return {
      url,
      banner,
      app,
      services,
      store,
      coordinator,
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
