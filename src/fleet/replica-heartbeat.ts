/**
 * Each control-plane replica announces itself with a heartbeat row in the leases table (`replica:<holder>`, a name
 * no other process ever takes), renewed at every lease round. The replicas whose heartbeat has not expired are the
 * live ones; the host leases are shared among them (lease-manager.ts). A dead replica's heartbeat expires with the
 * same TTL as its leases, so the survivors' share grows exactly when its leases become free.
 */
import type { LeaseRepository } from '../store/repositories/leases.repository.js';

export const REPLICA_PREFIX = 'replica:';
/** Heartbeats expired longer than this are deleted (a restarted process is a new replica with a new row). */
const PURGE_AFTER_MS = 3_600_000;

export interface ReplicaHeartbeat {
  /** Renew (or re-announce) this replica's row. */
  beat(now: number, ttlMs: number): Promise<void>;
  /** The live replicas (holders, sorted), this one included. */
  live(now: number): Promise<string[]>;
  /** Withdraw the row at once (a clean shutdown): the others take the shares over at their next round. */
  stop(): Promise<void>;
}

export function createReplicaHeartbeat(repo: LeaseRepository, holder: string): ReplicaHeartbeat {
  const name = `${REPLICA_PREFIX}${holder}`;
  let fence: number | null = null;
  let lastPurge = 0;
  return {
    async beat(now, ttlMs) {
      if (fence === null || !(await repo.renew(name, holder, fence, now, ttlMs))) {
        fence = (await repo.acquire(name, holder, now, ttlMs))?.fence ?? null;
      }
      if (now - lastPurge > PURGE_AFTER_MS / 4) {
        lastPurge = now;
        await repo.purge(REPLICA_PREFIX, now - PURGE_AFTER_MS);
      }
    },
    async live(now) {
      const live = new Set((await repo.list(REPLICA_PREFIX)).filter((l) => l.expiresAt > now).map((l) => l.holder));
      // This replica counts even when its own row could not be written: it is running.
      live.add(holder);
      return [...live].sort();
    },
    async stop() {
      if (fence !== null) await repo.release(name, holder, fence).catch(() => undefined);
      fence = null;
    },
  };
}

/**
 * A replica's fair share of `leases` among the `live` replicas (sorted ids): an equal part each, the remainder one
 * each to the first replicas in id order, so the shares add up to exactly the leases and differ by one at most.
 * Never more than ceil(leases / live).
 */
export function fairShare(leases: number, live: string[], self: string): number {
  const n = Math.max(1, live.length);
  const rank = Math.max(0, live.indexOf(self));
  return Math.floor(leases / n) + (rank < leases % n ? 1 : 0);
}
