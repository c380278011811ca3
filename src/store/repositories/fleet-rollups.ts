/**
 * Retention of remote hosts' rows (migrations 006, 014): raw rows older than a cutoff are rolled up into hourly rows
 * and deleted in one transaction, so an hour is either raw or rolled up, never both, and no row is counted twice.
 * A late batch for an hour already rolled up (an agent offline longer than `rawDays`) is merged into that hour's
 * rollup at the next run, weighted by its samples. Also the reads of the rollups for a host's history.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { ceilDay, floorDay, HOUR_MS, floorHour } from '../codec.js';
import type { Dialect } from '../types.js';
import { deleteFleetDaysBefore, readHostDays, readProtocolDays, recomputeFleetDays } from './fleet-daily.js';
import { RETENTION_LOCK } from './fleet-ingest.js';
import { figureSql } from './fleet-sample-codec.js';
import type { Span } from './range-plan.js';

export interface FleetRetentionResult {
  rollupRows: number;
  rawDeleted: number;
  rollupsDeleted: number;
  batchesDeleted: number;
}

export interface HostHourRow {
  hour: number;
  samples: number;
  totalUsdPerHour: number;
  cpuPercent: number;
  memoryPercent: number;
  bandwidthPercent: number;
  storagePercent: number;
}

export interface ProtocolHourRow {
  hour: number;
  protocol: string;
  samples: number;
  earnedUsd: number;
  earnedTokens: number;
  usdPerHour: number;
  connected: number;
  uptime: number;
  cpuPercent: number | null;
  memoryBytes: number | null;
  bandwidthBytesPerSec: number | null;
  storageBytes: number;
  allocCpu: number;
  allocMemory: number;
  allocBandwidth: number;
  allocStorage: number;
}

export interface FleetRollups {
  /** Rolls up every raw row before `before` (floored to the hour) into hourly rows, then deletes those raw rows. */
  rollupAndDeleteRawBefore(before: number): Promise<{ rollupRows: number; rawDeleted: number }>;
  /** Deletes hourly rollups before `before` (floored to the hour). */
  deleteRollupsBefore(before: number): Promise<number>;
  /** Deletes the record of batches received before `before` (their snapshots are past the raw window). */
  deleteBatchesBefore(before: number): Promise<number>;
  /** Oldest raw snapshot time of the host and the end (exclusive) of its newest rolled-up hour; null when none. */
  coverage(hostId: string): Promise<{ rawStart: number | null; rollupEnd: number | null }>;
  hostHours(hostId: string, span: Span): Promise<HostHourRow[]>;
  protocolHours(hostId: string, span: Span, protocol?: string): Promise<ProtocolHourRow[]>;
  /** The host's daily rollups over whole days [from, to) (migration 015), as rows whose `hour` is the day's start. */
  hostDays(hostId: string, span: Span): Promise<HostHourRow[]>;
  protocolDays(hostId: string, span: Span, protocol?: string): Promise<ProtocolHourRow[]>;
  /** Raw snapshot averages per bucket of `stepMs`, with their sample counts, over [from, to). */
  rawHostBuckets(hostId: string, span: Span, stepMs: number): Promise<HostHourRow[]>;
}

const HOST_AVERAGES = ['total_usd_per_hour', 'cpu_percent', 'memory_percent', 'bandwidth_percent', 'storage_percent'];
const PROTOCOL_SUMS = ['earned_usd', 'earned_tokens'];
/** Rollup column -> path in the stored sample JSON (columns of 006 where it has them). */
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

/** Every host ever added (revoked ones keep their rows until retention takes them). */
const hostIds = async (trx: Kysely<unknown>) => (await sql<{ id: string }>`select id from hosts order by id`.execute(trx)).rows.map((r) => r.id);

const hourOf = sql.raw(`(time / cast(${HOUR_MS} as bigint)) * cast(${HOUR_MS} as bigint)`);
const n = (v: unknown) => Number(v);
const nOrNull = (v: unknown) => (v == null ? null : Number(v));

/** Weighted merge of a stored hour (`t`) with newly rolled-up rows (`excluded`). Names are fixed, never input. */
const mergeAvg = (table: string, c: string) =>
  `${c} = (${table}.${c} * ${table}.samples + excluded.${c} * excluded.samples) / (${table}.samples + excluded.samples)`;
const mergeMeasured = (table: string, c: string) =>
  `${c} = case when ${table}.${c} is null then excluded.${c} when excluded.${c} is null then ${table}.${c} else ` +
  `(${table}.${c} * ${table}.samples + excluded.${c} * excluded.samples) / (${table}.samples + excluded.samples) end`;

export function createFleetRollups(db: Kysely<unknown>, dialect: Dialect): FleetRollups {
  /** A sample's figure: its column (016), or its JSON for rows written before. Names and paths are fixed above. */
  const figure = (column: string, path: string): RawBuilder<unknown> =>
    sql.raw(
      figureSql(
        column,
        dialect === 'postgres'
          ? `(sample_json::jsonb #>> '{${path.split('.').join(',')}}')::double precision`
          : `json_extract(sample_json, '$.${path}')`,
      ),
    );

  const protocolAverages = Object.entries(PROTOCOL_AVERAGES);
  const protocolMeasured = Object.entries(PROTOCOL_MEASURED);

  return {
    async rollupAndDeleteRawBefore(before) {
      const cutoff = floorHour(before);
      return db.transaction().execute(async (trx) => {
        // Replicas run retention each: one at a time, so the second finds the raw rows gone and adds nothing twice.
        if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${RETENTION_LOCK})`.execute(trx);
        // Host by host, along the (host, time) keys: only the rows that go are read, never the whole raw window.
        let rollupRows = 0;
        let rawDeleted = 0;
        for (const hostId of await hostIds(trx)) {
          const oldest = await sql<{ t: unknown }>`select min(time) as t from host_snapshots where host_id = ${hostId} and time < ${cutoff}`.execute(trx);
          const oldestTime = nOrNull(oldest.rows[0]?.t);
          const oldestSample = await sql<{ t: unknown }>`select min(time) as t from host_protocol_samples where host_id = ${hostId} and time < ${cutoff}`.execute(trx);
          if (oldestTime === null && nOrNull(oldestSample.rows[0]?.t) === null) continue;
          const hostCols = ['host_id', 'hour', 'samples', ...HOST_AVERAGES];
          const host = await sql`insert into host_snapshots_hourly (${sql.raw(hostCols.join(', '))})
            select host_id, ${hourOf} as h, count(*), ${sql.raw(HOST_AVERAGES.map((c) => `avg(${c})`).join(', '))}
            from host_snapshots where host_id = ${hostId} and time < ${cutoff} group by host_id, h
            on conflict (host_id, hour) do update set
            ${sql.raw([...HOST_AVERAGES.map((c) => mergeAvg('host_snapshots_hourly', c)), 'samples = host_snapshots_hourly.samples + excluded.samples'].join(', '))}`.execute(trx);

          const averages = protocolAverages.map(([c, path]) => sql`avg(${path ? figure(c, path) : sql.raw(c)})`);
          const measured = protocolMeasured.map(([c, path]) => sql`avg(${figure(c, path)})`);
          const protocolCols = ['host_id', 'hour', 'protocol', 'samples', ...PROTOCOL_SUMS, ...protocolAverages.map(([c]) => c), ...protocolMeasured.map(([c]) => c)];
          const t = 'host_protocol_hourly';
          const protocol = await sql`insert into host_protocol_hourly (${sql.raw(protocolCols.join(', '))})
            select host_id, ${hourOf} as h, protocol, count(*), sum(earned_usd), sum(earned_tokens), ${sql.join([...averages, ...measured])}
            from host_protocol_samples where host_id = ${hostId} and time < ${cutoff} group by host_id, h, protocol
            on conflict (host_id, hour, protocol) do update set
            ${sql.raw(
              [
                ...PROTOCOL_SUMS.map((c) => `${c} = ${t}.${c} + excluded.${c}`),
                ...protocolAverages.map(([c]) => mergeAvg(t, c)),
                ...protocolMeasured.map(([c]) => mergeMeasured(t, c)),
                `samples = ${t}.samples + excluded.samples`,
              ].join(', '),
            )}`.execute(trx);

          // The days these raw rows fall in are recomputed from their hours (late rows may reach far back).
          const from = Math.min(oldestTime ?? cutoff, nOrNull(oldestSample.rows[0]?.t) ?? cutoff);
          await recomputeFleetDays(trx, floorDay(from), ceilDay(cutoff), hostId);
          const snaps = await sql`delete from host_snapshots where host_id = ${hostId} and time < ${cutoff}`.execute(trx);
          const samples = await sql`delete from host_protocol_samples where host_id = ${hostId} and time < ${cutoff}`.execute(trx);
          rollupRows += n(host.numAffectedRows ?? 0) + n(protocol.numAffectedRows ?? 0);
          rawDeleted += n(snaps.numAffectedRows ?? 0) + n(samples.numAffectedRows ?? 0);
        }
        return { rollupRows, rawDeleted };
      });
    },

    async deleteRollupsBefore(before) {
      const cutoff = floorHour(before);
      return db.transaction().execute(async (trx) => {
        let deleted = 0;
        for (const hostId of await hostIds(trx)) {
          const a = await sql`delete from host_snapshots_hourly where host_id = ${hostId} and hour < ${cutoff}`.execute(trx);
          const b = await sql`delete from host_protocol_hourly where host_id = ${hostId} and hour < ${cutoff}`.execute(trx);
          const gone = n(a.numAffectedRows ?? 0) + n(b.numAffectedRows ?? 0);
          if (gone === 0) continue;
          // Whole days before the cutoff go; the day it falls in is recomputed from the hours it keeps.
          await deleteFleetDaysBefore(trx, hostId, floorDay(cutoff));
          await recomputeFleetDays(trx, floorDay(cutoff), ceilDay(cutoff), hostId);
          deleted += gone;
        }
        return deleted;
      });
    },

    async deleteBatchesBefore(before) {
      const r = await sql`delete from agent_batches where received_at < ${before}`.execute(db);
      return n(r.numAffectedRows ?? 0);
    },

    async coverage(hostId) {
      const raw = await sql<{ t: unknown }>`select min(time) as t from host_snapshots where host_id = ${hostId}`.execute(db);
      const rolled = await sql<{ t: unknown }>`select max(hour) as t from host_snapshots_hourly where host_id = ${hostId}`.execute(db);
      const end = nOrNull(rolled.rows[0]?.t);
      return { rawStart: nOrNull(raw.rows[0]?.t), rollupEnd: end === null ? null : end + HOUR_MS };
    },

    async hostHours(hostId, span) {
      const r = await sql<Record<string, unknown>>`select hour, samples, ${sql.raw(HOST_AVERAGES.join(', '))} from host_snapshots_hourly
        where host_id = ${hostId} and hour >= ${span.from} and hour < ${span.to} order by hour`.execute(db);
      return r.rows.map(hostRow);
    },

    async protocolHours(hostId, span, protocol) {
      const only = protocol === undefined ? sql`` : sql`and protocol = ${protocol}`;
      const r = await sql<Record<string, unknown>>`select * from host_protocol_hourly
        where host_id = ${hostId} and hour >= ${span.from} and hour < ${span.to} ${only} order by hour, protocol`.execute(db);
      return r.rows.map(protocolRow);
    },

    hostDays: async (hostId, span) => (await readHostDays(db, hostId, span)).map(hostRow),
    protocolDays: async (hostId, span, protocol) => (await readProtocolDays(db, hostId, span, protocol)).map(protocolRow),

    async rawHostBuckets(hostId, span, stepMs) {
      const step = sql.raw(`cast(${Math.floor(stepMs)} as bigint)`);
      const r = await sql<Record<string, unknown>>`select (time / ${step}) * ${step} as hour, count(*) as samples,
        ${sql.raw(HOST_AVERAGES.map((c) => `avg(${c}) as ${c}`).join(', '))}
        from host_snapshots where host_id = ${hostId} and time >= ${span.from} and time < ${span.to} group by 1 order by 1`.execute(db);
      return r.rows.map(hostRow);
    },
  };
}

function hostRow(row: Record<string, unknown>): HostHourRow {
  return {
    hour: n(row.hour),
    samples: n(row.samples),
    totalUsdPerHour: n(row.total_usd_per_hour),
    cpuPercent: n(row.cpu_percent),
    memoryPercent: n(row.memory_percent),
    bandwidthPercent: n(row.bandwidth_percent),
    storagePercent: n(row.storage_percent),
  };
}

function protocolRow(row: Record<string, unknown>): ProtocolHourRow {
  return {
    hour: n(row.hour),
    protocol: String(row.protocol),
    samples: n(row.samples),
    earnedUsd: n(row.earned_usd),
    earnedTokens: n(row.earned_tokens),
    usdPerHour: n(row.usd_per_hour),
    connected: n(row.connected),
    uptime: n(row.uptime),
    cpuPercent: nOrNull(row.cpu_percent),
    memoryBytes: nOrNull(row.memory_bytes),
    bandwidthBytesPerSec: nOrNull(row.bandwidth_bps),
    storageBytes: n(row.storage_bytes),
    allocCpu: n(row.alloc_cpu),
    allocMemory: n(row.alloc_memory),
    allocBandwidth: n(row.alloc_bandwidth),
    allocStorage: n(row.alloc_storage),
  };
}
