/**
 * The leases one control-plane replica holds: every round it renews what it holds and tries to take what it wants
 * and nobody holds (a host's decision loop, the fleet alerts). A lease the database refuses to renew is dropped at
 * once; one not renewed in time stops counting locally a safety margin before its expiry in the database, so a
 * replica cut off from PostgreSQL (or frozen) stops acting before another replica can take over. Writes that must not come from a stale
 * holder also check the fence in the database (`LeaseRepository.holds`).
 *
 * Leases named as `shared` (the hosts' decision loops) are spread over the live replicas (replica-heartbeat.ts):
 * a replica takes free ones only up to its fair share (an equal part, the remainder spread one each by replica id:
 * never more than ceil(shared / live replicas)), and at renewal releases what it holds beyond that share, so a
 * replica that joins gets hosts at the others' next round. Fencing is unchanged: a
 * lease still changes holder only when free or expired, under a higher fence.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createLoop } from '../engine/loop.js';
import type { Clock } from '../lib/clock.js';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { LeaseRepository } from '../store/repositories/leases.repository.js';
import { createReplicaHeartbeat, fairShare } from './replica-heartbeat.js';

export interface HeldLease {
  fence: number;
  /** Local deadline: past it the lease is treated as lost even if the database has not expired it yet. */
  validUntil: number;
}

export interface LeaseManager {
  /** This replica's identity in the leases table. */
  readonly holder: string;
  /** The fence of `name` while this replica holds it (and is inside its local deadline), else null. */
  fence(name: string): number | null;
  /** Names held now. */
  held(): string[];
  /** The fence of `name`, taking the lease now when it is free (work that runs on a timer of its own); null: held elsewhere. */
  ensure(name: string): Promise<number | null>;
  /** One round: renew, drop what was lost, take what is wanted and free. */
  round(): Promise<void>;
  start(): void;
  /** Stop the rounds and release every lease, so other replicas take over at once. */
  stop(): Promise<void>;
}

export interface LeaseManagerOptions {
  repo: LeaseRepository;
  clock: Clock;
  log: Logger;
  /** Lease time to live, ms (read at every round). Renewals run every third of it. */
  ttlMs: () => number;
  /** The leases this replica should hold when free (read at every round). */
  wanted: () => Promise<string[]>;
  /** Told when a lease is taken (fence) or lost (null). */
  onChange?: (name: string, fence: number | null) => void;
  holder?: string;
  /** Leases shared fairly among the live replicas (without it, a replica takes every free lease it wants). */
  shared?: (name: string) => boolean;
}

/** A replica's id: the machine, the process and a random part (a restarted process is a new holder). */
export function replicaId(): string {
  return `${hostname().split('.')[0]}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function createLeaseManager(options: LeaseManagerOptions): LeaseManager {
  const { repo, clock } = options;
  const log = options.log.child({ module: 'leases' });
  const holder = options.holder ?? replicaId();
  const held = new Map<string, HeldLease>();
  const heartbeat = options.shared ? createReplicaHeartbeat(repo, holder) : null;

  const lose = (name: string, why: string) => {
    if (!held.delete(name)) return;
    log.warn({ lease: name, why }, 'lease lost');
    options.onChange?.(name, null);
  };
  // A third of the TTL is kept as margin: one missed renewal is tolerated, a second one stops this replica acting.
  const deadline = (startedAt: number, ttl: number) => startedAt + ttl - Math.ceil(ttl / 3);

  /** How many shared leases this replica may hold now (Infinity: no sharing, or the live replicas are unknown). */
  async function share(sharedWanted: number): Promise<number> {
    if (!heartbeat || !beating) return Infinity;
    try {
      return fairShare(sharedWanted, await heartbeat.live(clock.now()), holder);
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'lease round: cannot count the live replicas');
      return Infinity;
    }
  }

  const release = async (name: string) => {
    const lease = held.get(name);
    if (!lease) return;
    held.delete(name);
    await repo.release(name, holder, lease.fence).catch(() => undefined);
    options.onChange?.(name, null);
  };

  let beating = false;
  async function round(): Promise<void> {
    const ttl = options.ttlMs();
    // The heartbeat is renewed before the leases, so it expires first when this replica dies: by the time its leases
    // are free, the others no longer count it and their shares already cover its hosts.
    try {
      await heartbeat?.beat(clock.now(), ttl);
      beating = true;
    } catch (err) {
      beating = false;
      log.warn({ err: errorMessage(err) }, 'lease round: heartbeat failed');
    }
    for (const [name, lease] of [...held]) {
      const startedAt = clock.now();
      // Past its local deadline this replica no longer acts under the lease (fence() is null), but it may still
      // renew it: the database refuses when the lease expired there or another replica took it.
      try {
        if (await repo.renew(name, holder, lease.fence, startedAt, ttl)) lease.validUntil = deadline(startedAt, ttl);
        else lose(name, 'taken over or expired');
      } catch (err) {
        // Kept (renewal retried next round): a short database hiccup does not move every host; past its local
        // deadline this replica stops acting under it all the same.
        log.warn({ lease: name, err: errorMessage(err) }, 'lease renewal failed');
      }
    }
    let wanted: string[];
    try {
      wanted = await options.wanted();
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'lease round: cannot list the wanted leases');
      return;
    }
    const want = new Set(wanted);
    for (const name of [...held.keys()]) if (!want.has(name)) await release(name);
    const isShared = options.shared ?? (() => false);
    const quota = await share(wanted.filter(isShared).length);
    const heldShared = () => [...held.keys()].filter(isShared);
    // Beyond the fair share: the surplus goes back at once (last names first), for the replicas below theirs.
    const surplus = heldShared().sort().slice(quota);
    for (const name of surplus) {
      log.info({ lease: name, share: quota }, 'lease handed over: beyond this replica\'s fair share');
      await release(name);
    }
    for (const name of want) {
      if (held.has(name)) continue;
      if (isShared(name) && heldShared().length >= quota) continue;
      const startedAt = clock.now();
      try {
        const lease = await repo.acquire(name, holder, startedAt, ttl);
        if (!lease) continue;
        held.set(name, { fence: lease.fence, validUntil: deadline(startedAt, ttl) });
        log.info({ lease: name, fence: lease.fence }, 'lease taken');
        options.onChange?.(name, lease.fence);
      } catch (err) {
        log.warn({ lease: name, err: errorMessage(err) }, 'lease acquisition failed');
      }
    }
  }

  const loop = createLoop({ name: 'leases', clock, log, intervalMs: () => Math.max(100, Math.floor(options.ttlMs() / 3)), tick: round });

  return {
    holder,
    fence(name) {
      const lease = held.get(name);
      if (!lease) return null;
      if (clock.now() >= lease.validUntil) return null;
      return lease.fence;
    },
    held: () => [...held.keys()],
    async ensure(name) {
      const ttl = options.ttlMs();
      const startedAt = clock.now();
      const lease = held.get(name);
      if (lease && startedAt < lease.validUntil) return lease.fence;
      if (lease && (await repo.renew(name, holder, lease.fence, startedAt, ttl))) {
        lease.validUntil = deadline(startedAt, ttl);
        return lease.fence;
      }
      if (lease) lose(name, 'expired');
      const taken = await repo.acquire(name, holder, startedAt, ttl);
      if (!taken) return null;
      held.set(name, { fence: taken.fence, validUntil: deadline(startedAt, ttl) });
      options.onChange?.(name, taken.fence);
      return taken.fence;
    },
    round: () => loop.tick(),
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      for (const name of [...held.keys()]) await release(name);
      await heartbeat?.stop();
    },
  };
}
