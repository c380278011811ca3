/** Snapshot ingest: the snapshot row and its protocol rows always land in one transaction. */
import type { Insertable, Kysely } from 'kysely';
import type { Snapshot } from '../../domain/sample.js';
import { percent } from '../../domain/sample.js';
import { OrchaError } from '../../lib/errors.js';
import { encode, encodeOrNull, flag } from '../codec.js';
import type { Database, MetricsTable, PayoutsTable, ProtocolMetricsTable } from '../schema.js';
import type { AllocationIds } from './allocation-ids.js';
import type { ProtocolIds } from './protocol-ids.js';
import type { BulkInsert } from './sqlite-ingest.js';

/** SQLite allows 32,766 bound variables per statement and PostgreSQL 65,535: stay under both. */
const MAX_VARIABLES = 32_000;

export function metricsRow(s: Snapshot): Insertable<MetricsTable> {
  const h = s.host;
  return {
    time: s.time,
    total_usd_per_hour: encode(s.totalUsdPerHour, 'usd'),
    cpu_percent: encode(h.cpuPercent, 'percent'),
    memory_percent: encode(percent(h.memoryUsedBytes, h.memoryTotalBytes), 'percent'),
    bandwidth_percent: encode(percent(h.bandwidthBytesPerSec, h.bandwidthCapacityBytesPerSec), 'percent'),
    storage_percent: encode(percent(h.storageUsedBytes, h.storageTotalBytes), 'percent'),
    cpu_count: Math.round(h.cpuCount),
    memory_total_bytes: Math.round(h.memoryTotalBytes),
    memory_used_bytes: Math.round(h.memoryUsedBytes),
    bandwidth_capacity_bps: Math.round(h.bandwidthCapacityBytesPerSec),
    bandwidth_bps: Math.round(h.bandwidthBytesPerSec),
    storage_total_bytes: Math.round(h.storageTotalBytes),
    storage_used_bytes: Math.round(h.storageUsedBytes),
  };
}

export function protocolRows(s: Snapshot, ids: Map<string, number>, allocationIds: AllocationIds): Insertable<ProtocolMetricsTable>[] {
  return s.protocols.map((p) => ({
    protocol_id: ids.get(p.protocol)!,
    time: s.time,
    time_offset: Math.round(p.time - s.time),
    connected: flag(p.connected),
    error: p.error ?? null,
    cumulative_tokens: p.cumulativeTokens == null ? null : encode(p.cumulativeTokens, 'tokens'),
    earned_tokens: encode(p.earnedTokens, 'tokens'),
    earned_usd: encode(p.earnedUsd, 'usd'),
    usd_per_hour: encode(p.usdPerHour, 'usd'),
    payout_event: flag(p.payoutEvent),
    uptime: encode(p.uptime, 'uptime'),
    cpu_percent: encodeOrNull(p.cpuPercent, 'percent'),
    memory_bytes: encodeOrNull(p.memoryBytes, 'bytes'),
    bandwidth_bps: encodeOrNull(p.bandwidthBytesPerSec, 'bytes'),
    block_io_bps: encodeOrNull(p.blockIoBytesPerSec, 'bytes'),
    storage_bytes: Math.round(p.storageBytes),
    allocation_id: allocationIds.idOf(p.allocation)!,
    latency_us: encode(p.latencyMs, 'latencyMs'),
  }));
}

/** The payouts the snapshots confirmed (a sample with `payout`), one row each. */
export function payoutRows(snapshots: Snapshot[], ids: Map<string, number>): PayoutsTable[] {
  return snapshots.flatMap((s) =>
    s.protocols.flatMap((p) => (p.payoutEvent && p.payout ? [{ protocol_id: ids.get(p.protocol)!, time: p.time, tokens: p.payout.tokens, usd: p.payout.usd }] : [])),
  );
}

function chunks<T>(rows: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_VARIABLES / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export async function writeSnapshots(
  db: Kysely<Database>,
  protocolIds: ProtocolIds,
  allocationIds: AllocationIds,
  snapshots: Snapshot[],
  bulkInsert?: BulkInsert,
): Promise<void> {
  if (snapshots.length === 0) return;
  const distinct = new Map<string, { name: string; type: string; token: string }>();
  for (const s of snapshots) for (const p of s.protocols) distinct.set(p.protocol, { name: p.protocol, type: p.type, token: p.token });
  const ids = await protocolIds.resolve([...distinct.values()]);
  await allocationIds.register(snapshots.flatMap((s) => s.protocols.map((p) => p.allocation)));

  const metrics = snapshots.map(metricsRow);
  const protocols = snapshots.flatMap((s) => protocolRows(s, ids, allocationIds));
  const payouts = payoutRows(snapshots, ids);
  try {
    if (bulkInsert) {
      await bulkInsert(metrics, protocols);
    } else {
      await db.transaction().execute(async (trx) => {
        for (const chunk of chunks(metrics, 13)) await trx.insertInto('metrics').values(chunk).execute();
        for (const chunk of chunks(protocols, 17)) await trx.insertInto('protocol_metrics').values(chunk).execute();
      });
    }
    // Rare (a few a month): after the snapshot, so the fast ingest path stays as it is; a replayed one is kept once.
    for (const chunk of chunks(payouts, 4)) {
      await db.insertInto('payouts').values(chunk).onConflict((oc) => oc.columns(['protocol_id', 'time']).doNothing()).execute();
    }
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new OrchaError('ORCHA_ERR_CONFLICT', 'A snapshot with the same time (or a protocol twice in one snapshot) is already stored', undefined, {
        cause: err,
      });
    }
    throw err;
  }
}
