/**
 * Leases for work that must run on exactly one control-plane replica (each host's decision loop, the fleet alerts):
 * a row per lease with its holder, an expiry, and a fencing number that grows at every change of holder. A replica
 * that stops renewing loses the lease at expiry; whatever it writes afterwards under its old fence is refused.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../types.js';

export function leasesMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('fence', big, (c) => c.notNull())
        .addColumn('acquired_at', big, (c) => c.notNull())
        .addColumn('expires_at', big, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('leases').execute();
    },
  };
}
