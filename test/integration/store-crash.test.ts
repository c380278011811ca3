/**
 * Crash safety: a child process writes snapshots in a loop and is killed with SIGKILL mid-stream. Every snapshot
 * whose write returned must be stored whole, and no partial snapshot may exist.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { createPostgresTestStore, createSqliteTestStore, describeEachStore } from '../helpers/stores.js';

const STORE_MODULE = fileURLToPath(new URL('../../src/store/index.ts', import.meta.url));
const PROTOCOLS = 3;

/** The writer: alternates single inserts and batches of 20, printing each snapshot time once its write returned. */
const CHILD = `
const { createStore } = await import(${JSON.stringify(STORE_MODULE)});
const store = await createStore({ ...JSON.parse(process.argv[1]), migrate: false });
const sample = (protocol, time) => ({ protocol, type: 'storj', time, connected: true, token: 'T', cumulativeTokens: 1,
  earnedTokens: 0.5, earnedUsd: 0.25, usdPerHour: 1, payoutEvent: false, uptime: 1, cpuPercent: 5, memoryBytes: 1,
  bandwidthBytesPerSec: 1, storageBytes: 1, allocation: { cpu: 10, memory: 10, bandwidth: 10, storage: 10 }, latencyMs: 1 });
const snap = (time) => ({ time, totalUsdPerHour: ${PROTOCOLS}, host: { cpuCount: 1, cpuPercent: 1, memoryTotalBytes: 1,
  memoryUsedBytes: 1, bandwidthCapacityBytesPerSec: 1, bandwidthBytesPerSec: 1, storageTotalBytes: 1, storageUsedBytes: 1 },
  protocols: Array.from({ length: ${PROTOCOLS} }, (_, p) => sample('p' + p, time)) });
let t = 1_700_000_000_000;
for (let i = 0; ; i++) {
  const batch = Array.from({ length: i % 2 === 0 ? 1 : 20 }, () => snap((t += 1000)));
  if (batch.length === 1) await store.metrics.insertSnapshot(batch[0]); else await store.metrics.insertSnapshots(batch);
  process.stdout.write(batch.map((s) => s.time).join('\\n') + '\\n');
}
`;

async function writeUntilKilled(connection: { sqlitePath?: string; url?: string }, acksBeforeKill: number): Promise<number[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, JSON.stringify(connection)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const acked: number[] = [];
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  for await (const line of createInterface({ input: child.stdout })) {
    acked.push(Number(line));
    if (acked.length >= acksBeforeKill) {
      child.kill('SIGKILL');
      break;
    }
  }
  const signal = await exited;
  if (signal !== 'SIGKILL') throw new Error(`writer exited on its own (${signal}): ${stderr}`);
  return acked;
}

async function assertWhole(store: Store, acked: number[]): Promise<void> {
  const stored = (await store.metrics.history({ from: 0, to: Number.MAX_SAFE_INTEGER })).map((p) => p.time);
  const storedSet = new Set(stored);
  expect(acked.filter((t) => !storedSet.has(t))).toEqual([]);
  const rowsPerSnapshot = new Map<number, number>();
  for await (const page of store.metrics.iterateProtocolRows({ from: 0, to: Number.MAX_SAFE_INTEGER }, 5_000)) {
    for (const row of page) rowsPerSnapshot.set(row.time, (rowsPerSnapshot.get(row.time) ?? 0) + 1);
  }
  const counts = await store.metrics.count();
  expect(counts.protocolRows).toBe(counts.snapshots * PROTOCOLS);
  expect(stored.filter((t) => rowsPerSnapshot.get(t) !== PROTOCOLS)).toEqual([]);
  expect([...rowsPerSnapshot.keys()].filter((t) => !storedSet.has(t))).toEqual([]);
}

describeEachStore('crash safety', (factory) => {
  it('keeps every returned snapshot whole and no partial one after SIGKILL', async () => {
    const store = factory.name === 'sqlite' ? await createSqliteTestStore() : await createPostgresTestStore();
    try {
      const connection = 'path' in store ? { sqlitePath: store.path } : { url: (store as Store & { url: string }).url };
      const acked = await writeUntilKilled(connection, 400);
      expect(acked.length).toBeGreaterThanOrEqual(400);
      await assertWhole(store, acked);
    } finally {
      await store.close();
    }
  });
});
