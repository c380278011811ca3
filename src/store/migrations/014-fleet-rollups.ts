/**
 * Hourly rollups of remote hosts' rows (migration 006), so that `storage.retention` can delete a host's raw rows
 * after `rawDays` without losing its history: one row per host and hour for the snapshot figures, one per host, hour
 * and protocol for the protocol figures (earnings summed, the rest averaged; `samples` weights merges).
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../types.js';

export function fleetRollupsMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  const float = 'double precision';
  return {
    async up(db: Kysely<unknown>) {
      let host = db.schema
        .createTable('host_snapshots_hourly')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('hour', big, (c) => c.notNull())
        .addColumn('samples', 'integer', (c) => c.notNull());
      for (const c of ['total_usd_per_hour', 'cpu_percent', 'memory_percent', 'bandwidth_percent', 'storage_percent']) {
        host = host.addColumn(c, float, (col) => col.notNull());
      }
      await host.addPrimaryKeyConstraint('host_snapshots_hourly_pk', ['host_id', 'hour']).execute();

      let protocol = db.schema
        .createTable('host_protocol_hourly')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('hour', big, (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('samples', 'integer', (c) => c.notNull());
      for (const c of ['earned_usd', 'earned_tokens', 'usd_per_hour', 'connected', 'uptime', 'storage_bytes', 'alloc_cpu', 'alloc_memory', 'alloc_bandwidth', 'alloc_storage']) {
        protocol = protocol.addColumn(c, float, (col) => col.notNull());
      }
      // Measured only where a container was: NULL when no sample of the hour measured it.
      for (const c of ['cpu_percent', 'memory_bytes', 'bandwidth_bps']) protocol = protocol.addColumn(c, float);
      await protocol.addPrimaryKeyConstraint('host_protocol_hourly_pk', ['host_id', 'hour', 'protocol']).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const t of ['host_protocol_hourly', 'host_snapshots_hourly']) await db.schema.dropTable(t).ifExists().execute();
    },
  };
}
