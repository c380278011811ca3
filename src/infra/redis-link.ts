import { createRequire } from 'node:module';
import type { Redis as RedisClient } from 'ioredis';
import { OrchaError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

/**
 * The one Redis connection of a process (cache, rate limits, health check), set up so that an outage degrades
 * instead of failing: while Redis is away every command fails at once (no offline queue, no retries per command,
 * a short command timeout when a server stops answering without closing), callers fall back to their in-process
 * path, and the client reconnects on its own, backing off to one attempt every 2 s.
 */
export interface RedisLink {
  readonly client: RedisClient;
  /** True while the connection is ready. */
  readonly up: boolean;
  /** Round trip to Redis; rejects at once while it is down (the health check). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A command that gets no answer in this long counts as a failure (Redis answers a local command in well under 1 ms). */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

export interface RedisLinkOptions {
  url: string;
  log?: Logger;
  /** Wait up to this long for the first connection (0: do not wait). */
  connectWaitMs?: number;
}

export async function createRedisLink(options: RedisLinkOptions): Promise<RedisLink> {
  const log = options.log?.child({ module: 'redis' });
  // ioredis loads only when Redis is configured.
  const { Redis } = createRequire(import.meta.url)('ioredis') as { Redis: typeof RedisClient };
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  let up = false;
  let closed = false;
  client.on('ready', () => {
    if (!up) log?.info('redis connected');
    up = true;
  });
  const down = (err?: Error) => {
    if (up && !closed) log?.warn({ err: err?.message }, 'redis unavailable: reads go uncached and rate limits use in-process buckets until it is back');
    up = false;
  };
  client.on('error', (err) => down(err));
  client.on('close', () => down());

  const wait = options.connectWaitMs ?? 2000;
  if (wait > 0) {
    // Give the connection a moment so that the first requests use Redis; never block start-up long.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, wait);
      timer.unref();
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  return {
    client,
    get up() {
      return up;
    },
    async ping() {
      try {
        await client.ping();
      } catch (err) {
        throw new OrchaError('ORCHA_ERR_DEPENDENCY_DOWN', `Redis is unavailable: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    async close() {
      closed = true;
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/**
 * Whether the config uses Redis at all: cache or rate limits in Redis, or replicas on one PostgreSQL database
 * (`storage.url`) whose events travel between them over Redis.
 */
export function wantsRedis(config: {
  cache: { store: string };
  rateLimit: { store: string };
  redis: { url?: string };
  storage?: { url?: string };
}): boolean {
  return Boolean(config.redis.url) && (config.cache.store === 'redis' || config.rateLimit.store === 'redis' || Boolean(config.storage?.url));
}
