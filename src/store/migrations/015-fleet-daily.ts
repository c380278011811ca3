/**
 * Daily rollups of remote hosts, derived from their hourly rollups (014) like the local host's (002): one row per host
 * and UTC day, and per host, day and protocol. A fleet history over months at a step of whole days reads these.
 * Existing databases get their days computed from the hourly rows they hold.
 */
import type { Kysely, Migration } from 'kysely';
import { HOST_AVERAGES, PROTOCOL_AVERAGES, PROTOCOL_MEASURED, PROTOCOL_SUMS, recomputeFleetDays } from '../repositories/fleet-daily.js';
import type { Dialect } from '../types.js';

export function fleetDailyMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  const float = 'double precision';
  return {
    async up(db: Kysely<unknown>) {
      let host = db.schema
        .createTable('host_snapshots_daily')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('day', big, (c) => c.notNull())
        .addColumn('samples', 'integer', (c) => c.notNull());
      for (const c of HOST_AVERAGES) host = host.addColumn(c, float, (col) => col.notNull());
      await host.addPrimaryKeyConstraint('host_snapshots_daily_pk', ['host_id', 'day']).execute();

      let protocol = db.schema
        .createTable('host_protocol_daily')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('day', big, (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('samples', 'integer', (c) => c.notNull());
      for (const c of [...PROTOCOL_SUMS, ...PROTOCOL_AVERAGES]) protocol = protocol.addColumn(c, float, (col) => col.notNull());
      for (const c of PROTOCOL_MEASURED) protocol = protocol.addColumn(c, float);
      await protocol.addPrimaryKeyConstraint('host_protocol_daily_pk', ['host_id', 'day', 'protocol']).execute();

      // Every day the hourly rollups hold (epoch 0 to far beyond any stored hour).
      await recomputeFleetDays(db, 0, 253_402_300_800_000);
    },
    async down(db: Kysely<unknown>) {
      for (const t of ['host_protocol_daily', 'host_snapshots_daily']) await db.schema.dropTable(t).ifExists().execute();
    },
  };
}
