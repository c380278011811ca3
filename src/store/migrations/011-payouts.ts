/**
 * Payouts with their amounts (issue 19): the earnings ledger knows how far a counter fell at a payout; the raw
 * protocol rows keep only the flag and go at raw retention. One small row per payout, kept like the rollups.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../types.js';

export function payoutsMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('payouts')
        .addColumn('protocol_id', 'integer', (c) => c.notNull())
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('tokens', 'double precision', (c) => c.notNull())
        .addColumn('usd', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('payouts_pk', ['protocol_id', 'time'])
        .execute();
      await db.schema.createIndex('payouts_time').on('payouts').column('time').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('payouts').execute();
    },
  };
}
