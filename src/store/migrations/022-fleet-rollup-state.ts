/**
 * Where each remote host's rollups stand (issue 18): `rolled_to`, the end of the closed hours rolled up from its raw
 * rows (retention rolls a host's hours as they close, as this machine's, and keeps the raw rows `rawDays`), and
 * `raw_horizon`, the end of the newest hour whose raw rows retention deleted (older snapshots arriving late are
 * `expired`: their hour's rollup cannot be recomputed any more). Reads take closed hours from the rollups and raw rows
 * only for the open edge. Existing databases start where their rollups end (until now rollups were written only
 * when raw rows were deleted, so both marks are that end).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { HOUR_MS } from '../codec.js';
import type { Dialect } from '../types.js';

export function fleetRollupStateMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('host_rollup_state')
        .addColumn('host_id', 'text', (c) => c.primaryKey())
        .addColumn('rolled_to', big)
        .addColumn('raw_horizon', big)
        .execute();
      await sql`insert into host_rollup_state (host_id, rolled_to, raw_horizon)
        select host_id, max(hour) + ${HOUR_MS}, max(hour) + ${HOUR_MS} from host_snapshots_hourly group by host_id`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('host_rollup_state').ifExists().execute();
    },
  };
}
