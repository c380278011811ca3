import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { createRedisLink, type RedisLink } from '../infra/redis-link.js';

/**
 * Token buckets: each key holds up to `perMinute` tokens and refills continuously at `perMinute` per minute, so a
 * client may burst up to its limit and then goes at the sustained rate. The memory store serves one process; the
 * Redis store runs the same arithmetic in one Lua script (atomic), so several replicas share one bucket per key.
 * Kept here rather than @fastify/rate-limit: that plugin counts fixed windows (a client may spend twice its limit
 * across a window edge), where SPEC §7 asks for a token bucket; its stores (memory, Redis) are what this file
 * provides, with lru-cache bounding the memory store.
 */
export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  /** whole tokens left after this request */
  remaining: number;
  /** ms until the bucket is full again */
  resetMs: number;
  /** ms until one token is available (0 when allowed) */
  retryAfterMs: number;
}

export interface RateLimiter {
  readonly kind: 'memory' | 'redis';
  /** Take one token from bucket `key` whose capacity and refill are `perMinute`. */
  consume(key: string, perMinute: number): Promise<RateLimitResult>;
  close(): Promise<void>;
}

interface Bucket {
  tokens: number;
  ts: number;
}

const MINUTE_MS = 60_000;

/** The shared arithmetic (mirrored in the Lua script below). */
function refill(bucket: Bucket | undefined, capacity: number, ratePerMs: number, now: number): Bucket {
  if (!bucket) return { tokens: capacity, ts: now };
  // A clock that went backwards (another replica) never adds tokens.
  if (now <= bucket.ts) return { tokens: Math.min(capacity, bucket.tokens), ts: bucket.ts };
  return { tokens: Math.min(capacity, bucket.tokens + (now - bucket.ts) * ratePerMs), ts: now };
}

function result(allowed: boolean, tokens: number, capacity: number, ratePerMs: number): RateLimitResult {
  return {
    allowed,
    limit: capacity,
    remaining: Math.max(0, Math.floor(tokens)),
    resetMs: Math.ceil((capacity - tokens) / ratePerMs),
    retryAfterMs: allowed ? 0 : Math.ceil((1 - tokens) / ratePerMs),
  };
}

export function createMemoryRateLimiter(options: { clock: Clock; maxKeys?: number }): RateLimiter {
  // lru-cache holds the buckets: bounded (least recently used out first), and a bucket untouched for a minute is
  // forgotten, since it has refilled by then and holds no information.
  const buckets = new LRUCache<string, Bucket>({
    max: options.maxKeys ?? 100_000,
    ttl: MINUTE_MS,
    ttlResolution: 0,
    perf: { now: () => options.clock.now() },
  });

  return {
    kind: 'memory',
    async consume(key, perMinute) {
      const now = options.clock.now();
      const rate = perMinute / MINUTE_MS;
      const bucket = refill(buckets.get(key), perMinute, rate, now);
      const allowed = bucket.tokens >= 1;
      if (allowed) bucket.tokens -= 1;
      buckets.set(key, bucket);
      return result(allowed, bucket.tokens, perMinute, rate);
    },
    async close() {
      buckets.clear();
    },
  };
}

const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 't', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
elseif now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate)
  ts = now
else
  tokens = math.min(capacity, tokens)
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return { allowed, tostring(tokens) }
`;

type RedisWithTake = Redis & { orchaTakeToken(key: string, capacity: number, rate: number, now: number): Promise<[number, string]> };

/**
 * Redis-backed buckets. Time comes from the injected clock (replicas are expected to run NTP; a replica behind the
 * others can only make its own requests wait longer). When Redis fails, the limiter falls back to memory buckets
 * and logs it, rather than either letting everything through or refusing every request.
 */
export function createRedisRateLimiter(options: {
  redis: Redis;
  clock: Clock;
  keyPrefix?: string;
  log?: Logger;
  /** Close the Redis connection on close() (true when the limiter created it). */
  ownsConnection?: boolean;
}): RateLimiter {
  const redis = options.redis as RedisWithTake;
  if (typeof redis.orchaTakeToken !== 'function') redis.defineCommand('orchaTakeToken', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  const prefix = options.keyPrefix ?? 'orcha:rl:';
  const fallback = createMemoryRateLimiter({ clock: options.clock });
  let warned = false;

  return {
    kind: 'redis',
    async consume(key, perMinute) {
      const rate = perMinute / MINUTE_MS;
      try {
        const [allowed, tokens] = await redis.orchaTakeToken(prefix + key, perMinute, rate, options.clock.now());
        warned = false;
        return result(allowed === 1, Number(tokens), perMinute, rate);
      } catch (err) {
        if (!warned) options.log?.warn({ err }, 'rate limiter: Redis unavailable, using in-memory buckets');
        warned = true;
        return fallback.consume(key, perMinute);
      }
    },
    async close() {
      await fallback.close();
      if (options.ownsConnection) await redis.quit().catch(() => undefined);
    },
  };
}

/** The limiter the config asks for: `rateLimit.store: redis` with `redis.url`, else memory. */
export async function createRateLimiterFromConfig(
  config: { rateLimit: { store: 'memory' | 'redis' }; redis: { url?: string } },
  deps: { clock: Clock; log?: Logger; keyPrefix?: string; redis?: RedisLink | null },
): Promise<RateLimiter> {
  if (config.rateLimit.store !== 'redis' || !config.redis.url) return createMemoryRateLimiter({ clock: deps.clock });
  // The process's Redis link when there is one (it fails fast and reconnects on its own), else a link of its own.
  const link = deps.redis ?? (await createRedisLink({ url: config.redis.url, log: deps.log }));
  const limiter = createRedisRateLimiter({ redis: link.client, clock: deps.clock, log: deps.log, keyPrefix: deps.keyPrefix });
  if (deps.redis) return limiter;
  return {
    ...limiter,
    async close() {
      await limiter.close();
      await link.close();
    },
  };
}
