/**
 * What each host's agent last said about its daemon (breakers, loops, queue, uptime: `AgentStatusSchema`, as JSON)
 * and when the control plane received it. Optional in a batch, so hosts of older agents keep null.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../types.js';

export function agentStatusMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('hosts').addColumn('status_json', 'text').execute();
      await db.schema.alterTable('hosts').addColumn('status_reported_at', big).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('hosts').dropColumn('status_reported_at').execute();
      await db.schema.alterTable('hosts').dropColumn('status_json').execute();
    },
  };
}
