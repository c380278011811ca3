/**
 * A remote host's payouts with their amounts, one small row each, kept like its rollups: its raw samples (which carry
 * them in their JSON) go after `storage.retention.rawDays`, these stay, as this machine's `payouts` table (011) does.
 * Written at ingest with the samples; existing databases get theirs from the raw samples they still hold.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { Dialect } from '../types.js';

/** The stored JSON is JSON.stringify's (no spaces): a sample whose counter dropped says exactly this. */
export const PAYOUT_EVENT_LIKE = '%"payoutEvent":true%';

export function hostPayoutsMigration(dialect: Dialect): Migration {
  const big = dialect === 'sqlite' ? 'integer' : 'bigint';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('host_payouts')
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('protocol', 'text', (c) => c.notNull())
        .addColumn('time', big, (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('tokens', 'double precision', (c) => c.notNull())
        .addColumn('usd', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('host_payouts_pk', ['host_id', 'protocol', 'time'])
        .execute();
      await db.schema.createIndex('host_payouts_host_time').on('host_payouts').columns(['host_id', 'time']).execute();
      await backfill(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('host_payouts').execute();
    },
  };
}

async function backfill(db: Kysely<unknown>): Promise<void> {
  const rows = await sql<{ host_id: string; time: unknown; protocol: string; sample_json: string }>`
    select host_id, time, protocol, sample_json from host_protocol_samples where sample_json like ${PAYOUT_EVENT_LIKE}`.execute(db);
  const payouts = rows.rows.flatMap((r) => {
    const s = JSON.parse(r.sample_json) as { token?: string; time?: number; payout?: { tokens: number; usd: number } };
    if (!s.payout) return [];
    return [{ host_id: r.host_id, protocol: r.protocol, time: s.time ?? Number(r.time), token: s.token ?? '', tokens: s.payout.tokens, usd: s.payout.usd }];
  });
  const table = db as Kysely<{ host_payouts: (typeof payouts)[number] }>;
  for (let i = 0; i < payouts.length; i += 200) {
    await table
      .insertInto('host_payouts')
      .values(payouts.slice(i, i + 200))
      .onConflict((oc) => oc.columns(['host_id', 'protocol', 'time']).doNothing())
      .execute();
  }
}
