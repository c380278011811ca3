import { LRUCache } from 'lru-cache';
import type { Clock } from '../lib/clock.js';
import { OrchaError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { createRedisLink, type RedisLink } from './redis-link.js';

/**
 * TTL cache for expensive reads (dashboard, opportunities, history aggregates). In memory by default, Redis when
 * configured (shared by replicas); both behind one interface. Cleared on a new snapshot or a config change.
 * A Redis outage degrades the cache to a pass-through; it never fails a read.
 */
export interface CacheStats {
  store: 'memory' | 'redis';
  /** False while the store (Redis) cannot be reached: reads are computed uncached. */
  available: boolean;
  hits: number;
  misses: number;
  size: number;
  maxEntries: number | null;
  ttlSeconds: number;
}

export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
  /** Cached value, or compute it once (concurrent callers share one computation) and cache it. */
  wrap<T>(key: string, compute: () => Promise<T>, ttlMs?: number): Promise<T>;
  delete(key: string): Promise<void>;
  /** Remove every entry; returns how many were removed. */
  clear(): Promise<number>;
  stats(): Promise<CacheStats>;
  close(): Promise<void>;
}

interface Counters {
  hits: number;
  misses: number;
}

/** Single-flight `wrap` on top of get/set, shared by both stores. */
function wrapper(cache: Pick<Cache, 'get' | 'set'>) {
  const inflight = new Map<string, Promise<unknown>>();
  return async <T>(key: string, compute: () => Promise<T>, ttlMs?: number): Promise<T> => {
    const cached = await cache.get<T>(key);
    if (cached !== undefined) return cached;
    const running = inflight.get(key);
    if (running) return running as Promise<T>;
    const p = (async () => {
      try {
        const value = await compute();
        await cache.set(key, value, ttlMs);
        return value;
      } finally {
        inflight.delete(key);
      }
    })();
    inflight.set(key, p);
    return p;
  };
}

export interface MemoryCacheOptions {
  ttlMs: number;
  maxEntries: number;
  clock: Clock;
}

/** lru-cache bounded by entries, with a TTL read from the injected clock. */
export function createMemoryCache(options: MemoryCacheOptions): Cache {
  const entries = new LRUCache<string, { value: unknown }>({
    max: options.maxEntries,
    ttl: options.ttlMs,
    // Exact expiry on the injected clock (tests move time); no cached "now".
    ttlResolution: 0,
    perf: { now: () => options.clock.now() },
  });
  const counters: Counters = { hits: 0, misses: 0 };
  const base: Pick<Cache, 'get' | 'set'> = {
    async get<T>(key: string) {
      const entry = entries.get(key);
      if (entry === undefined) {
        counters.misses++;
        return undefined;
      }
      counters.hits++;
      return entry.value as T;
    },
    async set(key, value, ttlMs) {
      entries.set(key, { value }, { ttl: ttlMs ?? options.ttlMs });
    },
  };
  return {
    ...base,
    wrap: wrapper(base),
    async delete(key) {
      entries.delete(key);
    },
    async clear() {
      entries.purgeStale();
      const n = entries.size;
      entries.clear();
      return n;
    },
    async stats() {
      entries.purgeStale();
      return {
        store: 'memory',
        available: true,
        ...counters,
        size: entries.size,
        maxEntries: options.maxEntries,
        ttlSeconds: options.ttlMs / 1000,
      };
    },
    async close() {
      entries.clear();
    },
  };
}

export interface RedisCacheOptions {
  /** The process's Redis connection (see redis-link.ts), or a URL to open one of its own. */
  redis: RedisLink | { url: string };
  ttlMs: number;
  /** Key prefix so that several caches (and tests) share one Redis. */
  prefix?: string;
  log?: Logger;
}

/**
 * Values are stored as JSON with a TTL (PX); counters are per process. While Redis is away a read is a miss and is
 * computed (uncached), a write is dropped, and stats say the store is unavailable: reads never fail for the cache.
 */
export function createRedisCache(options: RedisCacheOptions): Cache {
  const prefix = options.prefix ?? 'orcha:cache:';
  const log = options.log?.child({ module: 'cache' });
  const linkReady: Promise<RedisLink> =
    'client' in options.redis ? Promise.resolve(options.redis) : createRedisLink({ url: options.redis.url, log: options.log });
  const ownsLink = !('client' in options.redis);
  let link: RedisLink | null = 'client' in options.redis ? options.redis : null;
  void linkReady.then((l) => {
    link = l;
  });
  const counters: Counters = { hits: 0, misses: 0 };
  let degraded = false;

  async function redis(): Promise<RedisLink['client']> {
    return (link ?? (await linkReady)).client;
  }

  function unavailable(err: unknown): void {
    if (!degraded) log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'cache: Redis unavailable, answering uncached');
    degraded = true;
  }

  async function keys(): Promise<string[]> {
    const client = await redis();
    const found: string[] = [];
    let cursor = '0';
    do {
      const [nextCursor, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = nextCursor;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  }

  const base: Pick<Cache, 'get' | 'set'> = {
    async get<T>(key: string) {
      let raw: string | null;
      try {
        raw = await (await redis()).get(prefix + key);
        degraded = false;
      } catch (err) {
        unavailable(err);
        raw = null;
      }
      if (raw === null) {
        counters.misses++;
        return undefined;
      }
      counters.hits++;
      return JSON.parse(raw) as T;
    },
    async set(key, value, ttlMs) {
      try {
        await (await redis()).set(prefix + key, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlMs ?? options.ttlMs)));
      } catch (err) {
        unavailable(err);
      }
    },
  };
  return {
    ...base,
    wrap: wrapper(base),
    async delete(key) {
      try {
        await (await redis()).del(prefix + key);
      } catch (err) {
        unavailable(err);
      }
    },
    async clear() {
      try {
        const all = await keys();
        const client = await redis();
        for (let i = 0; i < all.length; i += 500) await client.del(...all.slice(i, i + 500));
        return all.length;
      } catch (err) {
        unavailable(err);
        throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', 'The cache store (Redis) is unavailable; entries expire on their own');
      }
    },
    async stats() {
      const shown = { store: 'redis' as const, ...counters, maxEntries: null, ttlSeconds: options.ttlMs / 1000 };
      try {
        return { ...shown, available: true, size: (await keys()).length };
      } catch (err) {
        unavailable(err);
        return { ...shown, available: false, size: 0 };
      }
    },
    async close() {
      if (ownsLink) await (await linkReady).close();
    },
  };
}

export interface CacheSettings {
  cache: { store: 'memory' | 'redis'; ttl: number; maxEntries: number };
  redis: { url?: string };
}

/** The cache the config asks for (on the process's Redis link when given). */
export function createCache(
  settings: CacheSettings,
  deps: { clock: Clock; log?: Logger; prefix?: string; redis?: RedisLink | null },
): Cache {
  const ttlMs = settings.cache.ttl * 1000;
  if (settings.cache.store === 'redis' && settings.redis.url) {
    return createRedisCache({ redis: deps.redis ?? { url: settings.redis.url }, ttlMs, prefix: deps.prefix, log: deps.log });
  }
  return createMemoryCache({ ttlMs, maxEntries: settings.cache.maxEntries, clock: deps.clock });
}
