/**
 * Distinct allocation tuples -> small ids. A protocol's shares change only at reallocations, so storing them once
 * and referencing them saves ~14 bytes per protocol row.
 */
import type { Kysely } from 'kysely';
import type { ResourceShares } from '../../domain/resources.js';
import { encode } from '../codec.js';
import type { Database } from '../schema.js';

interface EncodedShares {
  cpu: number;
  memory: number;
  bandwidth: number;
  storage: number;
}

export interface AllocationIds {
  /** Encodes the shares and returns their id, registering the tuple when new. */
  idOf(shares: ResourceShares): number | undefined;
  /** Registers every tuple not yet known; call before idOf for a batch. */
  register(shares: ResourceShares[]): Promise<void>;
}

function encodeShares(s: ResourceShares): EncodedShares {
  return {
    cpu: encode(s.cpu, 'percent'),
    memory: encode(s.memory, 'percent'),
    bandwidth: encode(s.bandwidth, 'percent'),
    storage: encode(s.storage, 'percent'),
  };
}

const keyOf = (e: EncodedShares) => `${e.cpu}/${e.memory}/${e.bandwidth}/${e.storage}`;

export function createAllocationIds(db: Kysely<Database>): AllocationIds {
  const ids = new Map<string, number>();

  return {
    idOf(shares) {
      return ids.get(keyOf(encodeShares(shares)));
    },
    async register(shares) {
      const missing = new Map<string, EncodedShares>();
      for (const s of shares) {
        const e = encodeShares(s);
        const key = keyOf(e);
        if (!ids.has(key)) missing.set(key, e);
      }
      for (const [key, e] of missing) {
        // ON CONFLICT: another process may have stored the same tuple; either way we read its id back.
        await db
          .insertInto('allocations')
          .values(e)
          .onConflict((oc) => oc.columns(['cpu', 'memory', 'bandwidth', 'storage']).doNothing())
          .execute();
        const row = await db
          .selectFrom('allocations')
          .select('id')
          .where('cpu', '=', e.cpu)
          .where('memory', '=', e.memory)
          .where('bandwidth', '=', e.bandwidth)
          .where('storage', '=', e.storage)
          .executeTakeFirstOrThrow();
        ids.set(key, Number(row.id));
      }
    },
  };
}
