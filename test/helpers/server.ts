/**
 * The real server for end-to-end tests: node simulators, adapters, coordinator, SQLite store, optimizer and
 * reallocation engine, wired as main.ts wires them, served by buildApp on 127.0.0.1:0.
 * Simulators, coordinator and engine run on a VirtualClock (`advance` polls again after moving time); the
 * HTTP side (operations, cache, long-polls) runs on real time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createAdapters } from '../../src/adapters/index.js';
import { createSecuritySetup } from '../../src/auth/setup.js';
import { createStaticPriceSource } from '../../src/adapters/prices.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { type Coordinator, createCoordinator } from '../../src/engine/coordinator.js';
import { createStaticHostReader } from '../../src/engine/host-resources.js';
import { createStrategy } from '../../src/engine/optimizer/index.js';
import { createReallocationEngine } from '../../src/engine/reallocation/index.js';
import { createExecutors } from '../../src/executors/index.js';
import { type BuildAppOptions, buildApp, closeApp } from '../../src/http/app.js';
import type { App } from '../../src/http/route-types.js';
import { createEventBus } from '../../src/app/events.js';
import type { AppServices } from '../../src/http/services.js';
import { configInvalidAlert, coordinatorView, createAppServices, engineEventsTo } from '../../src/http/wire.js';
import { VirtualClock, systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type SimulatorsHandle, startSimulators } from '../../src/sim/index.js';
import { createCache } from '../../src/services/cache.js';
import { type ConfigService, createConfigService } from '../../src/services/config-service.js';
import { createOperationsService } from '../../src/services/operations.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

export interface TestServerOptions {
  /** Extra config keys (merged over the generated file). */
  config?: Record<string, unknown>;
  /** Polls taken before the server answers (each after `advance(pollSpacingMs)`). Default 6. */
  warmPolls?: number;
  websocket?: BuildAppOptions['websocket'];
  operations?: { capacity?: number; timeoutMs?: number };
  /** Turn security on (user `admin` with password ADMIN_PASSWORD). */
  security?: boolean;
}

export const ADMIN_PASSWORD = 'admin-pass-for-tests-1';

export interface TestServer {
  url: string;
  wsUrl: string;
  app: App;
  services: AppServices;
  store: Store;
  configService: ConfigService;
  configPath: string;
  coordinator: Coordinator;
  sims: SimulatorsHandle;
  clock: VirtualClock;
  /** Move simulated time and poll once. */
  poll(advanceMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'orcha-e2e-'));
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const log = silentLogger();
  const sims = await startSimulators({ seed: 7, clock, timeout: 2 });
  const configPath = join(dir, 'orcha.yaml');
  const raw = {
    dataDir: dir,
    protocols: sims.protocols,
    intervals: { poll: 5, push: 1 },
    storage: { sqlitePath: join(dir, 'orcha.db') },
    optimizer: { minObservations: 3 },
    ...options.config,
  };
  await writeFile(configPath, stringify(raw));
  const loaded = loadConfig(configPath, {});
  const store = await createStore({ sqlitePath: join(dir, 'orcha.db') });
  const events = createEventBus();
  const configService = createConfigService({
    initial: loaded.config,
    path: configPath,
    log,
    env: {},
    debounceMs: 50,
    onInvalid: configInvalidAlert(store.alerts, systemClock, events),
  });
  const cfg = (): Config => configService.current();
  const coordinatorSettings = (c: Config) => ({ ...c.coordinator, intervals: c.intervals });
  const adapters = (c: Config) => createAdapters(c.protocols, { baseDir: dir, clock, env: {} });
  const executors = createExecutors(cfg().protocols, { log, clock, configDir: dir });
  const strategy = createStrategy(cfg().optimizer.strategy);
  let engineRef: ReturnType<typeof createReallocationEngine> | null = null;
  const coordinator = createCoordinator({
    protocols: cfg().protocols,
    adapters: adapters(cfg()),
    metrics: store.metrics,
    host: createStaticHostReader(),
    prices: createStaticPriceSource(cfg().prices.usd),
    clock,
    log,
    settings: coordinatorSettings(cfg()),
    allocation: () => engineRef?.current() ?? {},
  });
  const health = () => Object.fromEntries(coordinator.status().map((s) => [s.name, s.connected && s.breaker === 'closed']));
  const engine = createReallocationEngine({
    repo: store.reallocations,
    executors,
    strategy,
    clock,
    log,
    getConfig: cfg,
    getState: () => ({ snapshot: coordinator.latest(), health: health() }),
    metrics: store.metrics,
    onEvent: engineEventsTo(events),
  });
  engineRef = engine;
  // As main.ts does: a config change reaches the coordinator without a restart.
  configService.on('change', ({ config }) =>
    coordinator.reconfigure({ protocols: config.protocols, adapters: adapters(config), settings: coordinatorSettings(config) }),
  );
  configService.watch();

  const security = options.security
    ? await createSecuritySetup({
        config: cfg,
        store,
        clock: systemClock,
        log,
        dataDir: dir,
        baseDir: dir,
        env: { ORCHA_ADMIN_PASSWORD: ADMIN_PASSWORD },
      })
    : null;
  const operations = createOperationsService({ repo: store.operations, clock: systemClock, log, ...options.operations });
  const cache = createCache(cfg(), { clock: systemClock, log });
  const services = createAppServices({
    store,
    configService,
    clock,
    log,
    coordinator: coordinatorView(coordinator, events),
    engine,
    strategy,
    executors,
    engineState: () => ({ snapshot: coordinator.latest(), health: health() }),
    cache,
    operations,
    events,
    exportDir: join(dir, 'exports'),
    authenticate: security?.authenticate,
  });
  await operations.start();

  const poll = async (advanceMs = 60_000) => {
    await clock.advance(advanceMs);
    await coordinator.pollOnce({ force: true });
  };
  for (let i = 0; i < (options.warmPolls ?? 6); i++) await poll();

  const app = await buildApp({ services, config: cfg, log, websocket: options.websocket, security: security?.plugin });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    app,
    services,
    store,
    configService,
    configPath,
    coordinator,
    sims,
    clock,
    poll,
    async close() {
      await closeApp(app, 2000);
      await operations.stop();
      await security?.close();
      configService.close();
      await cache.close();
      await coordinator.stop();
      await sims.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
