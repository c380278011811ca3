/**
 * Daily rollups: one row per protocol (and one for the host) per UTC day, derived from the hourly rollups. A year at
 * step 1 day then reads 365 rows per series instead of aggregating 8,760 hourly rows each (SPEC §10: a 1-year
 * history query, downsampled, under 20 ms). Existing databases get their days computed from the hourly rows they hold.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../types.js';

const PROTOCOL_AVERAGES = [
  'usd_per_hour', 'connected', 'uptime', 'cpu_percent', 'memory_bytes', 'bandwidth_bps', 'storage_bytes', 'alloc_cpu',
  'alloc_memory', 'alloc_bandwidth', 'alloc_storage', 'latency_ms',
];
const HOST_AVERAGES = ['total_usd_per_hour', 'cpu_percent', 'memory_percent', 'bandwidth_percent', 'storage_percent'];
const DAY_MS = 86_400_000;

export function dailyRollupsMigration(dialect: Dialect): Migration {
  const sqlite = dialect === 'sqlite';
  const big = sqlite ? 'integer' : 'bigint';
  const float = 'double precision';
  const withoutRowid = sqlite ? sql`without rowid` : sql``;
  const day = sql.raw(`(hour / cast(${DAY_MS} as bigint)) * cast(${DAY_MS} as bigint)`);
  const weighted = (columns: string[]) => sql.raw(columns.map((c) => `sum(${c} * samples) / sum(samples)`).join(', '));

  return {
    async up(db: Kysely<unknown>) {
      let daily = db.schema
        .createTable('metrics_daily')
        .addColumn('protocol_id', 'integer', (c) => c.notNull())
        .addColumn('day', big, (c) => c.notNull())
        .addColumn('samples', 'integer', (c) => c.notNull())
        .addColumn('earned_usd', float, (c) => c.notNull())
        .addColumn('earned_tokens', float, (c) => c.notNull())
        .addColumn('payout_events', 'integer', (c) => c.notNull());
      for (const c of PROTOCOL_AVERAGES) daily = daily.addColumn(c, float, (col) => col.notNull());
      await daily.addPrimaryKeyConstraint('metrics_daily_pk', ['protocol_id', 'day']).modifyEnd(withoutRowid).execute();

      let host = db.schema
        .createTable('metrics_host_daily')
        .addColumn('day', big, (c) => c.primaryKey())
        .addColumn('samples', 'integer', (c) => c.notNull());
      for (const c of HOST_AVERAGES) host = host.addColumn(c, float, (col) => col.notNull());
      await host.execute();

      // Column lists are fixed names from this file, never input.
      await sql`insert into metrics_daily (protocol_id, day, samples, earned_usd, earned_tokens, payout_events, ${sql.raw(PROTOCOL_AVERAGES.join(', '))})
        select protocol_id, ${day} as d, sum(samples), sum(earned_usd), sum(earned_tokens), sum(payout_events), ${weighted(PROTOCOL_AVERAGES)}
        from metrics_hourly group by protocol_id, d`.execute(db);
      await sql`insert into metrics_host_daily (day, samples, ${sql.raw(HOST_AVERAGES.join(', '))})
        select ${day} as d, sum(samples), ${weighted(HOST_AVERAGES)}
        from metrics_host_hourly group by d`.execute(db);
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('metrics_host_daily').ifExists().execute();
      await db.schema.dropTable('metrics_daily').ifExists().execute();
    },
  };
}
