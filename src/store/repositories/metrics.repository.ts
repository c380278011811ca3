/** The metrics aggregate: snapshots, their protocol rows and hourly rollups. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { MetricsRepository } from '../types.js';
import { createAllocationIds } from './allocation-ids.js';
import { createFetchRows, type FetchRows } from './fetch-rows.js';
import { createMetricsMaintenance } from './metrics-maintenance.js';
import { createMetricsReader } from './metrics-read.js';
import { writeSnapshots } from './metrics-write.js';
import { createPayoutsReader } from './payouts-read.js';
import { createProtocolIds } from './protocol-ids.js';
import type { BulkInsert } from './sqlite-ingest.js';

export interface MetricsFastPaths {
  /** The dialect's fast ingest path (SQLite); without it, chunked multi-row INSERTs in a transaction. */
  bulkInsert?: BulkInsert;
  /** Fetches the rows of long reads as arrays (createFetchRows); without it, through Kysely. */
  fetchRows?: FetchRows;
}

export function createMetricsRepository(db: Kysely<Database>, fast: MetricsFastPaths = {}): MetricsRepository {
  const { bulkInsert } = fast;
  const fetchRows = fast.fetchRows ?? createFetchRows(db);
  const protocolIds = createProtocolIds(db);
  const allocationIds = createAllocationIds(db);
  const reader = createMetricsReader(db, protocolIds, fetchRows);
  const maintenance = createMetricsMaintenance(db, protocolIds);
  return {
    insertSnapshot: (snapshot) => writeSnapshots(db, protocolIds, allocationIds, [snapshot], bulkInsert),
    insertSnapshots: (snapshots) => writeSnapshots(db, protocolIds, allocationIds, snapshots, bulkInsert),
    latest: reader.latest,
    history: reader.history,
    protocolHistory: reader.protocolHistory,
    earningsTotals: reader.earningsTotals,
    averageUptime: reader.averageUptime,
    payouts: createPayoutsReader(db),
    rollup: maintenance.rollup,
    deleteRawBefore: maintenance.deleteRawBefore,
    deleteRollupsBefore: maintenance.deleteRollupsBefore,
    iterateProtocolRows: maintenance.iterateProtocolRows,
    count: maintenance.count,
  };
}
