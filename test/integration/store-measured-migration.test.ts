import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src/store/migrations/index.js';
import type { Store } from '../../src/store/types.js';
import { protocolSample, rawQuery, snapshot, storeFactories } from '../helpers/stores.js';

/**
 * Migration 007 on a database that already holds samples (every one stored with 0 CPU, memory and network, none of
 * them measured): the columns become nullable on both dialects (SQLite by rebuilding the tables), the old zeros become
 * NULL, every other value and the rows themselves are kept, and new unmeasured samples store as NULL.
 */

const T0 = Date.UTC(2026, 0, 5, 10);

function kyselyOn(store: Store): { db: Kysely<unknown>; schema?: string } {
  const s = store as Store & { path?: string; url?: string; schema?: string };
  if (s.path) return { db: new Kysely({ dialect: new SqliteDialect({ database: new BetterSqlite3(s.path) }) }) };
  return { db: new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: s.url, max: 1 }) }) }), schema: s.schema };
}

for (const factory of storeFactories()) {
  describe.runIf(factory.available)(`migration 007 on a database with samples [${factory.name}]`, () => {
    it('makes CPU, memory and network nullable, turns the old zeros into NULL and keeps everything else', async () => {
      const store = await factory.create({ migrate: false });
      try {
        const { db, schema } = kyselyOn(store);
        try {
          const migrator = new Migrator({ db, provider: migrationProvider(factory.name), migrationTableSchema: schema, allowUnorderedMigrations: true });
          const { error } = await migrator.migrateTo('006-fleet');
          expect(error).toBeUndefined();
          // As 006 wrote them: every column NOT NULL, the resource columns 0.
          await sql`insert into protocols (name, type, token) values ('storj', 'storj', 'USD')`.execute(db);
          await sql`insert into allocations (cpu, memory, bandwidth, storage) values (250000, 200000, 300000, 400000)`.execute(db);
          await sql`insert into metrics (time, total_usd_per_hour, cpu_percent, memory_percent, bandwidth_percent, storage_percent, cpu_count,
            memory_total_bytes, memory_used_bytes, bandwidth_capacity_bps, bandwidth_bps, storage_total_bytes, storage_used_bytes)
            values (${T0}, 50000000, 355000, 250000, 80000, 250000, 8, 16000000000, 4000000000, 12500000, 1000000, 8000000000000, 2000000000000)`.execute(db);
          await sql`insert into protocol_metrics (protocol_id, time, time_offset, connected, error, cumulative_tokens, earned_tokens, earned_usd,
            usd_per_hour, payout_event, uptime, cpu_percent, memory_bytes, bandwidth_bps, storage_bytes, allocation_id, latency_us)
            values (1, ${T0}, 0, 1, null, 12500000000, 2000000, 1000000, 50000000, 0, 995000, 0, 0, 0, 500000000000, 1, 4500)`.execute(db);
          await sql`insert into metrics_hourly (protocol_id, hour, samples, usd_per_hour, earned_usd, earned_tokens, payout_events, connected, uptime,
            cpu_percent, memory_bytes, bandwidth_bps, storage_bytes, alloc_cpu, alloc_memory, alloc_bandwidth, alloc_storage, latency_ms)
            values (1, ${T0}, 60, 0.05, 0.06, 0.12, 0, 1, 0.995, 0, 0, 0, 500000000000, 25, 20, 30, 40, 4.5)`.execute(db);
        } finally {
          await db.destroy();
        }

        // 007 and whatever came after it.
        expect((await store.migrate())[0]).toBe('007-measured-resources');
        const latest = (await store.metrics.latest())!;
        expect(latest.protocols).toHaveLength(1);
        expect(latest.protocols[0]).toMatchObject({
          protocol: 'storj',
          cumulativeTokens: 12.5,
          storageBytes: 500_000_000_000,
          uptime: 0.995,
          allocation: { cpu: 25, memory: 20, bandwidth: 30, storage: 40 },
          cpuPercent: null,
          memoryBytes: null,
          bandwidthBytesPerSec: null,
          blockIoBytesPerSec: null,
          resourcesMeasured: false,
        });
        const hourly = await rawQuery(store, 'select cpu_percent, memory_bytes, bandwidth_bps, block_io_bps, storage_bytes, samples from metrics_hourly');
        expect(hourly.map((r) => [r.cpu_percent, r.memory_bytes, r.bandwidth_bps, r.block_io_bps, Number(r.storage_bytes), Number(r.samples)])).toEqual([
          [null, null, null, null, 500_000_000_000, 60],
        ]);
        // New samples: measured ones keep their numbers, unmeasured ones store NULL.
        const measured = protocolSample('storj', T0 + 60_000);
        const unmeasured = protocolSample('golem', T0 + 60_000, { type: 'golem', cpuPercent: null, memoryBytes: null, bandwidthBytesPerSec: null, blockIoBytesPerSec: null, resourcesMeasured: false });
        await store.metrics.insertSnapshot(snapshot(T0 + 60_000, [measured, unmeasured]));
        const after = (await store.metrics.latest())!.protocols;
        expect(after.find((p) => p.protocol === 'storj')).toMatchObject({ cpuPercent: 12.25, memoryBytes: 512_000_000, blockIoBytesPerSec: 1_250_000, resourcesMeasured: true });
        expect(after.find((p) => p.protocol === 'golem')).toMatchObject({ cpuPercent: null, memoryBytes: null, resourcesMeasured: false });
      } finally {
        await store.close();
      }
    });
  });
}
