/**
 * What each host's agent last said about its spool (optional in a batch, so older agents still report): snapshots
 * waiting, the oldest one's time, and since when the count has kept growing. The fleet alerts read them.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../types.js';

const COLUMNS = ['spool_pending', 'spool_oldest_at', 'spool_growing_since', 'spool_reported_at'] as const;

export function agentSpoolMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      for (const c of COLUMNS) await db.schema.alterTable('hosts').addColumn(c, big).execute();
    },
    async down(db: Kysely<unknown>) {
      for (const c of COLUMNS) await db.schema.alterTable('hosts').dropColumn(c).execute();
    },
  };
}
