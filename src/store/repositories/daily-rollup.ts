/**
 * Daily rollups are derived from the hourly ones, never from raw rows: whenever hourly rows of a day change (rollup,
 * retention), that day is recomputed from the hourly rows it has left, in the same transaction. So a day's row always
 * answers exactly what its hourly rows would, and readers may use either.
 */
import { type Kysely, sql } from 'kysely';
import { DAY_MS } from '../codec.js';
import type { Database } from '../schema.js';
import { bucketOf } from './buckets.js';

/** Sample-weighted average of hourly averages: equal to the average of the raw rows beneath them. */
const weighted = (column: string) => sql<number>`sum(${sql.ref(column)} * samples) / sum(samples)`;
/** The same over the hours that measured it (NULL: not measured); NULL when none did. */
const weightedMeasured = (column: string) =>
  sql<number | null>`sum(${sql.ref(column)} * samples) / nullif(sum(case when ${sql.ref(column)} is null then 0 else samples end), 0)`;

/**
 * Replaces the daily rows of UTC days [fromDay, toDay) (both day-aligned) with fresh aggregates of their hours.
 * `ids`: every protocol id; naming them lets both dialects read the (protocol_id, hour) key as ranges, not a scan.
 */
export async function recomputeDays(trx: Kysely<Database>, ids: number[], fromDay: number, toDay: number): Promise<void> {
  if (toDay <= fromDay) return;
  await trx.deleteFrom('metrics_host_daily').where('day', '>=', fromDay).where('day', '<', toDay).execute();
  await trx
    .insertInto('metrics_host_daily')
    .columns(['day', 'samples', 'total_usd_per_hour', 'cpu_percent', 'memory_percent', 'bandwidth_percent', 'storage_percent'])
    .expression(
      trx
        .selectFrom('metrics_host_hourly')
        .select([
          bucketOf('hour', DAY_MS).as('bucket'),
          sql<number>`sum(samples)`.as('samples'),
          weighted('total_usd_per_hour').as('total_usd_per_hour'),
          weighted('cpu_percent').as('cpu_percent'),
          weighted('memory_percent').as('memory_percent'),
          weighted('bandwidth_percent').as('bandwidth_percent'),
          weighted('storage_percent').as('storage_percent'),
        ])
        .where('hour', '>=', fromDay)
        .where('hour', '<', toDay)
        .groupBy(sql.ref('bucket')),
    )
    .execute();

  if (ids.length === 0) return;
  await trx.deleteFrom('metrics_daily').where('protocol_id', 'in', ids).where('day', '>=', fromDay).where('day', '<', toDay).execute();
  await trx
    .insertInto('metrics_daily')
    .columns([
      'protocol_id', 'day', 'samples', 'earned_usd', 'earned_tokens', 'payout_events', 'usd_per_hour', 'connected', 'uptime',
      'cpu_percent', 'memory_bytes', 'bandwidth_bps', 'block_io_bps', 'storage_bytes', 'alloc_cpu', 'alloc_memory',
      'alloc_bandwidth', 'alloc_storage', 'latency_ms',
    ])
    .expression(
      trx
        .selectFrom('metrics_hourly')
        .select([
          'protocol_id',
          bucketOf('hour', DAY_MS).as('bucket'),
          sql<number>`sum(samples)`.as('samples'),
          sql<number>`sum(earned_usd)`.as('earned_usd'),
          sql<number>`sum(earned_tokens)`.as('earned_tokens'),
          sql<number>`sum(payout_events)`.as('payout_events'),
          weighted('usd_per_hour').as('usd_per_hour'),
          weighted('connected').as('connected'),
          weighted('uptime').as('uptime'),
          weightedMeasured('cpu_percent').as('cpu_percent'),
          weightedMeasured('memory_bytes').as('memory_bytes'),
          weightedMeasured('bandwidth_bps').as('bandwidth_bps'),
          weightedMeasured('block_io_bps').as('block_io_bps'),
          weighted('storage_bytes').as('storage_bytes'),
          weighted('alloc_cpu').as('alloc_cpu'),
          weighted('alloc_memory').as('alloc_memory'),
          weighted('alloc_bandwidth').as('alloc_bandwidth'),
          weighted('alloc_storage').as('alloc_storage'),
          weighted('latency_ms').as('latency_ms'),
        ])
        .where('protocol_id', 'in', ids)
        .where('hour', '>=', fromDay)
        .where('hour', '<', toDay)
        .groupBy(['protocol_id', sql.ref('bucket')]),
    )
    .execute();
}
