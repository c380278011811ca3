/**
 * The fleet (SPEC §9): hosts with their agent keys, the batches agents have delivered (so a batch sent twice is
 * stored once), and the snapshots of remote hosts with their host as a key column. The local host keeps its own,
 * denser tables (001); a remote host's rows are few per poll and stored as plain numbers.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../types.js';

export function fleetMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  const float = 'double precision';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('hosts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('key_prefix', 'text', (c) => c.notNull().unique())
        .addColumn('key_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('revoked_at', big)
        .addColumn('last_seen_at', big)
        .addColumn('agent_version', 'text')
        .execute();

      await db.schema
        .createTable('agent_batches')
        .addColumn('batch_id', 'text', (c) => c.primaryKey())
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('received_at', big, (c) => c.notNull())
        .addColumn('snapshots', 'integer', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('host_snapshots')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('total_usd_per_hour', float, (c) => c.notNull())
        .addColumn('cpu_percent', float, (c) => c.notNull())
        .addColumn('memory_percent', float, (c) => c.notNull())
        .addColumn('bandwidth_percent', float, (c) => c.notNull())
        .addColumn('storage_percent', float, (c) => c.notNull())
        .addColumn('host_json', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('host_snapshots_pk', ['host_id', 'time'])
        .execute();

      await db.schema
        .createTable('host_protocol_samples')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('sample_json', 'text', (c) => c.notNull())
        .addColumn('connected', 'integer', (c) => c.notNull())
        .addColumn('usd_per_hour', float, (c) => c.notNull())
        .addColumn('earned_usd', float, (c) => c.notNull())
        .addColumn('earned_tokens', float, (c) => c.notNull())
        .addPrimaryKeyConstraint('host_protocol_samples_pk', ['host_id', 'time', 'protocol'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const t of ['host_protocol_samples', 'host_snapshots', 'agent_batches', 'hosts']) await db.schema.dropTable(t).execute();
    },
  };
}
