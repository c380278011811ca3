/**
 * Reading many rows as arrays, in select order. Long history reads are bound by how fast the driver hands rows to
 * JavaScript: better-sqlite3 builds a keyed object per row about twice as slowly as an array (raw mode), so on SQLite
 * the query Kysely compiled runs on a cached prepared statement in raw mode. PostgreSQL's pg gains nothing from array
 * mode, so there the query runs through Kysely as usual. Same SQL, same parameters on both.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Compilable, Kysely } from 'kysely';
import type { Database } from '../schema.js';

export type FetchRows = (query: Compilable) => Promise<unknown[][]>;

/** Distinct statements are few (per table, grain, grouping and protocol count); the bound only guards a leak. */
const MAX_STATEMENTS = 200;

export function createFetchRows(db: Kysely<Database>, sqlite?: BetterSqlite3.Database): FetchRows {
  if (!sqlite) {
    return async (query) => {
      const { rows } = await db.executeQuery(query.compile());
      return rows.map((row) => Object.values(row as Record<string, unknown>));
    };
  }
  const statements = new Map<string, BetterSqlite3.Statement>();
  return async (query) => {
    const compiled = query.compile();
    // Holding Kysely's single connection keeps this read from running inside another caller's open transaction.
    return db.connection().execute(async () => {
      let statement = statements.get(compiled.sql);
      if (!statement) {
        if (statements.size >= MAX_STATEMENTS) statements.clear();
        statement = sqlite.prepare(compiled.sql).raw(true);
        statements.set(compiled.sql, statement);
      }
      return statement.all(...compiled.parameters) as unknown[][];
    });
  };
}
