/** Read side of the metrics repository: latest, downsampled history, totals and averages. */
import { type Kysely, sql } from 'kysely';
import type { ProtocolSample, Snapshot } from '../../domain/sample.js';
import { decode, HOUR_MS } from '../codec.js';
import type { Database } from '../schema.js';
import type { HistoryQuery, ProtocolPoint, SnapshotPoint } from '../types.js';
import { bucketOf } from './buckets.js';
import {
  mergeProtocolPoints,
  mergeSnapshotPoints,
  type RawProtocolAggregate,
  rawProtocolPoint,
  rollupProtocolPoint,
  type SnapshotAggregate,
} from './metrics-points.js';
import type { ProtocolIds, ProtocolInfo } from './protocol-ids.js';
import { createMetricsTotals } from './metrics-totals.js';
import { type Coverage, isWholeHours, planRange, type Span } from './range-plan.js';
import { createRollupReader, rollupReads } from './rollup-read.js';

export function createMetricsReader(db: Kysely<Database>, protocolIds: ProtocolIds) {
  const rollups = createRollupReader(db);
  async function coverage(): Promise<Coverage> {
    // Both are primary-key lookups: cheap on every query.
    const raw = await db.selectFrom('metrics').select('time').orderBy('time', 'asc').limit(1).executeTakeFirst();
    const hourly = await db.selectFrom('metrics_host_hourly').select('hour').orderBy('hour', 'desc').limit(1).executeTakeFirst();
    return {
      rawStart: raw ? Number(raw.time) : null,
      rollupEnd: hourly ? Number(hourly.hour) + HOUR_MS : null,
    };
  }

  /** Protocols to read: all of them, or the one asked for (empty when it was never recorded). */
  async function selectProtocols(protocol: string | undefined): Promise<Map<number, ProtocolInfo>> {
    const all = await protocolIds.all();
    if (protocol === undefined) return all;
    return new Map([...all].filter(([, info]) => info.name === protocol));
  }

  async function rawProtocolSpan(ids: number[], span: Span, stepMs: number | undefined): Promise<RawProtocolAggregate[]> {
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
    return (await q.execute()) as RawProtocolAggregate[];
  }

  async function protocolHistory(query: HistoryQuery): Promise<ProtocolPoint[]> {
    const protocols = await selectProtocols(query.protocol);
    if (protocols.size === 0) return [];
    const ids = [...protocols.keys()];
    const plan = planRange(query, await coverage(), isWholeHours(query.stepMs));
    const points: ProtocolPoint[] = [];
    for (const span of plan.raw) {
      for (const row of await rawProtocolSpan(ids, span, query.stepMs)) {
        points.push(rawProtocolPoint(row, protocols.get(Number(row.protocol_id))!.name));
      }
    }
    if (plan.rollup) {
      for (const read of rollupReads(plan.rollup, query.stepMs)) {
        for (const row of await rollups.protocolRollups(read, ids, query.stepMs)) {
          points.push(rollupProtocolPoint(row, protocols.get(Number(row.protocol_id))!.name));
        }
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
      for (const r of await q.execute()) {
        aggregates.push({
          samples: Number(r.samples),
          point: {
            time: Number(r.bucket),
            totalUsdPerHour: decode(r.total, 'usd'),
            cpuPercent: decode(r.cpu, 'percent'),
            memoryPercent: decode(r.memory, 'percent'),
            bandwidthPercent: decode(r.bandwidth, 'percent'),
            storagePercent: decode(r.storage, 'percent'),
          },
        });
      }
    }
    if (plan.rollup) {
      for (const read of rollupReads(plan.rollup, query.stepMs)) {
        for (const r of await rollups.hostRollups(read, query.stepMs)) {
          aggregates.push({
            samples: Number(r.samples),
            point: {
              time: Number(r.bucket),
              totalUsdPerHour: Number(r.total_usd_per_hour),
              cpuPercent: Number(r.cpu_percent),
              memoryPercent: Number(r.memory_percent),
              bandwidthPercent: Number(r.bandwidth_percent),
              storagePercent: Number(r.storage_percent),
            },
          });
        }
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
          cpuPercent: decode(r.cpu_percent, 'percent'),
          memoryBytes: Number(r.memory_bytes),
          bandwidthBytesPerSec: Number(r.bandwidth_bps),
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

  const totals = createMetricsTotals({ db, coverage, selectProtocols });

  return { latest, history, protocolHistory, earningsTotals: totals.earningsTotals, averageUptime: totals.averageUptime, coverage };
}
