/**
 * Daily rollups of remote hosts (migration 015), derived from their hourly rollups exactly as the local host's are
 * (daily-rollup.ts): whenever hourly rows of a day change (rollup, a late batch merged, retention), that day is
 * recomputed from the hourly rows it has left, in the same transaction. A day row therefore answers what its hours
 * would, and a history over months at a step of whole days reads one row per host (and protocol) per day.
 */
import { type Kysely, sql } from 'kysely';
import { DAY_MS } from '../codec.js';
import type { Span } from './range-plan.js';

export const HOST_AVERAGES = ['total_usd_per_hour', 'cpu_percent', 'memory_percent', 'bandwidth_percent', 'storage_percent'];
export const PROTOCOL_SUMS = ['earned_usd', 'earned_tokens'];
export const PROTOCOL_AVERAGES = ['usd_per_hour', 'connected', 'uptime', 'storage_bytes', 'alloc_cpu', 'alloc_memory', 'alloc_bandwidth', 'alloc_storage'];
/** Measured only where a container was: NULL when none of the day's hours measured it. */
export const PROTOCOL_MEASURED = ['cpu_percent', 'memory_bytes', 'bandwidth_bps'];

const dayOf = sql.raw(`(hour / cast(${DAY_MS} as bigint)) * cast(${DAY_MS} as bigint)`);
/** Column lists are the fixed names above, never input. */
const weighted = (columns: string[]) => columns.map((c) => `sum(${c} * samples) / sum(samples)`);
const weightedMeasured = (columns: string[]) =>
  columns.map((c) => `sum(${c} * samples) / nullif(sum(case when ${c} is null then 0 else samples end), 0)`);

/**
 * Replaces the day rows of [fromDay, toDay) (day-aligned) with fresh aggregates of their hourly rows: one host's
 * (read along the (host, hour) keys) or, without `hostId`, every host's.
 */
export async function recomputeFleetDays(trx: Kysely<unknown>, fromDay: number, toDay: number, hostId?: string): Promise<void> {
  if (toDay <= fromDay) return;
  const host = hostId === undefined ? sql`` : sql`and host_id = ${hostId}`;
  await sql`delete from host_snapshots_daily where day >= ${fromDay} and day < ${toDay} ${host}`.execute(trx);
  await sql`insert into host_snapshots_daily (host_id, day, samples, ${sql.raw(HOST_AVERAGES.join(', '))})
    select host_id, ${dayOf} as d, sum(samples), ${sql.raw(weighted(HOST_AVERAGES).join(', '))}
    from host_snapshots_hourly where hour >= ${fromDay} and hour < ${toDay} ${host} group by host_id, d`.execute(trx);
  const columns = [...PROTOCOL_SUMS, ...PROTOCOL_AVERAGES, ...PROTOCOL_MEASURED];
  const aggregates = [...PROTOCOL_SUMS.map((c) => `sum(${c})`), ...weighted(PROTOCOL_AVERAGES), ...weightedMeasured(PROTOCOL_MEASURED)];
  await sql`delete from host_protocol_daily where day >= ${fromDay} and day < ${toDay} ${host}`.execute(trx);
  await sql`insert into host_protocol_daily (host_id, day, protocol, samples, ${sql.raw(columns.join(', '))})
    select host_id, ${dayOf} as d, protocol, sum(samples), ${sql.raw(aggregates.join(', '))}
    from host_protocol_hourly where hour >= ${fromDay} and hour < ${toDay} ${host} group by host_id, d, protocol`.execute(trx);
}

/** Deletes one host's day rows before `day` (day-aligned). */
export async function deleteFleetDaysBefore(trx: Kysely<unknown>, hostId: string, day: number): Promise<void> {
  await sql`delete from host_snapshots_daily where host_id = ${hostId} and day < ${day}`.execute(trx);
  await sql`delete from host_protocol_daily where host_id = ${hostId} and day < ${day}`.execute(trx);
}

/** A host's day rows over [from, to), in the shape of its hourly rows (`hour`: the day's start). */
export async function readHostDays(db: Kysely<unknown>, hostId: string, span: Span): Promise<Record<string, unknown>[]> {
  const r = await sql<Record<string, unknown>>`select day as hour, samples, ${sql.raw(HOST_AVERAGES.join(', '))} from host_snapshots_daily
    where host_id = ${hostId} and day >= ${span.from} and day < ${span.to} order by day`.execute(db);
  return r.rows;
}

export async function readProtocolDays(db: Kysely<unknown>, hostId: string, span: Span, protocol?: string): Promise<Record<string, unknown>[]> {
  const only = protocol === undefined ? sql`` : sql`and protocol = ${protocol}`;
  const r = await sql<Record<string, unknown>>`select day as hour, protocol, samples, ${sql.raw([...PROTOCOL_SUMS, ...PROTOCOL_AVERAGES, ...PROTOCOL_MEASURED].join(', '))}
    from host_protocol_daily where host_id = ${hostId} and day >= ${span.from} and day < ${span.to} ${only} order by day, protocol`.execute(db);
  return r.rows;
}
