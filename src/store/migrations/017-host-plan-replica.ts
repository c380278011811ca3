/**
 * Who decided a host's plan, for good: the control-plane replica that held the host's lease when it stored the plan.
 * Plans stored before keep null (they are read as before: the replica is known only while it still holds the lease).
 */
import type { Kysely, Migration } from 'kysely';

export function hostPlanReplicaMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('host_plans').addColumn('decided_by', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('host_plans').dropColumn('decided_by').execute();
    },
  };
}
