import { createRequire } from 'node:module';
import type { Redis as RedisClient } from 'ioredis';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';

/**
 * TTL cache for expensive reads (dashboard, opportunities, history aggregates). In memory by default, Redis when
 * configured (shared by replicas); both behind one interface. Cleared on a new snapshot or a config change.
 */
export interface CacheStats {
  store: 'memory' | 'redis';
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

/** A Map keeps insertion order: re-inserting on read makes the first key the least recently used. */
export function createMemoryCache(options: MemoryCacheOptions): Cache {
  const entries = new Map<string, { value: unknown; expiresAt: number }>();
  const counters: Counters = { hits: 0, misses: 0 };
  const base: Pick<Cache, 'get' | 'set'> = {
    async get<T>(key: string) {
      const entry = entries.get(key);
      if (!entry || entry.expiresAt <= options.clock.now()) {
        if (entry) entries.delete(key);
        counters.misses++;
        return undefined;
      }
      entries.delete(key);
      entries.set(key, entry);
      counters.hits++;
      return entry.value as T;
    },
    async set(key, value, ttlMs) {
      entries.delete(key);
      entries.set(key, { value, expiresAt: options.clock.now() + (ttlMs ?? options.ttlMs) });
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
    },
  };
  return {
    ...base,
    wrap: wrapper(base),
    async delete(key) {
      entries.delete(key);
    },
    async clear() {
      const n = entries.size;
      entries.clear();
      return n;
    },
    async stats() {
      const now = options.clock.now();
      for (const [k, e] of entries) if (e.expiresAt <= now) entries.delete(k);
      return {
        store: 'memory',
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
  url: string;
  ttlMs: number;
  /** Key prefix so that several caches (and tests) share one Redis. */
  prefix?: string;
  log?: Logger;
}

/** Values are stored as JSON with a TTL (PX); counters are per process. */
export function createRedisCache(options: RedisCacheOptions): Cache {
  const prefix = options.prefix ?? 'orcha:cache:';
  // ioredis loads only when a Redis cache is configured: the default in-memory cache never needs it.
  const { Redis } = createRequire(import.meta.url)('ioredis') as { Redis: typeof RedisClient };
  const redis = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  redis.on('error', (err) => options.log?.warn({ err: err.message }, 'redis cache error'));
  const counters: Counters = { hits: 0, misses: 0 };

  async function keys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [nextCursor, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = nextCursor;
      found.push(...batch);
    } while (cursor !== '0');
    return found;
  }

  const base: Pick<Cache, 'get' | 'set'> = {
    async get<T>(key: string) {
      const raw = await redis.get(prefix + key);
      if (raw === null) {
        counters.misses++;
        return undefined;
      }
      counters.hits++;
      return JSON.parse(raw) as T;
    },
    async set(key, value, ttlMs) {
      await redis.set(prefix + key, JSON.stringify(value), 'PX', Math.max(1, Math.round(ttlMs ?? options.ttlMs)));
    },
  };
  return {
    ...base,
    wrap: wrapper(base),
    async delete(key) {
      await redis.del(prefix + key);
    },
    async clear() {
      const all = await keys();
      for (let i = 0; i < all.length; i += 500) await redis.del(...all.slice(i, i + 500));
      return all.length;
    },
    async stats() {
      return { store: 'redis', ...counters, size: (await keys()).length, maxEntries: null, ttlSeconds: options.ttlMs / 1000 };
    },
    async close() {
      redis.disconnect();
    },
  };
}

export interface CacheSettings {
  cache: { store: 'memory' | 'redis'; ttl: number; maxEntries: number };
  redis: { url?: string };
}

/** The cache the config asks for. */
export function createCache(settings: CacheSettings, deps: { clock: Clock; log?: Logger; prefix?: string }): Cache {
  const ttlMs = settings.cache.ttl * 1000;
  if (settings.cache.store === 'redis' && settings.redis.url) {
    return createRedisCache({ url: settings.redis.url, ttlMs, prefix: deps.prefix, log: deps.log });
  }
  return createMemoryCache({ ttlMs, maxEntries: settings.cache.maxEntries, clock: deps.clock });
}
