import { LRUCache } from 'lru-cache';
import type { Clock } from '../lib/clock.js';
import type { Principal } from './roles.js';

/**
 * Who a bearer credential belongs to, remembered for a short window so that a client making many requests does
 * not pay for a signature check and a database read on each one (SPEC §10: a cached dashboard read must cost
 * close to a bare route).
 *
 * Security window: an entry lives at most `windowMs` (and never past the access token's own expiry). The auth
 * service clears the whole cache whenever a user is changed or deleted or an API key is revoked in this process,
 * so such a change applies to the very next request here. A change made by ANOTHER process on the same database
 * (another replica, or the CLI) applies within `windowMs`.
 *
 * Concurrent requests with the same credential share one lookup (single flight). Refusals are not remembered, so
 * guessing credentials cannot fill the cache; the size is bounded all the same.
 */
export interface PrincipalCache {
  /** The principal for `token`, computing it with `lookup` when not known (or known for too long). */
  resolve(token: string, lookup: () => Promise<{ principal: Principal; expiresAt?: number } | null>): Promise<Principal | null>;
  /** Forget everything (a user or key changed: the next request reads the database again). */
  clear(): void;
  readonly size: number;
}

export interface PrincipalCacheOptions {
  clock: Clock;
  /** How long an answer is reused, ms; 0 turns the cache off. */
  windowMs: number;
  /** Most credentials remembered at once. */
  maxEntries?: number;
}

interface Entry {
  value: Promise<Principal | null>;
}

export const DEFAULT_PRINCIPAL_CACHE_MS = 1000;

export function createPrincipalCache(options: PrincipalCacheOptions): PrincipalCache {
  const { clock, windowMs } = options;
  // lru-cache: bounded by entries (least recently used out first), each entry living at most `windowMs` on the clock.
  // lru-cache counts an entry stale once its age is *above* its ttl; on a millisecond clock, ttl - 1 makes it stale
  // from the moment the window has passed.
  const entries = new LRUCache<string, Entry>({
    max: options.maxEntries ?? 10_000,
    ttl: Math.max(1, windowMs - 1),
    ttlResolution: 0,
    perf: { now: () => clock.now() },
  });

  return {
    async resolve(token, lookup) {
      if (windowMs <= 0) return (await lookup())?.principal ?? null;
      const known = entries.get(token);
      if (known) return known.value;
      const startedAt = clock.now();
      const entry: Entry = { value: Promise.resolve(null) };
      entry.value = lookup().then(
        (found) => {
          // A refusal is not remembered. (A lookup that was under way when clear() ran is no longer in the map,
          // so its answer, possibly from before the change, is never reused.)
          const current = entries.peek(token) === entry;
          if (!found) {
            if (current) entries.delete(token);
            return null;
          }
          // Never past the credential's own expiry.
          if (current && found.expiresAt !== undefined && found.expiresAt < startedAt + windowMs) {
            const left = found.expiresAt - clock.now() - 1;
            if (left > 0) entries.set(token, entry, { ttl: left });
            else entries.delete(token);
          }
          return found.principal;
        },
        (err: unknown) => {
          if (entries.peek(token) === entry) entries.delete(token);
          throw err;
        },
      );
      entries.set(token, entry);
      return entry.value;
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
