/**
 * An agent's batch into the fleet tables (migration 006), once: a batch id seen before is answered `duplicate`
 * without writing anything, and a snapshot already stored under another batch id is kept once (key: host, time).
 *
 * Beyond the raw window those two keys are gone: retention deleted the host's old raw rows and batch ids, so a batch
 * resent from there (an agent offline longer than `rawDays`, replaying its spool) would be added to the rollups a
 * second time. Snapshots older than the host's retention horizon (the end of its newest hour whose raw rows were
 * deleted, migration 022) are therefore not stored: they are counted as `expired` in the answer, so the agent drops
 * them from its spool knowingly, and the rest of the batch is stored as usual. Anything at or after the horizon still
 * has its raw rows, so if it was stored before, its raw row makes it a duplicate. Retention rolls hours up as they
 * close: a snapshot stored into an hour already rolled up has that hour recomputed from its raw rows in the batch's
 * transaction (fleet-hour-rollup.ts), so it counts once. Energy points sent with the batch go in the same
 * transaction, once per host and time.
 */
import { type Kysely, sql } from 'kysely';
import { percent, type ProtocolSample, type Snapshot } from '../../domain/sample.js';
import { floorHour, HOUR_MS } from '../codec.js';
import type { Dialect } from '../types.js';
import { rollupHostHours, shareRollupState } from './fleet-hour-rollup.js';
import { encodeSample, figureColumns } from './fleet-sample-codec.js';
import { type HostEnergyPoint, insertHostEnergy } from './host-energy.repository.js';

export interface IngestOutcome {
  result: 'stored' | 'duplicate';
  /** Snapshots written (0 for a duplicate). */
  stored: number;
  /** Snapshots older than the host's retention horizon, not stored. */
  expired: number;
  /** The horizon the batch was held to (epoch ms), null while nothing of the host was rolled up. */
  horizon: number | null;
}

export interface IngestOptions {
  /**
   * Snapshots older than this may be in an hour that retention is rolling up right now: on PostgreSQL the ingest then
   * waits for a running retention to finish (a shared lock against its exclusive one), so a row is never inserted
   * between its rollup and its deletion. Default: an hour before receipt (retention cutoffs are whole hours, days back).
   */
  lockBefore?: number;
  /**
   * The host's energy points sent with the batch (migration 020): written in the batch's transaction, so a batch is
   * stored whole or not at all; held to the same retention horizon as its snapshots.
   */
  energy?: HostEnergyPoint[];
}

export function snapshotRow(hostId: string, s: Snapshot) {
  const h = s.host;
  return {
    host_id: hostId,
    time: s.time,
    total_usd_per_hour: s.totalUsdPerHour,
    cpu_percent: h.cpuPercent,
    memory_percent: percent(h.memoryUsedBytes, h.memoryTotalBytes),
    bandwidth_percent: percent(h.bandwidthBytesPerSec, h.bandwidthCapacityBytesPerSec),
    storage_percent: percent(h.storageUsedBytes, h.storageTotalBytes),
    host_json: JSON.stringify(h),
  };
}

export function sampleRow(hostId: string, time: number, p: ProtocolSample) {
  return {
    host_id: hostId,
    time,
    protocol: p.protocol,
    sample_json: encodeSample(p, time),
    connected: p.connected ? 1 : 0,
    usd_per_hour: p.usdPerHour,
    earned_usd: p.earnedUsd,
    earned_tokens: p.earnedTokens,
    ...figureColumns(p),
  };
}

/** The payout a sample confirmed (its agent's ledger: a counter drop with its amount), or null. */
export function payoutRow(hostId: string, p: ProtocolSample) {
  return p.payoutEvent && p.payout ? { host_id: hostId, protocol: p.protocol, time: p.time, token: p.token, tokens: p.payout.tokens, usd: p.payout.usd } : null;
}

/** The tables a batch is written to (migrations 006, 019). */
export interface IngestTables {
  agent_batches: { batch_id: string; host_id: string; received_at: number; snapshots: number };
  host_snapshots: ReturnType<typeof snapshotRow>;
  host_protocol_samples: ReturnType<typeof sampleRow>;
  host_payouts: NonNullable<ReturnType<typeof payoutRow>>;
}

/** The advisory lock retention holds exclusively while it rolls up and deletes (fleet-rollups.ts). */
export const RETENTION_LOCK = sql`hashtext('orcha:fleet-retention')`;

/** Rows per INSERT statement: PostgreSQL allows 65,535 parameters, SQLite 32,766. */
const CHUNK = 200;

export async function ingestBatchRows(
  anyDb: Kysely<unknown>,
  dialect: Dialect,
  batch: { hostId: string; batchId: string; snapshots: Snapshot[]; receivedAt: number },
  options: IngestOptions = {},
): Promise<IngestOutcome> {
  const db = anyDb as Kysely<IngestTables>;
  const { hostId, batchId, snapshots, receivedAt } = batch;
  return db.transaction().execute(async (tx) => {
    const oldest = snapshots.reduce((t, s) => Math.min(t, s.time), Infinity);
    if (dialect === 'postgres' && oldest < (options.lockBefore ?? receivedAt - HOUR_MS)) {
      await sql`select pg_advisory_xact_lock_shared(${RETENTION_LOCK})`.execute(tx);
    }
    const inserted = await tx
      .insertInto('agent_batches')
      .values({ batch_id: batchId, host_id: hostId, received_at: receivedAt, snapshots: snapshots.length })
      .onConflict((oc) => oc.column('batch_id').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return { result: 'duplicate', stored: 0, expired: 0, horizon: null };
    const state = await shareRollupState(tx as never, dialect, hostId);
    const horizon = state.rawHorizon;
    const kept = horizon === null ? snapshots : snapshots.filter((s) => s.time >= horizon);
    const snaps = kept.map((s) => snapshotRow(hostId, s));
    const samples = kept.flatMap((s) => s.protocols.map((p) => sampleRow(hostId, s.time, p)));
    for (let i = 0; i < snaps.length; i += CHUNK) {
      await tx
        .insertInto('host_snapshots')
        .values(snaps.slice(i, i + CHUNK))
        .onConflict((oc) => oc.columns(['host_id', 'time']).doNothing())
        .execute();
    }
    for (let i = 0; i < samples.length; i += CHUNK) {
      await tx
        .insertInto('host_protocol_samples')
        .values(samples.slice(i, i + CHUNK))
        .onConflict((oc) => oc.columns(['host_id', 'time', 'protocol']).doNothing())
        .execute();
    }
    // Payouts outlive the raw samples (retention keeps them, as this machine's): their own rows (migration 019).
    const payouts = kept.flatMap((s) => s.protocols.flatMap((p) => payoutRow(hostId, p) ?? []));
    for (let i = 0; i < payouts.length; i += CHUNK) {
      await tx
        .insertInto('host_payouts')
        .values(payouts.slice(i, i + CHUNK))
        .onConflict((oc) => oc.columns(['host_id', 'protocol', 'time']).doNothing())
        .execute();
    }
    // Snapshots in hours already rolled up (a late batch): those hours are recomputed from their raw rows, all still kept.
    const late = kept.filter((s) => state.rolledTo !== null && s.time < state.rolledTo).map((s) => s.time);
    if (late.length > 0) {
      await rollupHostHours(tx as never, dialect, hostId, floorHour(Math.min(...late)), floorHour(Math.max(...late)) + HOUR_MS);
    }
    const energy = (options.energy ?? []).filter((p) => horizon === null || p.record.host.time >= horizon);
    if (energy.length > 0) await insertHostEnergy(tx as never, hostId, energy);
    return { result: 'stored', stored: kept.length, expired: snapshots.length - kept.length, horizon };
  });
}
