/**
 * Node health and the earnings ledger (issue 14). `protocol_health` keeps what each node said about its health
 * (JSON, see domain/health.ts), one row per change rather than per poll: health changes rarely and a row per poll would
 * double the hot table. `earnings_ledger` keeps each protocol's counter state, so a restarted daemon continues from the
 * last stored counter and records what was earned while it was down.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../types.js';

export function nodeHealthMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('protocol_health')
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('health', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('protocol_health_pk', ['protocol', 'time'])
        .execute();
      await db.schema
        .createTable('earnings_ledger')
        .addColumn('protocol', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('earnings_ledger').ifExists().execute();
      await db.schema.dropTable('protocol_health').ifExists().execute();
    },
  };
}
