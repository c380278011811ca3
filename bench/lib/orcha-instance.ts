/**
 * The real product for benchmarks: 5 node simulators (started here, on the system clock) and orcha itself through
 * its composition root (src/main.ts startOrcha), on a temp data dir and an ephemeral port, logged in as the first
 * admin. Rate limits are raised so that they never shape a benchmark's load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { ProtocolType } from '../../src/domain/resources.js';
import type { Snapshot } from '../../src/domain/sample.js';
import { systemClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';
import { type SimulatorsHandle, startSimulators } from '../../src/sim/index.js';
import { createStore } from '../../src/store/index.js';

export const BENCH_TYPES: ProtocolType[] = ['storj', 'golem', 'mysterium', 'streamr', 'grass'];
export const ADMIN_PASSWORD = 'bench-admin-password-0123';

export interface OrchaInstance {
  url: string;
  /** `Bearer <access token>` of the admin. */
  authorization: string;
  accessToken: string;
  running: RunningOrcha;
  sims: SimulatorsHandle;
  dataDir: string;
  close(): Promise<void>;
}

export interface OrchaInstanceOptions {
  /** Extra raw config merged over the benchmark's (e.g. intervals). */
  config?: Record<string, unknown>;
  /** Called with the SQLite path before orcha starts (to store history first). */
  seed?: (sqlitePath: string, protocols: Config['protocols']) => Promise<void>;
}

export async function startOrchaInstance(options: OrchaInstanceOptions = {}): Promise<OrchaInstance> {
  const dataDir = await mkdtemp(join(tmpdir(), 'orcha-bench-'));
  const sims = await startSimulators({ seed: 7, clock: systemClock, types: BENCH_TYPES });
  const raw = {
    dataDir,
    server: { host: '127.0.0.1', port: 0 },
    protocols: sims.protocols,
    rateLimit: { enabled: true, perIp: 1_000_000, perUser: 1_000_000 },
    log: { level: 'error' },
    ...options.config,
  };
  const config = buildConfig(raw, {});
  await options.seed?.(join(dataDir, 'orcha.db'), config.protocols);
  const env = { ...process.env, ORCHA_ADMIN_PASSWORD: ADMIN_PASSWORD };
  let running: RunningOrcha;
  try {
    running = await startOrcha({ loaded: { config, path: null, baseDir: dataDir }, log: silentLogger(), env });
  } catch (err) {
    await sims.close();
    throw err;
  }
  const res = await fetch(`${running.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (!res.ok) throw new Error(`login failed: HTTP ${res.status} ${await res.text()}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  return {
    url: running.url,
    accessToken,
    authorization: `Bearer ${accessToken}`,
    running,
    sims,
    dataDir,
    async close() {
      await running.close();
      await sims.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Waits until orcha has taken a snapshot (the dashboard and the metrics push need one). */
export async function waitForSnapshot(instance: OrchaInstance, timeoutMs = 30_000): Promise<Snapshot> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = instance.running.coordinator.latest();
    if (s?.protocols.some((p) => p.connected)) return s;
    if (Date.now() > until) throw new Error('orcha took no snapshot in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `days` of history ending `endMs`, one snapshot every `everyMs`, written through the store's own batched ingest
 * before orcha opens the file (a month of polls, compressed to fewer points to keep the set-up short).
 */
export async function storeHistory(sqlitePath: string, protocols: { name: string; type: string }[], endMs: number, days: number, everyMs: number): Promise<number> {
  const store = await createStore({ sqlitePath });
  const start = endMs - days * 86_400_000;
  let batch: Snapshot[] = [];
  let count = 0;
  try {
    for (let t = start; t < endMs; t += everyMs) {
      batch.push(syntheticSnapshot(t, protocols, count));
      count++;
      if (batch.length >= 2000) {
        await store.metrics.insertSnapshots(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await store.metrics.insertSnapshots(batch);
  } finally {
    await store.close();
  }
  return count;
}

const GiB = 2 ** 30;

/** A plausible snapshot: smooth daily earnings cycles, stable allocations (what a month of polls looks like). */
export function syntheticSnapshot(time: number, protocols: { name: string; type: string }[], i: number): Snapshot {
  const day = Math.sin((2 * Math.PI * (time % 86_400_000)) / 86_400_000);
  const samples = protocols.map((p, k) => {
    const usdPerHour = 0.01 * (k + 1) * (1 + 0.2 * day);
    return {
      protocol: p.name,
      type: p.type,
      time,
      connected: (i + k) % 997 !== 0,
      token: 'USD',
      cumulativeTokens: i * 0.001 * (k + 1),
      earnedTokens: 0.001 * (k + 1),
      earnedUsd: 0.001 * (k + 1),
      usdPerHour,
      payoutEvent: false,
      uptime: 1,
      cpuPercent: 10 + k + 3 * day,
      memoryBytes: (1 + k) * GiB,
      bandwidthBytesPerSec: 100_000 * (k + 1),
      storageBytes: k === 0 ? 500 * GiB : 0,
      allocation: { cpu: 16, memory: 16, bandwidth: 16, storage: 16 },
      latencyMs: 2 + (k % 3),
    };
  });
  return {
    time,
    totalUsdPerHour: samples.reduce((s, p) => s + p.usdPerHour, 0),
    host: {
      cpuCount: 8,
      cpuPercent: 40 + 10 * day,
      memoryTotalBytes: 32 * GiB,
      memoryUsedBytes: 12 * GiB,
      bandwidthCapacityBytesPerSec: 12_500_000,
      bandwidthBytesPerSec: 3_000_000,
      storageTotalBytes: 4e12,
      storageUsedBytes: 1e12,
    },
    protocols: samples,
  };
}
