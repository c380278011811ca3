/** The payouts the earnings ledger confirmed, newest first, with the protocol's name and token. */
import type { Kysely } from 'kysely';
import type { Payout } from '../../domain/payout.js';
import type { Database } from '../schema.js';
import type { PayoutQuery } from '../types.js';

export function createPayoutsReader(db: Kysely<Database>): (query: PayoutQuery) => Promise<Payout[]> {
  return async (query) => {
    let q = db
      .selectFrom('payouts')
      .innerJoin('protocols', 'protocols.id', 'payouts.protocol_id')
      .select(['protocols.name as protocol', 'protocols.token as token', 'payouts.time as time', 'payouts.tokens as tokens', 'payouts.usd as usd'])
      .where('payouts.time', '>=', query.from)
      .where('payouts.time', '<', query.to);
    if (query.protocol !== undefined) q = q.where('protocols.name', '=', query.protocol);
    const rows = await q.orderBy('payouts.time', 'desc').limit(query.limit ?? 100).execute();
    return rows.map((r) => ({ protocol: r.protocol, token: r.token, time: Number(r.time), tokens: Number(r.tokens), usd: Number(r.usd) }));
  };
}
