/**
 * Decisions per host on the control plane: what each host's agent last said about planning (its protocols' limits,
 * pins, profiles, its reserve and policies; no endpoints, no secrets), and the plans the replica holding the host's
 * lease made for it, each under that lease's fence, with the outcome the agent reported after applying it locally.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../types.js';

export function hostPlansMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('hosts').addColumn('planning_json', 'text').execute();
      await db.schema
        .createTable('host_plans')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('fence', big, (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('plan_json', 'text', (c) => c.notNull())
        .addColumn('outcome_status', 'text')
        .addColumn('outcome_reason', 'text')
        .addColumn('reallocation_id', 'text')
        .addColumn('reported_at', big)
        .execute();
      await db.schema.createIndex('host_plans_host_time').on('host_plans').columns(['host_id', 'created_at']).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('host_plans').execute();
      await db.schema.alterTable('hosts').dropColumn('planning_json').execute();
    },
  };
}
