/**
 * The real product for end-to-end tests, started through its one composition root (src/main.ts `startOrcha`) with
 * test options: node simulators on a VirtualClock, a SQLite store in a temp dir, the server on 127.0.0.1:0, no
 * loops (tests move simulated time and poll), security off unless asked for. Simulators, coordinator and engine run
 * on the VirtualClock (`poll` polls again after moving time); the HTTP side (operations, cache, long-polls) runs on
 * real time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AppServices } from '../../src/app/types.js';
import { loadConfig } from '../../src/config/load.js';
import type { Coordinator } from '../../src/engine/coordinator.js';
import { createStaticHostReader } from '../../src/engine/host-resources.js';
import type { App } from '../../src/http/route-types.js';
import type { WsOptions } from '../../src/http/websocket.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { type Logger, silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';
import { type SimulatorsHandle, startSimulators } from '../../src/sim/index.js';
import type { ConfigService } from '../../src/app/config-service.js';
import type { Store } from '../../src/store/types.js';

export interface TestOrchaOptions {
  /** Extra config keys (merged over the generated file). */
  config?: Record<string, unknown>;
  /** Polls taken before the server answers (each after `advance(pollSpacingMs)`). Default 6. */
  warmPolls?: number;
  websocket?: WsOptions;
  operations?: { capacity?: number; timeoutMs?: number };
  /** Turn security on (user `admin` with password `adminPassword`, default ADMIN_PASSWORD). */
  security?: boolean;
  adminPassword?: string;
  /** Use this directory (config, database) and keep it on close: a second start on it is a restart. */
  dir?: string;
  /** Simulated time at start (default 2026-01-01T00:00Z). */
  startAt?: number;
  /** Change the simulators' protocols before they are written to the config (e.g. give one a container). */
  protocols?: (protocols: Record<string, unknown>[]) => Record<string, unknown>[];
  /** Extra environment for orcha: {env: NAME} secrets, DOCKER_HOST of a fake Docker Engine. */
  env?: Record<string, string>;
  /** Where the product logs (default: nowhere). */
  log?: Logger;
}

export const ADMIN_PASSWORD = 'admin-pass-for-tests-1';

export interface TestOrcha {
  url: string;
  wsUrl: string;
  app: App;
  services: AppServices;
  running: RunningOrcha;
  store: Store;
  configService: ConfigService;
  configPath: string;
  coordinator: Coordinator;
  sims: SimulatorsHandle;
  clock: VirtualClock;
  /** Move simulated time and poll once (then wait for what reacts to the snapshot, like alert evaluation). */
  poll(advanceMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestOrcha(options: TestOrchaOptions = {}): Promise<TestOrcha> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'orcha-e2e-')));
  const keepDir = options.dir !== undefined;
  const clock = new VirtualClock(options.startAt ?? Date.UTC(2026, 0, 1));
  const sims = await startSimulators({ seed: 7, clock, timeout: 2 });
  const configPath = join(dir, 'orcha.yaml');
  const raw = {
    dataDir: dir,
    server: { host: '127.0.0.1', port: 0 },
    protocols: options.protocols ? options.protocols(sims.protocols as unknown as Record<string, unknown>[]) : sims.protocols,
    intervals: { poll: 5, push: 1 },
    storage: { sqlitePath: join(dir, 'orcha.db') },
    optimizer: { minObservations: 3 },
    ...options.config,
  };
  let running: RunningOrcha;
  try {
    await writeFile(configPath, stringify(raw));
    running = await startOrcha({
      loaded: loadConfig(configPath, {}),
      log: options.log ?? silentLogger(),
      env: { ORCHA_ADMIN_PASSWORD: options.adminPassword ?? ADMIN_PASSWORD, ...options.env },
      clock,
      host: createStaticHostReader(),
      loops: false,
      security: options.security === true,
      operations: options.operations,
      websocket: options.websocket,
      configDebounceMs: 50,
    });
  } catch (err) {
    await sims.close();
    if (!keepDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const { coordinator } = running;
  const poll = async (advanceMs = 60_000) => {
    await clock.advance(advanceMs);
    await coordinator.pollOnce({ force: true });
    await running.application.settled();
  };
  for (let i = 0; i < (options.warmPolls ?? 6); i++) await poll();

  return {
    url: running.url,
    wsUrl: `${running.url.replace(/^http/, 'ws')}/ws`,
    app: running.app,
    services: running.services,
    running,
    store: running.store,
    configService: running.configService,
    configPath,
    coordinator,
    sims,
    clock,
    poll,
    async close() {
      await running.close();
      await sims.close();
      if (!keepDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
