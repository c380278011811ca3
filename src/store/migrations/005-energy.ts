/**
 * Energy (issue 17): power-meter readings, and per stored point the host's draw, the price and the power cost,
 * gross and net earnings per protocol. Costs and earnings are also kept as amounts over the interval since the
 * previous point, so totals for a period are plain sums.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../types.js';

export function energyMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  const float = 'double precision';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('energy_meter_readings')
        .addColumn('meter', 'text', (c) => c.notNull())
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('watts', float, (c) => c.notNull())
        .addColumn('energy_kwh', float)
        .addPrimaryKeyConstraint('energy_meter_readings_pk', ['meter', 'time'])
        .execute();
      await db.schema
        .createTable('energy_points')
        .addColumn('time', big, (c) => c.primaryKey())
        .addColumn('interval_ms', big, (c) => c.notNull())
        .addColumn('host_watts', float, (c) => c.notNull())
        .addColumn('price_per_kwh', float, (c) => c.notNull())
        .addColumn('usd_per_kwh', float, (c) => c.notNull())
        .addColumn('cost_usd_per_hour', float, (c) => c.notNull())
        .addColumn('gross_usd_per_hour', float, (c) => c.notNull())
        .addColumn('energy_kwh', float, (c) => c.notNull())
        .addColumn('cost_usd', float, (c) => c.notNull())
        .addColumn('estimated', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('energy_protocol_points')
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
        .addPrimaryKeyConstraint('energy_protocol_points_pk', ['protocol', 'time'])
        .execute();
      await sql`create index energy_protocol_points_time on energy_protocol_points (time)`.execute(db);
      await sql`create index energy_meter_readings_time on energy_meter_readings (time)`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('energy_protocol_points').ifExists().execute();
      await db.schema.dropTable('energy_points').ifExists().execute();
      await db.schema.dropTable('energy_meter_readings').ifExists().execute();
    },
  };
}
