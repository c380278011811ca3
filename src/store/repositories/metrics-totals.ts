/** Per-protocol totals and averages over a range: raw rows for partial hours, daily and hourly rollups for the rest. */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { decode } from '../codec.js';
import type { Database } from '../schema.js';
import type { EarningsTotal, TimeRange } from '../types.js';
import type { FetchRows } from './fetch-rows.js';
import type { ProtocolInfo } from './protocol-ids.js';
import { type Coverage, planRange } from './range-plan.js';
import { createRollupReader, rollupReads } from './rollup-read.js';

interface Sums {
  usd: number;
  tokens: number;
  payouts: number;
  /** uptime × samples */
  uptime: number;
  samples: number;
}

export interface TotalsDeps {
  db: Kysely<Database>;
  fetchRows: FetchRows;
  coverage(): Promise<Coverage>;
  selectProtocols(protocol: string | undefined): Promise<Map<number, ProtocolInfo>>;
}

export function createMetricsTotals({ db, fetchRows, coverage, selectProtocols }: TotalsDeps) {
  const rollups = createRollupReader(db, fetchRows);

  async function perProtocolSums(range: TimeRange, protocol?: string) {
    const protocols = await selectProtocols(protocol);
    const sums = new Map<number, Sums>();
    if (protocols.size === 0) return { protocols, sums };
    const ids = [...protocols.keys()];
    const add = (id: number, usd: number, tokens: number, payouts: number, uptime: number, samples: number) => {
      const s = sums.get(id) ?? { usd: 0, tokens: 0, payouts: 0, uptime: 0, samples: 0 };
      s.usd += usd;
      s.tokens += tokens;
      s.payouts += payouts;
      s.uptime += uptime;
      s.samples += samples;
      sums.set(id, s);
    };
    const plan = planRange(range, await coverage(), true);
    for (const span of plan.raw) {
      const rows = await db
        .selectFrom('protocol_metrics')
        .select([
          'protocol_id',
          sql<number>`sum(earned_usd)`.as('usd'),
          sql<number>`sum(earned_tokens)`.as('tokens'),
          sql<number>`sum(payout_event)`.as('payouts'),
          sql<number>`sum(uptime)`.as('uptime'),
          sql<number>`count(*)`.as('samples'),
        ])
        .where('protocol_id', 'in', ids)
        .where('time', '>=', span.from)
        .where('time', '<', span.to)
        .groupBy('protocol_id')
        .execute();
      for (const r of rows) {
        add(Number(r.protocol_id), decode(r.usd, 'usd'), decode(r.tokens, 'tokens'), Number(r.payouts), decode(r.uptime, 'uptime'), Number(r.samples));
      }
    }
    if (plan.rollup) {
      for (const read of rollupReads(plan.rollup, undefined, true)) {
        for (const r of await rollups.protocolSums(read, ids)) {
          add(Number(r.protocol_id), Number(r.usd), Number(r.tokens), Number(r.payouts), Number(r.uptime), Number(r.samples));
        }
      }
    }
    return { protocols, sums };
  }

  async function earningsTotals(range: TimeRange): Promise<EarningsTotal[]> {
    const { protocols, sums } = await perProtocolSums(range);
    return [...sums]
      .filter(([, s]) => s.samples > 0)
      .map(([id, s]) => {
        const info = protocols.get(id)!;
        return { protocol: info.name, token: info.token, usd: s.usd, tokens: s.tokens, payoutEvents: s.payouts };
      })
      .sort((a, b) => b.usd - a.usd || a.protocol.localeCompare(b.protocol));
  }

  async function averageUptime(range: TimeRange, protocol?: string): Promise<{ protocol: string; uptime: number }[]> {
    const { protocols, sums } = await perProtocolSums(range, protocol);
    return [...sums]
      .filter(([, s]) => s.samples > 0)
      .map(([id, s]) => ({ protocol: protocols.get(id)!.name, uptime: s.uptime / s.samples }))
      .sort((a, b) => a.protocol.localeCompare(b.protocol));
  }

  return { earningsTotals, averageUptime };
}
