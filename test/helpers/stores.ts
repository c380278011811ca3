/**
 * Real-database stores for tests: the same suite runs on SQLite and on PostgreSQL.
 *
 * Usage (the common case: one fresh, migrated store per test, closed and cleaned up after it):
 *
 *   import { describeEachStore, useStore } from '../helpers/stores.js';
 *
 *   describeEachStore('alerts', (factory) => {
 *     const store = useStore(factory);            // beforeEach creates, afterEach closes
 *     it('finds the open alert by key', async () => {
 *       await store().alerts.insert(...);
 *     });
 *   });
 *
 * Or by hand: `for (const f of storeFactories()) { const s = await f.create(); ...; await s.close(); }`
 * (check `f.available` first, or use `describe.runIf(f.available)`).
 *
 * - SQLite: a file in a fresh temp directory, deleted on close().
 * - PostgreSQL: `ORCHA_TEST_PG_URL` or postgres://postgres@127.0.0.1:5432/test; every store lives in its own new
 *   schema `orcha_t_<random>` (search_path), dropped on close(), so parallel test files never collide.
 * - `protocolSample(name, time, overrides)` and `snapshot(time, samples, overrides)` build valid test data.
 * - `reopenStore(store)` opens a second store on the same database (another process's view); `rawQuery(store, sql)`
 *   runs SQL beside the store (inspecting tables, or making a database look like an older version's).
 * - When CI=true the PostgreSQL suite always runs and fails loudly if it cannot connect. Elsewhere, if PostgreSQL is
 *   unreachable, a warning says so and the PostgreSQL describe blocks are skipped (describe.runIf).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe } from 'vitest';
import type { ProtocolSample, Snapshot } from '../../src/domain/sample.js';
import { createStore } from '../../src/store/index.js';
import type { Dialect, Store } from '../../src/store/types.js';

export const PG_TEST_URL = process.env.ORCHA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const IN_CI = process.env.CI === 'true';

export interface StoreFactory {
  name: Dialect;
  /** False only outside CI when PostgreSQL is unreachable. */
  available: boolean;
  /** A fresh store (migrated unless `migrate: false`); its close() also removes the temp file or schema. */
  create(options?: { migrate?: boolean }): Promise<Store>;
}

async function probePostgres(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const postgresReachable = IN_CI ? true : await probePostgres();
if (!postgresReachable) {
  console.warn(`PostgreSQL not reachable at ${PG_TEST_URL}, skipping the postgres suite (set CI=true to make this an error)`);
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** The URL with search_path pinned to one schema (pg passes `options` to the server at connect). */
export function urlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export async function createSqliteTestStore(options: { migrate?: boolean } = {}): Promise<Store & { path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'orcha-store-'));
  const path = join(dir, 'orcha.db');
  const store = await createStore({ sqlitePath: path, migrate: options.migrate });
  const close = store.close.bind(store);
  return Object.assign(store, {
    path,
    async close() {
      await close();
      await rm(dir, { recursive: true, force: true });
    },
  });
}

export async function createPostgresTestStore(options: { migrate?: boolean } = {}): Promise<Store & { schema: string; url: string }> {
  const schema = `orcha_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create schema ${schema}`);
  const url = urlWithSchema(PG_TEST_URL, schema);
  let store: Store;
  try {
    store = await createStore({ url, migrate: options.migrate });
  } catch (err) {
    await adminQuery(`drop schema if exists ${schema} cascade`).catch(() => {});
    throw err;
  }
  const close = store.close.bind(store);
  return Object.assign(store, {
    schema,
    url,
    async close() {
      await close();
      await adminQuery(`drop schema if exists ${schema} cascade`);
    },
  });
}

/** Where a test store lives: its SQLite file or its PostgreSQL URL (with the schema pinned). */
function locationOf(store: Store): { sqlitePath: string } | { url: string } {
  const s = store as Store & { path?: string; url?: string };
  if (s.path) return { sqlitePath: s.path };
  if (s.url) return { url: s.url };
  throw new Error('not a store made by the test helpers');
}

/** A second, independent store on the same database; the caller closes it (before the original, which cleans up). */
export function reopenStore(store: Store, options: { migrate?: boolean } = {}): Promise<Store> {
  return createStore({ ...locationOf(store), migrate: options.migrate });
}

/** Runs one SQL statement on a test store's database over a separate connection; returns its rows. */
export async function rawQuery(store: Store, text: string): Promise<Record<string, unknown>[]> {
  const where = locationOf(store);
  if ('sqlitePath' in where) {
    const db = new BetterSqlite3(where.sqlitePath);
    try {
      const statement = db.prepare(text);
      if (statement.reader) return statement.all() as Record<string, unknown>[];
      statement.run();
      return [];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: where.url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

export function storeFactories(): StoreFactory[] {
  return [
    { name: 'sqlite', available: true, create: (options) => createSqliteTestStore(options) },
    { name: 'postgres', available: postgresReachable, create: (options) => createPostgresTestStore(options) },
  ];
}

/** One describe block per dialect, titled `<title> [sqlite]` / `<title> [postgres]`. */
export function describeEachStore(title: string, body: (factory: StoreFactory) => void): void {
  for (const factory of storeFactories()) {
    describe.runIf(factory.available)(`${title} [${factory.name}]`, () => body(factory));
  }
}

/** Registers beforeEach/afterEach hooks; call the returned function inside tests to get the current store. */
export function useStore(factory: StoreFactory): () => Store {
  let current: Store | undefined;
  beforeEach(async () => {
    current = await factory.create();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('useStore(): the store exists only inside a test');
    return current;
  };
}

/** Test data builders with sensible defaults; override only what a test is about. */
export function protocolSample(protocol: string, time: number, overrides: Partial<ProtocolSample> = {}): ProtocolSample {
  return {
    protocol,
    type: 'storj',
    time,
    connected: true,
    token: 'STORJ',
    cumulativeTokens: 12.5,
    earnedTokens: 0.002,
    earnedUsd: 0.001,
    usdPerHour: 0.05,
    payoutEvent: false,
    uptime: 0.995,
    cpuPercent: 12.25,
    memoryBytes: 512_000_000,
    bandwidthBytesPerSec: 250_000,
    blockIoBytesPerSec: 1_250_000,
    resourcesMeasured: true,
    storageBytes: 500_000_000_000,
    allocation: { cpu: 25, memory: 20, bandwidth: 30, storage: 40 },
    latencyMs: 4.5,
    ...overrides,
  };
}

export function snapshot(time: number, protocols: ProtocolSample[], overrides: Partial<Omit<Snapshot, 'protocols'>> = {}): Snapshot {
  return {
    time,
    totalUsdPerHour: protocols.reduce((sum, p) => sum + p.usdPerHour, 0),
    host: {
      cpuCount: 8,
      cpuPercent: 35.5,
      memoryTotalBytes: 16_000_000_000,
      memoryUsedBytes: 8_000_000_000,
      bandwidthCapacityBytesPerSec: 12_500_000,
      bandwidthBytesPerSec: 2_500_000,
      storageTotalBytes: 4_000_000_000_000,
      storageUsedBytes: 1_000_000_000_000,
    },
    protocols,
    ...overrides,
  };
}
