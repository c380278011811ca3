import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdapters } from '../../src/adapters/index.js';
import { createStaticPriceSource } from '../../src/adapters/prices.js';
import type { Allocation, ProtocolType } from '../../src/domain/resources.js';
import type { Snapshot } from '../../src/domain/sample.js';
import { type Coordinator, type CoordinatorSettings, createCoordinator } from '../../src/engine/coordinator.js';
import { createStaticHostReader } from '../../src/engine/host-resources.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type SimulatorsHandle, startSimulators } from '../../src/sim/index.js';
import { createStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';

/** Prices matching the simulators' token conversion, so USD read back equals USD the market paid. */
export const SIM_PRICES = { USD: 1, STORJ: 0.45, GLM: 0.3, MYST: 0.12, DATA: 0.02, GRASS: 0.0002 };

export interface SimRig {
  clock: VirtualClock;
  sims: SimulatorsHandle;
  store: Store;
  coordinator: Coordinator;
  /** Resolves with the next snapshot the coordinator emits. */
  nextSnapshot(): Promise<Snapshot>;
  /** Wait (real time, briefly) until the loop has parked on the clock. */
  parked(): Promise<void>;
  close(): Promise<void>;
}

/** Simulators + adapters + a real SQLite store + a coordinator, all on one VirtualClock. */
export async function startSimRig(options: {
  seed?: number;
  types?: ProtocolType[];
  /** Per-call timeout, seconds (default 3), and per-protocol overrides. */
  timeout?: number;
  timeouts?: Record<string, number>;
  settings?: Partial<CoordinatorSettings>;
  /** Simulated start time, epoch ms (default: the VirtualClock's). */
  start?: number;
  /** The allocation in force, as the engine reports it (default: the simulators' initial allocation, fixed). */
  allocation?: () => Allocation;
}): Promise<SimRig> {
  const clock = new VirtualClock(options.start);
  const sims = await startSimulators({ seed: options.seed ?? 11, clock, types: options.types, timeout: options.timeout ?? 3 });
  for (const p of sims.protocols) p.timeout = options.timeouts?.[p.name] ?? p.timeout;
  const dir = await mkdtemp(join(tmpdir(), 'orcha-coord-'));
  const store = await createStore({ sqlitePath: join(dir, 'orcha.db') });
  const allocation = Object.fromEntries(sims.protocols.map((p) => [p.name, p.initialAllocation!]));
  const coordinator = createCoordinator({
    protocols: sims.protocols,
    adapters: createAdapters(sims.protocols, { baseDir: dir, clock }),
    metrics: store.metrics,
    host: createStaticHostReader(),
    prices: createStaticPriceSource(SIM_PRICES),
    clock,
    log: silentLogger(),
    settings: {
      historySize: 1000,
      retries: 1,
      breakerFailures: 3,
      breakerHalfOpenAfter: 0.3,
      intervals: { poll: 5, cloudPoll: 300 },
      ...options.settings,
    },
    allocation: options.allocation ?? (() => allocation),
    ledgers: store.ledgers,
    health: store.nodeHealth,
  });
  return {
    clock,
    sims,
    store,
    coordinator,
    nextSnapshot: () =>
      new Promise<Snapshot>((resolve) => {
        const off = coordinator.on('snapshot', (s) => {
          off();
          resolve(s);
        });
      }),
    async parked() {
      for (let i = 0; i < 1000 && clock.pending === 0; i++) await new Promise((r) => setTimeout(r, 2));
    },
    async close() {
      await coordinator.stop();
      await sims.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
