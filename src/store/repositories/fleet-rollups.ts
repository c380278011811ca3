/**
 * Retention of remote hosts' rows (migrations 006, 014, 022), as of the local ones: each host's hours are rolled up
 * as they close (fleet-hour-rollup.ts) and its raw rows kept `rawDays`, then deleted; reads take closed hours from the
 * rollups and raw rows for the open edge. A late batch into a rolled-up hour has that hour recomputed at the ingest.
 * Also the reads of the rollups for a host's history.
 */
import { type Kysely, sql } from 'kysely';
import { ceilDay, DAY_MS, floorDay, HOUR_MS, floorHour } from '../codec.js';
import type { Dialect } from '../types.js';
import { deleteFleetDaysBefore, readHostDays, readProtocolDays, recomputeFleetDays } from './fleet-daily.js';
import { lockRollupState, newestRawBefore, oldestRawBefore, readRollupState, rollupHostHours, saveRollupState } from './fleet-hour-rollup.js';
import { RETENTION_LOCK } from './fleet-ingest.js';
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
  /**
   * Rolls up each host's hours that closed before `closedBefore` (floored to the hour; default `before`) and were not
   * yet rolled up, then deletes its raw rows before `before` (floored to the hour, never past what is rolled up).
   */
  rollupAndDeleteRawBefore(before: number, closedBefore?: number): Promise<{ rollupRows: number; rawDeleted: number }>;
  /** Deletes hourly rollups before `before` (floored to the hour). */
  deleteRollupsBefore(before: number): Promise<number>;
  /** Deletes the record of batches received before `before` (their snapshots are past the raw window). */
  deleteBatchesBefore(before: number): Promise<number>;
  /** Oldest raw snapshot time of the host and the end (exclusive) of its rolled-up hours (022); null when none. */
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

/** Every host ever added (revoked ones keep their rows until retention takes them). */
const hostIds = async (trx: Kysely<unknown>) => (await sql<{ id: string }>`select id from hosts order by id`.execute(trx)).rows.map((r) => r.id);

const n = (v: unknown) => Number(v);
const nOrNull = (v: unknown) => (v == null ? null : Number(v));

export function createFleetRollups(db: Kysely<unknown>, dialect: Dialect): FleetRollups {
  return {
    async rollupAndDeleteRawBefore(before, closedBefore = before) {
      const closedTo = floorHour(Math.max(before, closedBefore));
      let rollupRows = 0;
      let rawDeleted = 0;
      // Host by host, each in its own transaction along the (host, time) keys: only the hours that closed are read.
      for (const hostId of await hostIds(db)) {
        for (let more = true; more; ) {
          const done = await db.transaction().execute(async (trx) => {
            if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${RETENTION_LOCK})`.execute(trx);
            // Replicas run retention each: the host's state row is locked, so the second finds its hours rolled up.
            const state = await lockRollupState(trx, hostId);
            const start = state.rolledTo ?? (await oldestRawBefore(trx, hostId, closedTo));
            // A long backlog (the first run after an upgrade: rawDays of raw rows) goes a day per transaction, so
            // no write (on SQLite, every write) waits long for it.
            const from = start === null ? closedTo : floorHour(start);
            const to = Math.min(closedTo, from + DAY_MS);
            const rows = await rollupHostHours(trx, dialect, hostId, from, to);
            const rolledTo = Math.max(state.rolledTo ?? to, to);
            if (rolledTo < closedTo) {
              await saveRollupState(trx, hostId, { rolledTo, rawHorizon: state.rawHorizon });
              return { rows, deleted: 0, more: true };
            }
            // Raw rows go only from hours rolled up, so no sample leaves before its hour's summary holds it.
            const cutoff = Math.min(floorHour(before), rolledTo);
            const newest = await newestRawBefore(trx, hostId, cutoff);
            let deleted = 0;
            if (newest !== null) {
              const snaps = await sql`delete from host_snapshots where host_id = ${hostId} and time < ${cutoff}`.execute(trx);
              const samples = await sql`delete from host_protocol_samples where host_id = ${hostId} and time < ${cutoff}`.execute(trx);
              deleted = n(snaps.numAffectedRows ?? 0) + n(samples.numAffectedRows ?? 0);
            }
            const rawHorizon = newest === null ? state.rawHorizon : Math.max(state.rawHorizon ?? 0, floorHour(newest) + HOUR_MS);
            await saveRollupState(trx, hostId, { rolledTo, rawHorizon });
            return { rows, deleted, more: false };
          });
          rollupRows += done.rows;
          rawDeleted += done.deleted;
          more = done.more;
        }
      }
      return { rollupRows, rawDeleted };
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
      return { rawStart: nOrNull(raw.rows[0]?.t), rollupEnd: (await readRollupState(db, hostId)).rolledTo };
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
