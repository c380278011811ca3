/** Opens a Kysely instance on SQLite (better-sqlite3) or PostgreSQL (pg) with the settings orcha relies on. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import type { Dialect } from './types.js';

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** The raw better-sqlite3 handle (SQLite only): the ingest path uses prepared statements on it. */
  sqlite?: BetterSqlite3.Database;
}

const PG_INT8 = 20;
const PG_NUMERIC = 1700;

/**
 * Opens a pool; `pg` is loaded here, so that the default SQLite set-up never loads it (measured: ~40 ms of
 * start-up and ~16 MB resident). Per-pool type parsers (never the global pg.types): COUNT, SUM and BIGINT epoch-ms
 * columns come back as numbers. Epoch ms and our scaled sums stay far below 2^53, so nothing is lost.
 */
export async function openPostgres(url: string): Promise<OpenedDatabase> {
  const { default: pg } = await import('pg');
  const types = {
    getTypeParser(oid: number, format?: string) {
      if (oid === PG_INT8 || oid === PG_NUMERIC) return (value: string) => (value === null ? null : Number(value));
      // biome-ignore lint/suspicious/noExplicitAny: pg's overloads do not accept a plain string format
      return pg.types.getTypeParser(oid, format as any);
    },
  };
  const pool = new pg.Pool({ connectionString: url, max: 10, types });
  // An idle client losing its connection must not crash the process; the next query reports the failure.
  pool.on('error', () => {});
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}

export function openSqlite(path: string): OpenedDatabase {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), dialect: 'sqlite', sqlite };
}
