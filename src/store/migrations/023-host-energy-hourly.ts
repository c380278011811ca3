/**
 * Hourly rollups of fleet hosts' energy points (migration 020), written by fleet retention before it deletes the
 * points past `rawDays`, so a host's energy report over a longer period still has its power and cost: one row per host
 * and hour for the host's figures, one per host, protocol and hour for each protocol's (amounts summed, rates
 * averaged, `points` weighting merges). A point is either raw or in its hour's rollup, never both.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../types.js';

export const HOST_ENERGY_HOURLY = {
  sums: ['interval_ms', 'energy_kwh', 'cost_usd', 'estimated'],
  averages: ['host_watts', 'cost_usd_per_hour', 'gross_usd_per_hour'],
} as const;
export const PROTOCOL_ENERGY_HOURLY = {
  sums: ['covered_ms', 'energy_kwh', 'cost_usd', 'gross_usd', 'estimated'],
  averages: ['watts', 'cost_usd_per_hour', 'gross_usd_per_hour', 'net_usd_per_hour'],
} as const;

export function hostEnergyHourlyMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  const float = 'double precision';
  return {
    async up(db: Kysely<unknown>) {
      let host = db.schema
        .createTable('host_energy_hourly')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('hour', big, (c) => c.notNull())
        .addColumn('points', 'integer', (c) => c.notNull());
      for (const c of [...HOST_ENERGY_HOURLY.sums, ...HOST_ENERGY_HOURLY.averages]) host = host.addColumn(c, float, (col) => col.notNull());
      await host.addPrimaryKeyConstraint('host_energy_hourly_pk', ['host_id', 'hour']).execute();
      let protocol = db.schema
        .createTable('host_energy_protocol_hourly')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('hour', big, (c) => c.notNull())
        .addColumn('points', 'integer', (c) => c.notNull())
        .addColumn('first_time', big, (c) => c.notNull());
      for (const c of [...PROTOCOL_ENERGY_HOURLY.sums, ...PROTOCOL_ENERGY_HOURLY.averages]) protocol = protocol.addColumn(c, float, (col) => col.notNull());
      await protocol.addPrimaryKeyConstraint('host_energy_protocol_hourly_pk', ['host_id', 'protocol', 'hour']).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const t of ['host_energy_protocol_hourly', 'host_energy_hourly']) await db.schema.dropTable(t).ifExists().execute();
    },
  };
}
