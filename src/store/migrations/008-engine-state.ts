/**
 * What the reallocation engine must remember across a restart beyond the reallocation records: the moves it is
 * still judging and the do-no-harm guard (its stable allocation, whether it is paused, until when and why). One JSON
 * document per key, written after each change.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../types.js';

export function engineStateMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('engine_state')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value_json', 'text', (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('engine_state').execute();
    },
  };
}
