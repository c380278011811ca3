/** The metrics aggregate: snapshots, their protocol rows and hourly rollups. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { MetricsRepository } from '../types.js';
import { createMetricsMaintenance } from './metrics-maintenance.js';
import { createMetricsReader } from './metrics-read.js';
import { writeSnapshots } from './metrics-write.js';
import { createProtocolIds } from './protocol-ids.js';

export function createMetricsRepository(db: Kysely<Database>): MetricsRepository {
  const protocolIds = createProtocolIds(db);
  const reader = createMetricsReader(db, protocolIds);
  const maintenance = createMetricsMaintenance(db, protocolIds);
  return {
    insertSnapshot: (snapshot) => writeSnapshots(db, protocolIds, [snapshot]),
    insertSnapshots: (snapshots) => writeSnapshots(db, protocolIds, snapshots),
    latest: reader.latest,
    history: reader.history,
    protocolHistory: reader.protocolHistory,
    earningsTotals: reader.earningsTotals,
    averageUptime: reader.averageUptime,
    rollup: maintenance.rollup,
    deleteRawBefore: maintenance.deleteRawBefore,
    deleteRollupsBefore: maintenance.deleteRollupsBefore,
    iterateProtocolRows: maintenance.iterateProtocolRows,
    count: maintenance.count,
  };
}
