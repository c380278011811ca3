/**
 * Leases (migration 010): work that must run on exactly one replica takes a named lease with an expiry. Taking a
 * lease that is free or expired raises its fence by one; renewing keeps the fence; a write that must not come from a
 * stale holder is made conditional on `holds` (same holder, same fence, not expired) inside its own transaction.
 * Times are epoch ms from the replicas' clocks (replicas are expected to run NTP, like the rate limits).
 */
import { type Kysely, sql } from 'kysely';

export interface Lease {
  name: string;
  holder: string;
  fence: number;
  acquiredAt: number;
  expiresAt: number;
}

export interface LeaseRepository {
  /** Take the lease when it is free or expired (never from a live holder, itself included): the new lease or null. */
  acquire(name: string, holder: string, now: number, ttlMs: number): Promise<Lease | null>;
  /** Extend a lease still held under `fence`; false when it expired or another replica took it. */
  renew(name: string, holder: string, fence: number, now: number, ttlMs: number): Promise<boolean>;
  /** Give the lease up at once (a replica shutting down), so another takes it without waiting for the expiry. */
  release(name: string, holder: string, fence: number): Promise<void>;
  /** Whether `holder` holds the lease under `fence`, unexpired at `now`. */
  holds(name: string, holder: string, fence: number, now: number): Promise<boolean>;
  /** Every lease whose name starts with `prefix`. */
  list(prefix: string): Promise<Lease[]>;
  /**
   * Delete the leases named with `prefix` that expired before `before` (replicas' heartbeats: one name per process,
   * never taken again, so their fences need not survive). Returns how many went.
   */
  purge(prefix: string, before: number): Promise<number>;
}

interface LeasesTable {
  name: string;
  holder: string;
  fence: number;
  acquired_at: number;
  expires_at: number;
}

const toLease = (r: LeasesTable): Lease => ({
  name: r.name,
  holder: r.holder,
  fence: Number(r.fence),
  acquiredAt: Number(r.acquired_at),
  expiresAt: Number(r.expires_at),
});

export function createLeaseRepository(anyDb: Kysely<unknown>): LeaseRepository {
  const db = anyDb as Kysely<{ leases: LeasesTable }>;
  return {
    async acquire(name, holder, now, ttlMs) {
      // One statement: insert, or take over an expired row. A live row (any holder) stays as it is and nothing returns.
      const row = await db
        .insertInto('leases')
        .values({ name, holder, fence: 1, acquired_at: now, expires_at: now + ttlMs })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({
              holder,
              fence: sql<number>`leases.fence + 1`,
              acquired_at: now,
              expires_at: now + ttlMs,
            })
            .where('leases.expires_at', '<=', now),
        )
        .returningAll()
        .executeTakeFirst();
      return row ? toLease(row) : null;
    },
    async renew(name, holder, fence, now, ttlMs) {
      const r = await db
        .updateTable('leases')
        .set({ expires_at: now + ttlMs })
        .where('name', '=', name)
        .where('holder', '=', holder)
        .where('fence', '=', fence)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async release(name, holder, fence) {
      // Expired rather than deleted: the fence must keep growing for the next holder.
      await db
        .updateTable('leases')
        .set({ expires_at: 0 })
        .where('name', '=', name)
        .where('holder', '=', holder)
        .where('fence', '=', fence)
        .execute();
    },
    async holds(name, holder, fence, now) {
      const r = await db
        .selectFrom('leases')
        .select('name')
        .where('name', '=', name)
        .where('holder', '=', holder)
        .where('fence', '=', fence)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return r !== undefined;
    },
    async list(prefix) {
      // Few rows (one per host and a few singletons): filtered here, no LIKE escaping across dialects.
      const rows = await db.selectFrom('leases').selectAll().orderBy('name').execute();
      return rows.filter((r) => r.name.startsWith(prefix)).map(toLease);
    },
    async purge(prefix, before) {
      const rows = await db.selectFrom('leases').select('name').where('expires_at', '<', before).execute();
      const names = rows.map((r) => r.name).filter((n) => n.startsWith(prefix));
      if (names.length === 0) return 0;
      const r = await db.deleteFrom('leases').where('name', 'in', names).where('expires_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
