/**
 * Each protocol's part of a decision's projected change (issue 19: a node's page shows its own projected gain, not
 * the whole plan's). JSON per reallocation; decisions recorded before keep NULL (their split was never stored).
 */
import type { Kysely, Migration } from 'kysely';

export function projectedDeltasMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('reallocations').addColumn('projected_deltas', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('reallocations').dropColumn('projected_deltas').execute();
    },
  };
}
