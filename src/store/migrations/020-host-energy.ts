/**
 * Energy of fleet hosts: the points each agent's energy accounting stored (migration 005's three tables, keyed by
 * host as well), and the latest figures each agent reported (`GET energy?host=NAME`). A point is written once per
 * host and time, so a batch replayed under another id never counts its energy twice.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../types.js';

export function hostEnergyMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  const float = 'double precision';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('host_energy_meter_readings')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('meter', 'text', (c) => c.notNull())
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('watts', float, (c) => c.notNull())
        .addColumn('energy_kwh', float)
        .addPrimaryKeyConstraint('host_energy_meter_readings_pk', ['host_id', 'meter', 'time'])
        .execute();
      await db.schema
        .createTable('host_energy_points')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('interval_ms', big, (c) => c.notNull())
        .addColumn('host_watts', float, (c) => c.notNull())
        .addColumn('price_per_kwh', float, (c) => c.notNull())
        .addColumn('usd_per_kwh', float, (c) => c.notNull())
        .addColumn('cost_usd_per_hour', float, (c) => c.notNull())
        .addColumn('gross_usd_per_hour', float, (c) => c.notNull())
        .addColumn('energy_kwh', float, (c) => c.notNull())
        .addColumn('cost_usd', float, (c) => c.notNull())
        .addColumn('estimated', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('host_energy_points_pk', ['host_id', 'time'])
        .execute();
      await db.schema
        .createTable('host_energy_protocol_points')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('watts', float, (c) => c.notNull())
        .addColumn('cost_usd_per_hour', float, (c) => c.notNull())
        .addColumn('gross_usd_per_hour', float, (c) => c.notNull())
        .addColumn('net_usd_per_hour', float, (c) => c.notNull())
        .addColumn('energy_kwh', float, (c) => c.notNull())
        .addColumn('cost_usd', float, (c) => c.notNull())
        .addColumn('gross_usd', float, (c) => c.notNull())
        .addColumn('estimated', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('host_energy_protocol_points_pk', ['host_id', 'protocol', 'time'])
        .execute();
      await db.schema
        .createTable('host_energy_now')
        .addColumn('host_id', 'text', (c) => c.primaryKey())
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('view_json', 'text', (c) => c.notNull())
        .execute();
      await sql`create index host_energy_protocol_points_time on host_energy_protocol_points (host_id, time)`.execute(db);
      await sql`create index host_energy_meter_readings_time on host_energy_meter_readings (host_id, time)`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      for (const t of ['host_energy_now', 'host_energy_protocol_points', 'host_energy_points', 'host_energy_meter_readings']) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}
