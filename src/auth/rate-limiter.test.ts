import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../lib/clock.js';
import { createMemoryRateLimiter, createRateLimiterFromConfig, createRedisRateLimiter, type RateLimiter } from './rate-limiter.js';

const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
const prefix = `orcha-test:${randomBytes(6).toString('hex')}:`;

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const stores: [string, (clock: VirtualClock) => RateLimiter][] = [
  ['memory', (clock) => createMemoryRateLimiter({ clock })],
  ['redis', (clock) => createRedisRateLimiter({ redis, clock, keyPrefix: `${prefix}${randomBytes(4).toString('hex')}:` })],
];

describe.each(stores)('%s token bucket', (_name, make) => {
  it('lets a burst up to the limit through, then refuses with the time until the next token', async () => {
    const clock = new VirtualClock();
    const limiter = make(clock);
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await limiter.consume('ip:1.2.3.4', 5));
    expect(results.slice(0, 5).every((r) => r.allowed)).toBe(true);
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0]);
    const refused = results[5];
    expect(refused.allowed).toBe(false);
    expect(refused.limit).toBe(5);
    expect(refused.retryAfterMs).toBe(12_000); // 5 per minute: one token every 12 s
    expect(refused.resetMs).toBe(60_000);
  });

  it('refills at the sustained rate and never above the limit', async () => {
    const clock = new VirtualClock();
    const limiter = make(clock);
    for (let i = 0; i < 5; i++) await limiter.consume('user:a', 5);
    await clock.advance(11_999);
    expect((await limiter.consume('user:a', 5)).allowed).toBe(false);
    await clock.advance(12_001);
    expect((await limiter.consume('user:a', 5)).allowed).toBe(true);
    await clock.advance(3_600_000);
    expect((await limiter.consume('user:a', 5)).remaining).toBe(4);
  });

  it('keeps one bucket per key', async () => {
    const clock = new VirtualClock();
    const limiter = make(clock);
    await limiter.consume('ip:a', 1);
    expect((await limiter.consume('ip:a', 1)).allowed).toBe(false);
    expect((await limiter.consume('ip:b', 1)).allowed).toBe(true);
  });
});

describe('redis token bucket', () => {
  it('shares limits between replicas (two limiters, one Redis)', async () => {
    const clock = new VirtualClock();
    const keyPrefix = `${prefix}shared:`;
    const replicaA = createRedisRateLimiter({ redis, clock, keyPrefix });
    const replicaB = createRedisRateLimiter({ redis: new Redis('redis://127.0.0.1:6379'), clock, keyPrefix, ownsConnection: true });
    const taken = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? replicaA : replicaB).consume('login:ip', 6)));
    expect(taken.filter((r) => r.allowed)).toHaveLength(6);
    await replicaB.close();
  });

  it('falls back to memory buckets when Redis is unreachable', async () => {
    const clock = new VirtualClock();
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    dead.on('error', () => undefined);
    const limiter = createRedisRateLimiter({ redis: dead, clock, keyPrefix: prefix });
    expect((await limiter.consume('k', 1)).allowed).toBe(true);
    expect((await limiter.consume('k', 1)).allowed).toBe(false);
    dead.disconnect();
  });
});

describe('createRateLimiterFromConfig', () => {
  it('builds the store the config names', async () => {
    const clock = new VirtualClock();
    const memory = await createRateLimiterFromConfig({ rateLimit: { store: 'memory' }, redis: {} }, { clock });
    expect(memory.kind).toBe('memory');
    const viaRedis = await createRateLimiterFromConfig(
      { rateLimit: { store: 'redis' }, redis: { url: 'redis://127.0.0.1:6379' } },
      { clock, keyPrefix: `${prefix}from-config:` },
    );
    expect(viaRedis.kind).toBe('redis');
    expect((await viaRedis.consume('k', 1)).allowed).toBe(true);
    expect((await viaRedis.consume('k', 1)).allowed).toBe(false);
    expect(await redis.exists(`${prefix}from-config:k`)).toBe(1);
    await viaRedis.close();
  });
});
