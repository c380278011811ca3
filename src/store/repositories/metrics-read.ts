/** Read side of the metrics repository: latest, downsampled history, totals and averages. */
import { type Kysely, sql } from 'kysely';
import type { ProtocolSample, Snapshot } from '../../domain/sample.js';
import { decode, decodeOrNull, HOUR_MS } from '../codec.js';
import type { Database } from '../schema.js';
import type { HistoryQuery, ProtocolPoint, SnapshotPoint } from '../types.js';
import { bucketOf } from './buckets.js';
import {
  mergeProtocolPoints,
  mergeSnapshotPoints,
  rawProtocolPoint,
  type SnapshotAggregate,
} from './metrics-points.js';
import type { ProtocolIds, ProtocolInfo } from './protocol-ids.js';
import type { FetchRows } from './fetch-rows.js';
import { createMetricsTotals } from './metrics-totals.js';
import { type Coverage, isWholeHours, planRange, type Span } from './range-plan.js';
import { createRollupReader, rollupReads } from './rollup-read.js';

export function createMetricsReader(db: Kysely<Database>, protocolIds: ProtocolIds, fetchRows: FetchRows) {
  const rollups = createRollupReader(db, fetchRows);
  /**
   * What raw rows and rollups hold, and the largest protocol id, in one round trip (each is an index lookup): under
   * load every round trip to the database costs more than these lookups.
   */
  async function state(): Promise<{ coverage: Coverage; maxProtocolId: number | null }> {
    const row = await db
      .selectNoFrom([
        sql<number | null>`(select min(${sql.ref('time')}) from metrics)`.as('raw_start'),
        sql<number | null>`(select max(hour) from metrics_host_hourly)`.as('last_hour'),
        sql<number | null>`(select max(id) from protocols)`.as('max_protocol_id'),
      ])
      .executeTakeFirstOrThrow();
    const num = (v: number | string | null) => (v == null ? null : Number(v));
    const lastHour = num(row.last_hour);
    return {
      coverage: { rawStart: num(row.raw_start), rollupEnd: lastHour === null ? null : lastHour + HOUR_MS },
      maxProtocolId: num(row.max_protocol_id),
    };
  }

  async function coverage(): Promise<Coverage> {
    return (await state()).coverage;
  }

  /** Protocols to read: all of them, or the one asked for (empty when it was never recorded). */
  async function selectProtocols(protocol: string | undefined, maxProtocolId?: number | null): Promise<Map<number, ProtocolInfo>> {
    const all = maxProtocolId === undefined ? await protocolIds.all() : await protocolIds.known(maxProtocolId);
    if (protocol === undefined) return all;
    return new Map([...all].filter(([, info]) => info.name === protocol));
  }

  /** Rows in rawProtocolPoint's layout. */
  async function rawProtocolSpan(ids: number[], span: Span, stepMs: number | undefined): Promise<unknown[][]> {
    const grouped = stepMs !== undefined;
    const agg = (fn: 'avg' | 'sum', column: string) =>
      grouped ? sql`${sql.raw(fn)}(${sql.ref(column)})` : sql`${sql.ref(column)}`;
    let q = db
      .selectFrom('protocol_metrics')
      .innerJoin('allocations as a', 'a.id', 'protocol_metrics.allocation_id')
      .select([
        'protocol_id',
        bucketOf('time', stepMs).as('bucket'),
        (grouped ? sql<number>`count(*)` : sql<number>`1`).as('samples'),
        agg('avg', 'usd_per_hour').as('usd_per_hour'),
        agg('sum', 'earned_usd').as('earned_usd'),
        agg('sum', 'earned_tokens').as('earned_tokens'),
        agg('avg', 'connected').as('connected'),
        agg('avg', 'uptime').as('uptime'),
        agg('avg', 'cpu_percent').as('cpu_percent'),
        agg('avg', 'memory_bytes').as('memory_bytes'),
        agg('avg', 'bandwidth_bps').as('bandwidth_bps'),
        agg('avg', 'storage_bytes').as('storage_bytes'),
        agg('avg', 'a.cpu').as('alloc_cpu'),
        agg('avg', 'a.memory').as('alloc_memory'),
        agg('avg', 'a.bandwidth').as('alloc_bandwidth'),
        agg('avg', 'a.storage').as('alloc_storage'),
      ])
      .where('protocol_id', 'in', ids)
      .where('time', '>=', span.from)
      .where('time', '<', span.to);
    if (grouped) q = q.groupBy(['protocol_id', sql.ref('bucket')]);
    return fetchRows(q);
  }

  async function protocolHistory(query: HistoryQuery): Promise<ProtocolPoint[]> {
    const { coverage, maxProtocolId } = await state();
    // Only names are needed here, so the cached protocols serve unless a new one appeared.
    const protocols = await selectProtocols(query.protocol, maxProtocolId);
    if (protocols.size === 0) return [];
    const ids = [...protocols.keys()];
    const plan = planRange(query, coverage, isWholeHours(query.stepMs));
    const points: ProtocolPoint[] = [];
    for (const span of plan.raw) {
      for (const row of await rawProtocolSpan(ids, span, query.stepMs)) {
        points.push(rawProtocolPoint(row, protocols.get(Number(row[0]))!.name));
      }
    }
    if (plan.rollup) {
      const names = new Map([...protocols].map(([id, info]) => [id, info.name]));
      for (const read of rollupReads(plan.rollup, query.stepMs)) {
        for (const point of await rollups.protocolRollups(read, names, query.stepMs)) points.push(point);
      }
    }
    return mergeProtocolPoints(points);
  }

  async function history(query: HistoryQuery): Promise<SnapshotPoint[]> {
    const plan = planRange(query, await coverage(), isWholeHours(query.stepMs));
    const grouped = query.stepMs !== undefined;
    const aggregates: SnapshotAggregate[] = [];
    for (const span of plan.raw) {
      const avg = (column: string) => (grouped ? sql<number>`avg(${sql.ref(column)})` : sql<number>`${sql.ref(column)}`);
      let q = db
        .selectFrom('metrics')
        .select([
          bucketOf('time', query.stepMs).as('bucket'),
          (grouped ? sql<number>`count(*)` : sql<number>`1`).as('samples'),
          avg('total_usd_per_hour').as('total'),
          avg('cpu_percent').as('cpu'),
          avg('memory_percent').as('memory'),
          avg('bandwidth_percent').as('bandwidth'),
          avg('storage_percent').as('storage'),
        ])
        .where('time', '>=', span.from)
        .where('time', '<', span.to);
      if (grouped) q = q.groupBy(sql.ref('bucket'));
      // Row layout: the select order above.
      for (const r of (await fetchRows(q)) as (number | string | null)[][]) {
        aggregates.push({
          samples: Number(r[1]),
          point: {
            time: Number(r[0]),
            totalUsdPerHour: decode(r[2], 'usd'),
            cpuPercent: decode(r[3], 'percent'),
            memoryPercent: decode(r[4], 'percent'),
            bandwidthPercent: decode(r[5], 'percent'),
            storagePercent: decode(r[6], 'percent'),
          },
        });
      }
    }
    if (plan.rollup) {
      for (const read of rollupReads(plan.rollup, query.stepMs)) {
        for (const aggregate of await rollups.hostRollups(read, query.stepMs)) aggregates.push(aggregate);
      }
    }
    return mergeSnapshotPoints(aggregates);
  }

  async function latest(): Promise<Snapshot | null> {
    const m = await db.selectFrom('metrics').selectAll().orderBy('time', 'desc').limit(1).executeTakeFirst();
    if (!m) return null;
    const time = Number(m.time);
    const protocols = await protocolIds.all();
    const rows =
      protocols.size === 0
        ? []
        : await db
            .selectFrom('protocol_metrics')
            .innerJoin('allocations as a', 'a.id', 'protocol_metrics.allocation_id')
            .selectAll()
            .where('protocol_id', 'in', [...protocols.keys()])
            .where('time', '=', time)
            .orderBy('protocol_id')
            .execute();
    return {
      time,
      totalUsdPerHour: decode(m.total_usd_per_hour, 'usd'),
      host: {
        cpuCount: Number(m.cpu_count),
        cpuPercent: decode(m.cpu_percent, 'percent'),
        memoryTotalBytes: Number(m.memory_total_bytes),
        memoryUsedBytes: Number(m.memory_used_bytes),
        bandwidthCapacityBytesPerSec: Number(m.bandwidth_capacity_bps),
        bandwidthBytesPerSec: Number(m.bandwidth_bps),
        storageTotalBytes: Number(m.storage_total_bytes),
        storageUsedBytes: Number(m.storage_used_bytes),
      },
      protocols: rows.map((r) => {
        const info = protocols.get(Number(r.protocol_id))!;
        const sample: ProtocolSample = {
          protocol: info.name,
          type: info.type,
          time: time + Number(r.time_offset),
          connected: Number(r.connected) === 1,
          token: info.token,
          cumulativeTokens: r.cumulative_tokens == null ? null : decode(r.cumulative_tokens, 'tokens'),
          earnedTokens: decode(r.earned_tokens, 'tokens'),
          earnedUsd: decode(r.earned_usd, 'usd'),
          usdPerHour: decode(r.usd_per_hour, 'usd'),
          payoutEvent: Number(r.payout_event) === 1,
          uptime: decode(r.uptime, 'uptime'),
          cpuPercent: decodeOrNull(r.cpu_percent, 'percent'),
          memoryBytes: decodeOrNull(r.memory_bytes, 'bytes'),
          bandwidthBytesPerSec: decodeOrNull(r.bandwidth_bps, 'bytes'),
          blockIoBytesPerSec: decodeOrNull(r.block_io_bps, 'bytes'),
          resourcesMeasured: r.cpu_percent != null,
          storageBytes: Number(r.storage_bytes),
          allocation: {
            cpu: decode(r.cpu, 'percent'),
            memory: decode(r.memory, 'percent'),
            bandwidth: decode(r.bandwidth, 'percent'),
            storage: decode(r.storage, 'percent'),
          },
          latencyMs: decode(r.latency_us, 'latencyMs'),
        };
        if (r.error != null) sample.error = r.error;
        return sample;
      }),
    };
  }

  const totals = createMetricsTotals({ db, fetchRows, coverage, selectProtocols: (protocol) => selectProtocols(protocol) });

  return { latest, history, protocolHistory, earningsTotals: totals.earningsTotals, averageUptime: totals.averageUptime, coverage };
}
