/**
 * An operator's explicit request to reallocate a fleet host (`POST reallocate?host=NAME`): the plan the control plane
 * made for it carries the request (operation id, dry run, who, when). Such a plan is never any host's latest regular
 * plan: only an agent that understands requests receives it, so an older agent applies nothing by mistake.
 */
import type { Kysely, Migration } from 'kysely';

export function hostPlanRequestsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('host_plans').addColumn('request_json', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('host_plans').dropColumn('request_json').execute();
    },
  };
}
