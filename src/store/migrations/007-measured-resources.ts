/**
 * Measured per-protocol resource use (issue 14): a protocol's CPU, memory and network come from its container's Docker
 * stats, and a protocol without one is "not measured" — stored as NULL, never as 0. The columns were NOT NULL (every
 * sample held a 0), so they become nullable, and block I/O gets a column of its own, in the raw table and both rollups.
 * Rows stored before hold zeros that were never measurements: they become NULL.
 *
 * SQLite cannot drop a NOT NULL constraint: each table is rebuilt from its own stored definition with the constraint
 * removed from those columns only (same columns, key and WITHOUT ROWID), its rows copied, and swapped in.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../types.js';

const TABLES = ['protocol_metrics', 'metrics_hourly', 'metrics_daily'] as const;
const NULLABLE = ['cpu_percent', 'memory_bytes', 'bandwidth_bps'] as const;

export function measuredResourcesMigration(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      for (const table of TABLES) {
        if (dialect === 'postgres') {
          for (const c of NULLABLE) await sql`alter table ${sql.table(table)} alter column ${sql.ref(c)} drop not null`.execute(db);
        } else {
          await rebuildSqliteNullable(db, table);
        }
        await db.schema.alterTable(table).addColumn('block_io_bps', table === 'protocol_metrics' ? (dialect === 'sqlite' ? 'integer' : 'bigint') : 'double precision').execute();
        // Every sample so far was unmeasured: its zeros said nothing.
        await sql`update ${sql.table(table)} set cpu_percent = null, memory_bytes = null, bandwidth_bps = null`.execute(db);
      }
    },
    async down(db: Kysely<unknown>) {
      for (const table of TABLES) {
        await db.schema.alterTable(table).dropColumn('block_io_bps').execute();
        await sql`update ${sql.table(table)} set cpu_percent = coalesce(cpu_percent, 0), memory_bytes = coalesce(memory_bytes, 0), bandwidth_bps = coalesce(bandwidth_bps, 0)`.execute(db);
        if (dialect === 'postgres') {
          for (const c of NULLABLE) await sql`alter table ${sql.table(table)} alter column ${sql.ref(c)} set not null`.execute(db);
        }
      }
    },
  };
}

async function rebuildSqliteNullable(db: Kysely<unknown>, table: string): Promise<void> {
  const row = (await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db)).rows[0];
  if (!row) throw new Error(`migration 007: table ${table} not found`);
  let ddl = row.sql;
  for (const c of NULLABLE) {
    const notNull = new RegExp(`("${c}"\\s+[a-z ]+?)\\s+not null`, 'i');
    if (!notNull.test(ddl)) throw new Error(`migration 007: ${table}.${c}: no NOT NULL to drop in ${ddl.slice(0, 200)}`);
    ddl = ddl.replace(notNull, '$1');
  }
  const temp = `${table}_007`;
  const create = ddl.replace(new RegExp(`^create table\\s+"?${table}"?`, 'i'), `create table "${temp}"`);
  if (create === ddl) throw new Error(`migration 007: ${table}: unexpected definition ${ddl.slice(0, 80)}`);
  await sql.raw(create).execute(db);
  await sql`insert into ${sql.table(temp)} select * from ${sql.table(table)}`.execute(db);
  await sql`drop table ${sql.table(table)}`.execute(db);
  await sql`alter table ${sql.table(temp)} rename to ${sql.table(table)}`.execute(db);
}
