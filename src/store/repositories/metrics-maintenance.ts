/** Hourly rollups, retention deletes, streaming export and counts. */
import { type Kysely, sql } from 'kysely';
import { ceilDay, ceilHour, decode, decodeOrNull, floorDay, floorHour, HOUR_MS, SCALE } from '../codec.js';
import type { Database } from '../schema.js';
import type { HistoryQuery, ProtocolPoint, TimeRange } from '../types.js';
import { recomputeDays } from './daily-rollup.js';
import { bucketOf } from './buckets.js';
import type { ProtocolIds } from './protocol-ids.js';

/** A float literal: dividing an integer sum by an integer literal would truncate on SQLite. */
const real = (scale: number) => sql.raw(scale.toFixed(1));

export function createMetricsMaintenance(db: Kysely<Database>, protocolIds: ProtocolIds) {
  async function allIds(): Promise<number[]> {
    return [...(await protocolIds.all()).keys()];
  }

  async function rollup(range: TimeRange): Promise<number> {
    let from = ceilHour(range.from);
    const to = floorHour(range.to);
    const first = await db.selectFrom('metrics').select('time').orderBy('time', 'asc').limit(1).executeTakeFirst();
    if (!first) return 0;
    // Never recompute an hour whose raw rows retention already thinned out: its existing rollup is the truth.
    const rawStart = Number(first.time);
    const boundary = await db.selectFrom('metrics_host_hourly').select('hour').where('hour', '=', floorHour(rawStart)).executeTakeFirst();
    from = Math.max(from, boundary ? ceilHour(rawStart) : floorHour(rawStart));
    if (to <= from) return 0;
    const ids = await allIds();

    return db.transaction().execute(async (trx) => {
      await trx.deleteFrom('metrics_host_hourly').where('hour', '>=', from).where('hour', '<', to).execute();
      const hostSelect = trx
        .selectFrom('metrics')
        .select([
          bucketOf('time', HOUR_MS).as('bucket'),
          sql<number>`count(*)`.as('samples'),
          sql<number>`avg(total_usd_per_hour) / ${real(SCALE.usd)}`.as('total'),
          sql<number>`avg(cpu_percent) / ${real(SCALE.percent)}`.as('cpu'),
          sql<number>`avg(memory_percent) / ${real(SCALE.percent)}`.as('memory'),
          sql<number>`avg(bandwidth_percent) / ${real(SCALE.percent)}`.as('bandwidth'),
          sql<number>`avg(storage_percent) / ${real(SCALE.percent)}`.as('storage'),
        ])
        .where('time', '>=', from)
        .where('time', '<', to)
        .groupBy(sql.ref('bucket'));
      await trx
        .insertInto('metrics_host_hourly')
        .columns(['hour', 'samples', 'total_usd_per_hour', 'cpu_percent', 'memory_percent', 'bandwidth_percent', 'storage_percent'])
        .expression(hostSelect)
        .execute();
      if (ids.length === 0) {
        await recomputeDays(trx, ids, floorDay(from), ceilDay(to));
        return 0;
      }

      await trx.deleteFrom('metrics_hourly').where('protocol_id', 'in', ids).where('hour', '>=', from).where('hour', '<', to).execute();
      const avg = (column: string, scale: number) => sql<number>`avg(${sql.ref(column)}) / ${real(scale)}`;
      const sum = (column: string, scale: number) => sql<number>`sum(${sql.ref(column)}) / ${real(scale)}`;
      const protocolSelect = trx
        .selectFrom('protocol_metrics')
        .innerJoin('allocations as a', 'a.id', 'protocol_metrics.allocation_id')
        .select([
          'protocol_id',
          bucketOf('time', HOUR_MS).as('bucket'),
          sql<number>`count(*)`.as('samples'),
          avg('usd_per_hour', SCALE.usd).as('usd_per_hour'),
          sum('earned_usd', SCALE.usd).as('earned_usd'),
          sum('earned_tokens', SCALE.tokens).as('earned_tokens'),
          sql<number>`sum(payout_event)`.as('payout_events'),
          avg('connected', 1).as('connected'),
          avg('uptime', SCALE.uptime).as('uptime'),
          avg('cpu_percent', SCALE.percent).as('cpu_percent'),
          avg('memory_bytes', 1).as('memory_bytes'),
          avg('bandwidth_bps', 1).as('bandwidth_bps'),
          avg('block_io_bps', 1).as('block_io_bps'),
          avg('storage_bytes', 1).as('storage_bytes'),
          avg('a.cpu', SCALE.percent).as('alloc_cpu'),
          avg('a.memory', SCALE.percent).as('alloc_memory'),
          avg('a.bandwidth', SCALE.percent).as('alloc_bandwidth'),
          avg('a.storage', SCALE.percent).as('alloc_storage'),
          avg('latency_us', SCALE.latencyMs).as('latency_ms'),
        ])
        .where('protocol_id', 'in', ids)
        .where('time', '>=', from)
        .where('time', '<', to)
        .groupBy(['protocol_id', sql.ref('bucket')]);
      const result = await trx
        .insertInto('metrics_hourly')
        .columns([
          'protocol_id', 'hour', 'samples', 'usd_per_hour', 'earned_usd', 'earned_tokens', 'payout_events', 'connected',
          'uptime', 'cpu_percent', 'memory_bytes', 'bandwidth_bps', 'block_io_bps', 'storage_bytes', 'alloc_cpu',
          'alloc_memory', 'alloc_bandwidth', 'alloc_storage', 'latency_ms',
        ])
        .expression(protocolSelect)
        .executeTakeFirst();
      await recomputeDays(trx, ids, floorDay(from), ceilDay(to));
      return Number(result.numInsertedOrUpdatedRows ?? 0);
    });
  }

  async function deleteRawBefore(before: number): Promise<number> {
    const ids = await allIds();
    return db.transaction().execute(async (trx) => {
      let deleted = 0;
      if (ids.length > 0) {
        const r = await trx.deleteFrom('protocol_metrics').where('protocol_id', 'in', ids).where('time', '<', before).executeTakeFirst();
        deleted += Number(r.numDeletedRows);
      }
      const r = await trx.deleteFrom('metrics').where('time', '<', before).executeTakeFirst();
      return deleted + Number(r.numDeletedRows);
    });
  }

  async function deleteRollupsBefore(before: number): Promise<number> {
    const ids = await allIds();
    const cutoff = floorHour(before);
    return db.transaction().execute(async (trx) => {
      let deleted = 0;
      if (ids.length > 0) {
        const r = await trx.deleteFrom('metrics_hourly').where('protocol_id', 'in', ids).where('hour', '<', cutoff).executeTakeFirst();
        deleted += Number(r.numDeletedRows);
      }
      const r = await trx.deleteFrom('metrics_host_hourly').where('hour', '<', cutoff).executeTakeFirst();
      // Whole days before the cutoff go; the day it falls in is recomputed from the hours it keeps.
      if (ids.length > 0) await trx.deleteFrom('metrics_daily').where('protocol_id', 'in', ids).where('day', '<', floorDay(cutoff)).execute();
      await trx.deleteFrom('metrics_host_daily').where('day', '<', floorDay(cutoff)).execute();
      await recomputeDays(trx, ids, floorDay(cutoff), ceilDay(cutoff));
      return deleted + Number(r.numDeletedRows);
    });
  }

  /** Keyset pagination over snapshot times (the metrics primary key), so each page costs the same. */
  async function* iterateProtocolRows(query: HistoryQuery, pageSize = 1000): AsyncGenerator<ProtocolPoint[]> {
    const all = await protocolIds.all();
    const protocols = query.protocol === undefined ? all : new Map([...all].filter(([, p]) => p.name === query.protocol));
    if (protocols.size === 0) return;
    const ids = [...protocols.keys()];
    const snapshotsPerPage = Math.max(1, Math.floor(pageSize / ids.length));
    let after = query.from - 1;
    for (;;) {
      const times = await db
        .selectFrom('metrics')
        .select('time')
        .where('time', '>', after)
        .where('time', '<=', query.to)
        .orderBy('time')
        .limit(snapshotsPerPage)
        .execute();
      if (times.length === 0) return;
      const last = Number(times[times.length - 1]!.time);
      const rows = await db
        .selectFrom('protocol_metrics')
        .innerJoin('allocations as a', 'a.id', 'protocol_metrics.allocation_id')
        .selectAll()
        .where('protocol_id', 'in', ids)
        .where('time', '>', after)
        .where('time', '<=', last)
        .orderBy('time')
        .orderBy('protocol_id')
        .execute();
      after = last;
      if (rows.length === 0) continue;
      yield rows.map((r) => ({
        time: Number(r.time) + Number(r.time_offset),
        protocol: protocols.get(Number(r.protocol_id))!.name,
        usdPerHour: decode(r.usd_per_hour, 'usd'),
        earnedUsd: decode(r.earned_usd, 'usd'),
        earnedTokens: decode(r.earned_tokens, 'tokens'),
        connected: Number(r.connected),
        uptime: decode(r.uptime, 'uptime'),
        cpuPercent: decodeOrNull(r.cpu_percent, 'percent'),
        memoryBytes: decodeOrNull(r.memory_bytes, 'bytes'),
        bandwidthBytesPerSec: decodeOrNull(r.bandwidth_bps, 'bytes'),
        storageBytes: Number(r.storage_bytes),
        allocCpu: decode(r.cpu, 'percent'),
        allocMemory: decode(r.memory, 'percent'),
        allocBandwidth: decode(r.bandwidth, 'percent'),
        allocStorage: decode(r.storage, 'percent'),
        samples: 1,
      }));
    }
  }

  async function count(): Promise<{ snapshots: number; protocolRows: number; rollups: number }> {
    const n = async (table: 'metrics' | 'protocol_metrics' | 'metrics_hourly') =>
      Number((await db.selectFrom(table).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    return { snapshots: await n('metrics'), protocolRows: await n('protocol_metrics'), rollups: await n('metrics_hourly') };
  }

  return { rollup, deleteRawBefore, deleteRollupsBefore, iterateProtocolRows, count };
}
