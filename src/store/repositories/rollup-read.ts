/**
 * Reads of the rollup tables, hourly or daily (same columns, `hour` or `day` as the time key). A step equal to the
 * table's grain reads rows as stored: no GROUP BY, so neither dialect sorts or aggregates thousands of rows for nothing.
 */
import { type Kysely, sql } from 'kysely';
import { DAY_MS, HOUR_MS } from '../codec.js';
import type { Database } from '../schema.js';
import type { ProtocolPoint } from '../types.js';
import { bucketOf } from './buckets.js';
import type { FetchRows } from './fetch-rows.js';
import type { SnapshotAggregate } from './metrics-points.js';
import { isWholeDays, type Span, splitDays } from './range-plan.js';

export type Grain = 'hour' | 'day';

const GRAINS = {
  hour: { protocol: 'metrics_hourly', host: 'metrics_host_hourly', time: 'hour', ms: HOUR_MS },
  day: { protocol: 'metrics_daily', host: 'metrics_host_daily', time: 'day', ms: DAY_MS },
} as const;

export interface RollupRead {
  grain: Grain;
  span: Span;
}

/**
 * Which rollup table answers which part of a rollup span: whole days from daily rows when the buckets are whole days
 * (or there are no buckets, as for totals), everything else from hourly rows.
 */
export function rollupReads(span: Span, stepMs: number | undefined, totals = false): RollupRead[] {
  if (!totals && !isWholeDays(stepMs)) return [{ grain: 'hour', span }];
  const { days, hours } = splitDays(span);
  const reads: RollupRead[] = hours.map((h) => ({ grain: 'hour' as const, span: h }));
  if (days) reads.push({ grain: 'day', span: days });
  return reads;
}

const PROTOCOL_AVERAGES = [
  'usd_per_hour', 'connected', 'uptime', 'cpu_percent', 'memory_bytes', 'bandwidth_bps', 'storage_bytes', 'alloc_cpu',
  'alloc_memory', 'alloc_bandwidth', 'alloc_storage',
] as const;

const HOST_AVERAGES = ['total_usd_per_hour', 'cpu_percent', 'memory_percent', 'bandwidth_percent', 'storage_percent'] as const;

/** Per-protocol columns that are NULL where not measured: averaged over the rows that measured them. */
const MEASURED = new Set(['cpu_percent', 'memory_bytes', 'bandwidth_bps']);

/** Sample-weighted averages of stored averages equal the average of the underlying raw rows. */
const weighted = (column: string) =>
  MEASURED.has(column)
    ? sql<number>`sum(${sql.ref(column)} * samples) / nullif(sum(case when ${sql.ref(column)} is null then 0 else samples end), 0)`
    : sql<number>`sum(${sql.ref(column)} * samples) / sum(samples)`;

const nullableNumber = (v: unknown): number | null => (v == null ? null : Number(v));

/** Rollups hold domain units already; row layout is the select order below. */
function protocolPoint(r: unknown[], protocol: string): ProtocolPoint {
  return {
    time: Number(r[1]),
    protocol,
    usdPerHour: Number(r[5]),
    earnedUsd: Number(r[3]),
    earnedTokens: Number(r[4]),
    connected: Number(r[6]),
    uptime: Number(r[7]),
    cpuPercent: nullableNumber(r[8]),
    memoryBytes: nullableNumber(r[9]),
    bandwidthBytesPerSec: nullableNumber(r[10]),
    storageBytes: Number(r[11]),
    allocCpu: Number(r[12]),
    allocMemory: Number(r[13]),
    allocBandwidth: Number(r[14]),
    allocStorage: Number(r[15]),
    samples: Number(r[2]),
  };
}

function hostAggregate(r: unknown[]): SnapshotAggregate {
  return {
    samples: Number(r[1]),
    point: {
      time: Number(r[0]),
      totalUsdPerHour: Number(r[2]),
      cpuPercent: Number(r[3]),
      memoryPercent: Number(r[4]),
      bandwidthPercent: Number(r[5]),
      storagePercent: Number(r[6]),
    },
  };
}

export function createRollupReader(db: Kysely<Database>, fetchRows: FetchRows) {
  /** Points of the given protocols (id -> name) over one rollup read, in buckets of `stepMs` (the grain if omitted). */
  async function protocolRollups(read: RollupRead, names: Map<number, string>, stepMs: number | undefined): Promise<ProtocolPoint[]> {
    const g = GRAINS[read.grain];
    const step = stepMs ?? g.ms;
    const q = db
      // Both tables have the same columns but their time key; the key is always named through g.time.
      .selectFrom(g.protocol as 'metrics_hourly')
      .where('protocol_id', 'in', [...names.keys()])
      .where(sql.ref(g.time), '>=', read.span.from)
      .where(sql.ref(g.time), '<', read.span.to);
    const rows =
      step === g.ms
        ? await fetchRows(
            q.select(['protocol_id', sql<number>`${sql.ref(g.time)}`.as('bucket'), 'samples', 'earned_usd', 'earned_tokens', ...PROTOCOL_AVERAGES]),
          )
        : await fetchRows(
            q
              .select([
                'protocol_id',
                bucketOf(g.time, step).as('bucket'),
                sql<number>`sum(samples)`.as('samples'),
                sql<number>`sum(earned_usd)`.as('earned_usd'),
                sql<number>`sum(earned_tokens)`.as('earned_tokens'),
                ...PROTOCOL_AVERAGES.map((c) => weighted(c).as(c)),
              ])
              .groupBy(['protocol_id', sql.ref('bucket')]),
          );
    return rows.map((r) => protocolPoint(r, names.get(Number(r[0]))!));
  }

  async function hostRollups(read: RollupRead, stepMs: number | undefined): Promise<SnapshotAggregate[]> {
    const g = GRAINS[read.grain];
    const step = stepMs ?? g.ms;
    const q = db
      .selectFrom(g.host as 'metrics_host_hourly')
      .where(sql.ref(g.time), '>=', read.span.from)
      .where(sql.ref(g.time), '<', read.span.to);
    const rows =
      step === g.ms
        ? await fetchRows(q.select([sql<number>`${sql.ref(g.time)}`.as('bucket'), 'samples', ...HOST_AVERAGES]))
        : await fetchRows(
            q
              .select([bucketOf(g.time, step).as('bucket'), sql<number>`sum(samples)`.as('samples'), ...HOST_AVERAGES.map((c) => weighted(c).as(c))])
              .groupBy(sql.ref('bucket')),
          );
    return rows.map(hostAggregate);
  }

  /** Per-protocol sums over a rollup span (uptime × samples, so callers can average over raw and rolled-up parts). */
  async function protocolSums(read: RollupRead, ids: number[]) {
    const g = GRAINS[read.grain];
    return db
      .selectFrom(g.protocol as 'metrics_hourly')
      .select([
        'protocol_id',
        sql<number>`sum(earned_usd)`.as('usd'),
        sql<number>`sum(earned_tokens)`.as('tokens'),
        sql<number>`sum(payout_events)`.as('payouts'),
        sql<number>`sum(uptime * samples)`.as('uptime'),
        sql<number>`sum(samples)`.as('samples'),
      ])
      .where('protocol_id', 'in', ids)
      .where(sql.ref(g.time), '>=', read.span.from)
      .where(sql.ref(g.time), '<', read.span.to)
      .groupBy('protocol_id')
      .execute();
  }

  return { protocolRollups, hostRollups, protocolSums };
}
