/**
 * A remote host's hours rolled up from its raw rows (migrations 014, 015, 022), used by retention as hours close and
 * by the ingest when a late batch lands in an hour already rolled up. An hour is always recomputed whole from its
 * raw rows (its rows replaced, never added to), so a late row is counted once and a rerun changes nothing; this is
 * exact because raw rows are kept `rawDays` and an hour whose raw rows are gone is never recomputed (its snapshots are
 * `expired` at the ingest). The host's state row is locked first: the ingest and retention of one host take turns.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { ceilDay, floorDay, HOUR_MS } from '../codec.js';
import type { Dialect } from '../types.js';
import { HOST_AVERAGES, PROTOCOL_SUMS, recomputeFleetDays } from './fleet-daily.js';
import { figureSql } from './fleet-sample-codec.js';

/** Rollup column -> path in the stored sample JSON (columns of 006 where it has them). Fixed names, never input. */
const PROTOCOL_AVERAGES: Record<string, string | null> = {
  usd_per_hour: null,
  connected: null,
  uptime: 'uptime',
  storage_bytes: 'storageBytes',
  alloc_cpu: 'allocation.cpu',
  alloc_memory: 'allocation.memory',
  alloc_bandwidth: 'allocation.bandwidth',
  alloc_storage: 'allocation.storage',
};
const PROTOCOL_MEASURED: Record<string, string> = { cpu_percent: 'cpuPercent', memory_bytes: 'memoryBytes', bandwidth_bps: 'bandwidthBytesPerSec' };

const hourOf = sql.raw(`(time / cast(${HOUR_MS} as bigint)) * cast(${HOUR_MS} as bigint)`);
const nOrNull = (v: unknown) => (v == null ? null : Number(v));

export interface RollupState {
  /** End (exclusive) of the closed hours rolled up; null before the first rollup. */
  rolledTo: number | null;
  /** End of the newest hour whose raw rows retention deleted; null while none were. */
  rawHorizon: number | null;
}

/**
 * The host's rollup state, its row created if missing and locked until the transaction ends (an upsert locks the row
 * on PostgreSQL; SQLite runs one writing transaction at a time).
 */
export async function lockRollupState(trx: Kysely<unknown>, hostId: string): Promise<RollupState> {
  const r = await sql<{ rolled_to: unknown; raw_horizon: unknown }>`insert into host_rollup_state (host_id) values (${hostId})
    on conflict (host_id) do update set host_id = excluded.host_id returning rolled_to, raw_horizon`.execute(trx);
  return { rolledTo: nOrNull(r.rows[0]?.rolled_to), rawHorizon: nOrNull(r.rows[0]?.raw_horizon) };
}

export async function saveRollupState(trx: Kysely<unknown>, hostId: string, state: RollupState): Promise<void> {
  await sql`update host_rollup_state set rolled_to = ${state.rolledTo}, raw_horizon = ${state.rawHorizon} where host_id = ${hostId}`.execute(trx);
}

/** Reads the state without locking it (reads of history and reports). */
export async function readRollupState(db: Kysely<unknown>, hostId: string): Promise<RollupState> {
  const r = await sql<{ rolled_to: unknown; raw_horizon: unknown }>`select rolled_to, raw_horizon from host_rollup_state where host_id = ${hostId}`.execute(db);
  return { rolledTo: nOrNull(r.rows[0]?.rolled_to), rawHorizon: nOrNull(r.rows[0]?.raw_horizon) };
}

/**
 * Replaces the host's hourly rows of [from, to) (hour-aligned) with aggregates of its raw rows there, and recomputes
 * the days they fall in. Returns the hourly rows written.
 */
export async function rollupHostHours(trx: Kysely<unknown>, dialect: Dialect, hostId: string, from: number, to: number): Promise<number> {
  if (to <= from) return 0;
  const figure = (column: string, path: string): RawBuilder<unknown> =>
    sql.raw(
      figureSql(
        column,
        dialect === 'postgres'
          ? `(sample_json::jsonb #>> '{${path.split('.').join(',')}}')::double precision`
          : `json_extract(sample_json, '$.${path}')`,
      ),
    );
  // Two batches of one host may each land late in a rolled-up hour (the ingest holds the host's state only shared):
  // on PostgreSQL they take turns here until commit, or both would find the hour empty and insert it twice.
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`orcha-host-rollup:${hostId}`}))`.execute(trx);
  await sql`delete from host_snapshots_hourly where host_id = ${hostId} and hour >= ${from} and hour < ${to}`.execute(trx);
  await sql`delete from host_protocol_hourly where host_id = ${hostId} and hour >= ${from} and hour < ${to}`.execute(trx);
  const host = await sql`insert into host_snapshots_hourly (host_id, hour, samples, ${sql.raw(HOST_AVERAGES.join(', '))})
    select host_id, ${hourOf} as h, count(*), ${sql.raw(HOST_AVERAGES.map((c) => `avg(${c})`).join(', '))}
    from host_snapshots where host_id = ${hostId} and time >= ${from} and time < ${to} group by host_id, h`.execute(trx);
  const averages = Object.entries(PROTOCOL_AVERAGES).map(([c, path]) => sql`avg(${path ? figure(c, path) : sql.raw(c)})`);
  const measured = Object.entries(PROTOCOL_MEASURED).map(([c, path]) => sql`avg(${figure(c, path)})`);
  const columns = ['host_id', 'hour', 'protocol', 'samples', ...PROTOCOL_SUMS, ...Object.keys(PROTOCOL_AVERAGES), ...Object.keys(PROTOCOL_MEASURED)];
  const protocol = await sql`insert into host_protocol_hourly (${sql.raw(columns.join(', '))})
    select host_id, ${hourOf} as h, protocol, count(*), sum(earned_usd), sum(earned_tokens), ${sql.join([...averages, ...measured])}
    from host_protocol_samples where host_id = ${hostId} and time >= ${from} and time < ${to} group by host_id, h, protocol`.execute(trx);
  await recomputeFleetDays(trx, floorDay(from), ceilDay(to), hostId);
  return Number(host.numAffectedRows ?? 0) + Number(protocol.numAffectedRows ?? 0);
}

/** The host's oldest raw row (snapshot or protocol sample) before `before`, null when none. */
export async function oldestRawBefore(trx: Kysely<unknown>, hostId: string, before: number): Promise<number | null> {
  const a = await sql<{ t: unknown }>`select min(time) as t from host_snapshots where host_id = ${hostId} and time < ${before}`.execute(trx);
  const b = await sql<{ t: unknown }>`select min(time) as t from host_protocol_samples where host_id = ${hostId} and time < ${before}`.execute(trx);
  const times = [nOrNull(a.rows[0]?.t), nOrNull(b.rows[0]?.t)].filter((t): t is number => t !== null);
  return times.length > 0 ? Math.min(...times) : null;
}

/** The host's newest raw row before `before`, null when none. */
export async function newestRawBefore(trx: Kysely<unknown>, hostId: string, before: number): Promise<number | null> {
  const a = await sql<{ t: unknown }>`select max(time) as t from host_snapshots where host_id = ${hostId} and time < ${before}`.execute(trx);
  const b = await sql<{ t: unknown }>`select max(time) as t from host_protocol_samples where host_id = ${hostId} and time < ${before}`.execute(trx);
  const times = [nOrNull(a.rows[0]?.t), nOrNull(b.rows[0]?.t)].filter((t): t is number => t !== null);
  return times.length > 0 ? Math.max(...times) : null;
}

/**
 * The state as the ingest reads it: on PostgreSQL its row is share-locked (created first when missing), so a running
 * retention of the host finishes before the batch sees where its rollups stand, and the next waits for the batch.
 */
export async function shareRollupState(trx: Kysely<unknown>, dialect: Dialect, hostId: string): Promise<RollupState> {
  if (dialect !== 'postgres') return readRollupState(trx, hostId);
  await sql`insert into host_rollup_state (host_id) values (${hostId}) on conflict (host_id) do nothing`.execute(trx);
  const r = await sql<{ rolled_to: unknown; raw_horizon: unknown }>`select rolled_to, raw_horizon from host_rollup_state where host_id = ${hostId} for share`.execute(trx);
  return { rolledTo: nOrNull(r.rows[0]?.rolled_to), rawHorizon: nOrNull(r.rows[0]?.raw_horizon) };
}
