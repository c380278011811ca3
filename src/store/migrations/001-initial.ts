/**
 * The whole schema of SPEC §4. One migration set for both dialects; the only branches are column types that
 * differ (integer vs bigint keys, identity columns) and SQLite's WITHOUT ROWID for the clustered metric tables.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../types.js';

export function initialMigration(dialect: Dialect): Migration {
  const sqlite = dialect === 'sqlite';
  // SQLite: exactly INTEGER makes `time` the rowid; PostgreSQL needs BIGINT for epoch ms.
  const big = sqlite ? 'integer' : 'bigint';
  const float = 'double precision';
  const withoutRowid = sqlite ? sql`without rowid` : sql``;

  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('metrics')
        .addColumn('time', big, (c) => c.primaryKey())
        .addColumn('total_usd_per_hour', big, (c) => c.notNull())
        .addColumn('cpu_percent', big, (c) => c.notNull())
        .addColumn('memory_percent', big, (c) => c.notNull())
        .addColumn('bandwidth_percent', big, (c) => c.notNull())
        .addColumn('storage_percent', big, (c) => c.notNull())
        .addColumn('cpu_count', big, (c) => c.notNull())
        .addColumn('memory_total_bytes', big, (c) => c.notNull())
        .addColumn('memory_used_bytes', big, (c) => c.notNull())
        .addColumn('bandwidth_capacity_bps', big, (c) => c.notNull())
        .addColumn('bandwidth_bps', big, (c) => c.notNull())
        .addColumn('storage_total_bytes', big, (c) => c.notNull())
        .addColumn('storage_used_bytes', big, (c) => c.notNull())
        .execute();

      let protocols = db.schema.createTable('protocols');
      protocols = sqlite
        ? protocols.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        : protocols.addColumn('id', 'serial', (c) => c.primaryKey());
      await protocols
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .execute();

      let allocations = db.schema.createTable('allocations');
      allocations = sqlite
        ? allocations.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        : allocations.addColumn('id', 'serial', (c) => c.primaryKey());
      await allocations
        .addColumn('cpu', big, (c) => c.notNull())
        .addColumn('memory', big, (c) => c.notNull())
        .addColumn('bandwidth', big, (c) => c.notNull())
        .addColumn('storage', big, (c) => c.notNull())
        .addUniqueConstraint('allocations_shares_unique', ['cpu', 'memory', 'bandwidth', 'storage'])
        .execute();

      // Clustered on (time, protocol_id), the only index the table needs: rows arrive in time order, so SQLite
      // appends to full pages (a protocol-first key left ~11 % of every page empty), and range scans, retention
      // deletes and latest() are key-range reads. Single-protocol scans over long ranges read metrics_hourly.
      // No FKs: the ingest path stays lean, and snapshot and protocol rows are written and deleted in one transaction.
      await db.schema
        .createTable('protocol_metrics')
        .addColumn('protocol_id', 'integer', (c) => c.notNull())
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('time_offset', 'integer', (c) => c.notNull())
        .addColumn('connected', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('cumulative_tokens', big)
        .addColumn('earned_tokens', big, (c) => c.notNull())
        .addColumn('earned_usd', big, (c) => c.notNull())
        .addColumn('usd_per_hour', big, (c) => c.notNull())
        .addColumn('payout_event', 'integer', (c) => c.notNull())
        .addColumn('uptime', big, (c) => c.notNull())
        .addColumn('cpu_percent', big, (c) => c.notNull())
        .addColumn('memory_bytes', big, (c) => c.notNull())
        .addColumn('bandwidth_bps', big, (c) => c.notNull())
        .addColumn('storage_bytes', big, (c) => c.notNull())
        .addColumn('allocation_id', 'integer', (c) => c.notNull())
        .addColumn('latency_us', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('protocol_metrics_pk', ['time', 'protocol_id'])
        .modifyEnd(withoutRowid)
        .execute();

      await db.schema
        .createTable('metrics_hourly')
        .addColumn('protocol_id', 'integer', (c) => c.notNull())
        .addColumn('hour', big, (c) => c.notNull())
        .addColumn('samples', 'integer', (c) => c.notNull())
        .addColumn('usd_per_hour', float, (c) => c.notNull())
        .addColumn('earned_usd', float, (c) => c.notNull())
        .addColumn('earned_tokens', float, (c) => c.notNull())
        .addColumn('payout_events', 'integer', (c) => c.notNull())
        .addColumn('connected', float, (c) => c.notNull())
        .addColumn('uptime', float, (c) => c.notNull())
        .addColumn('cpu_percent', float, (c) => c.notNull())
        .addColumn('memory_bytes', float, (c) => c.notNull())
        .addColumn('bandwidth_bps', float, (c) => c.notNull())
        .addColumn('storage_bytes', float, (c) => c.notNull())
        .addColumn('alloc_cpu', float, (c) => c.notNull())
        .addColumn('alloc_memory', float, (c) => c.notNull())
        .addColumn('alloc_bandwidth', float, (c) => c.notNull())
        .addColumn('alloc_storage', float, (c) => c.notNull())
        .addColumn('latency_ms', float, (c) => c.notNull())
        .addPrimaryKeyConstraint('metrics_hourly_pk', ['protocol_id', 'hour'])
        .modifyEnd(withoutRowid)
        .execute();

      await db.schema
        .createTable('metrics_host_hourly')
        .addColumn('hour', big, (c) => c.primaryKey())
        .addColumn('samples', 'integer', (c) => c.notNull())
        .addColumn('total_usd_per_hour', float, (c) => c.notNull())
        .addColumn('cpu_percent', float, (c) => c.notNull())
        .addColumn('memory_percent', float, (c) => c.notNull())
        .addColumn('bandwidth_percent', float, (c) => c.notNull())
        .addColumn('storage_percent', float, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('reallocations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('dry_run', 'integer', (c) => c.notNull())
        .addColumn('exploration', 'integer', (c) => c.notNull())
        .addColumn('strategy', 'text', (c) => c.notNull())
        .addColumn('before_alloc', 'text', (c) => c.notNull())
        .addColumn('after_alloc', 'text', (c) => c.notNull())
        .addColumn('projected_improvement', float, (c) => c.notNull())
        .addColumn('confidence', float, (c) => c.notNull())
        .addColumn('measured_before', float)
        .addColumn('measured_after', float)
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('finished_at', big)
        .execute();
      await db.schema.createIndex('reallocations_created_idx').on('reallocations').column('created_at').execute();
      await db.schema.createIndex('reallocations_status_idx').on('reallocations').column('status').execute();

      await db.schema
        .createTable('reallocation_steps')
        .addColumn('reallocation_id', 'text', (c) => c.notNull().references('reallocations.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('from_shares', 'text', (c) => c.notNull())
        .addColumn('to_shares', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('applied_at', big)
        .addPrimaryKeyConstraint('reallocation_steps_pk', ['reallocation_id', 'seq'])
        .execute();

      await db.schema
        .createTable('alerts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('dedup_key', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('details', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addColumn('acknowledged_at', big)
        .addColumn('acknowledged_by', 'text')
        .addColumn('resolved_at', big)
        .execute();
      await db.schema.createIndex('alerts_dedup_idx').on('alerts').columns(['dedup_key', 'status']).execute();
      await db.schema.createIndex('alerts_created_idx').on('alerts').column('created_at').execute();

      await db.schema
        .createTable('operations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('priority', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('created_by', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('started_at', big)
        .addColumn('finished_at', big)
        .execute();
      await db.schema.createIndex('operations_status_idx').on('operations').columns(['status', 'created_at']).execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('prefix', 'text', (c) => c.notNull().unique())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('last_used_at', big)
        .addColumn('revoked_at', big)
        .execute();

      await db.schema
        .createTable('refresh_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('hash', 'text', (c) => c.notNull().unique())
        .addColumn('expires_at', big, (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('used_at', big)
        .addColumn('revoked_at', big)
        .execute();
      await db.schema.createIndex('refresh_tokens_user_idx').on('refresh_tokens').column('user_id').execute();

      let audit = db.schema.createTable('audit_log');
      audit = sqlite
        ? audit.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        : audit.addColumn('id', 'bigserial', (c) => c.primaryKey());
      await audit
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('role', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('source_ip', 'text')
        .addColumn('result', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_log_time_idx').on('audit_log').column('time').execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of [
        'audit_log', 'refresh_tokens', 'api_keys', 'users', 'operations', 'alerts', 'reallocation_steps',
        'reallocations', 'metrics_host_hourly', 'metrics_hourly', 'protocol_metrics', 'allocations', 'protocols', 'metrics',
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
