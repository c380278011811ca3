/**
 * The measured effect of a control-plane plan on its host: the host's average earnings (USD/h) in the window before
 * the reallocation and in the window after it, as its agent's engine measured them and reported with the outcome.
 * Null until the agent reports them (older agents never do; the host's report then says null, as before).
 */
import type { Kysely, Migration } from 'kysely';

export function hostPlanEffectsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('host_plans').addColumn('measured_before', 'double precision').execute();
      await db.schema.alterTable('host_plans').addColumn('measured_after', 'double precision').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('host_plans').dropColumn('measured_after').execute();
      await db.schema.alterTable('host_plans').dropColumn('measured_before').execute();
    },
  };
}
