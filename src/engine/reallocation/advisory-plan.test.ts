import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildConfig } from '../../config/load.js';
import type { ResourceShares } from '../../domain/resources.js';
import type { HostResources, Snapshot } from '../../domain/sample.js';
import { createDryRunExecutor } from '../../executors/dry-run.executor.js';
import { VirtualClock } from '../../lib/clock.js';
import { silentLogger } from '../../lib/logger.js';
import { createStore } from '../../store/index.js';
import type { Store } from '../../store/types.js';
import { createHighsSolver, createLpStrategy } from '../optimizer/index.js';
import { createReallocationEngine } from './engine.js';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5);
const GiB = 2 ** 30;
const host: HostResources = {
  cpuCount: 8,
  cpuPercent: 40,
  memoryTotalBytes: 32 * GiB,
  memoryUsedBytes: 8 * GiB,
  bandwidthCapacityBytesPerSec: 12_500_000,
  bandwidthBytesPerSec: 1_000_000,
  storageTotalBytes: 4e12,
  storageUsedBytes: 1e12,
};
const initial: Record<string, ResourceShares> = {
  mysterium: { cpu: 20, memory: 20, bandwidth: 45, storage: 10 },
  grass: { cpu: 20, memory: 20, bandwidth: 45, storage: 10 },
};
const rate = { mysterium: 0.2, grass: 0.01 };

/** Three days of hourly samples at the initial allocation: mysterium earns 20 times what grass does. */
function history(): Snapshot[] {
  return Array.from({ length: 72 }, (_, h) => {
    const time = START + (h + 1) * HOUR;
    const protocols = Object.entries(initial).map(([name, allocation]) => ({
      protocol: name,
      type: name as 'mysterium' | 'grass',
      time,
      connected: true,
      token: 'USD',
      cumulativeTokens: h * rate[name as keyof typeof rate],
      earnedTokens: rate[name as keyof typeof rate],
      earnedUsd: rate[name as keyof typeof rate],
      usdPerHour: rate[name as keyof typeof rate] * (1 + 0.02 * Math.sin(h)),
      payoutEvent: false,
      uptime: 1,
      cpuPercent: 5,
      memoryBytes: GiB,
      bandwidthBytesPerSec: 100_000,
      storageBytes: 1e9,
      allocation,
      latencyMs: 2,
    }));
    return { time, totalUsdPerHour: 0.21, host, protocols };
  });
}

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function decideOnce(mode: 'advisory' | 'auto', store: Store) {
  const clock = new VirtualClock(START + 73 * HOUR);
  const config = buildConfig(
    {
      protocols: Object.keys(initial).map((name) => ({ name, type: name, endpoint: `http://127.0.0.1:9/${name}`, initialAllocation: initial[name] })),
      reallocation: { mode },
    },
    {},
  );
  const snaps = history();
  const engine = createReallocationEngine({
    repo: store.reallocations,
    executors: new Map(Object.keys(initial).map((n) => [n, createDryRunExecutor({ protocol: n, clock, initial: initial[n] })])),
    strategy: createLpStrategy({ solver: createHighsSolver() }),
    clock,
    log: silentLogger(),
    getConfig: () => config,
    getState: () => ({ snapshot: snaps.at(-1)!, health: { mysterium: true, grass: true }, host, current: initial }),
    history: () => snaps,
  });
  return engine.decide({ trigger: 'loop' });
}

describe('advisory mode', () => {
  it('shows the very plan auto mode applies, from the same history', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'orcha-advisory-'));
    const a = await createStore({ sqlitePath: join(dir, 'a.db') });
    const b = await createStore({ sqlitePath: join(dir, 'b.db') });
    cleanup = async () => {
      await a.close();
      await b.close();
      await rm(dir, { recursive: true, force: true });
    };
    const advisory = await decideOnce('advisory', a);
    const auto = await decideOnce('auto', b);
    expect(advisory.status).toBe('advisory');
    expect(auto.status).toBe('applied');
    expect(advisory.reallocation.after).toEqual(auto.reallocation.after);
    expect(advisory.plan?.target).toEqual(auto.plan?.target);
    expect(advisory.reallocation.after.mysterium.bandwidth).toBeGreaterThan(45);
  });
});
