import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../lib/clock.js';
import { type Cache, createMemoryCache, createRedisCache } from './cache.js';

const clock = new VirtualClock();
const redisCache = createRedisCache({ redis: { url: 'redis://127.0.0.1:6379' }, ttlMs: 200, prefix: `orcha-test:${randomUUID()}:` });
afterAll(async () => {
  await redisCache.clear();
  await redisCache.close();
});

const stores: [string, Cache, (ms: number) => Promise<void>][] = [
  ['memory', createMemoryCache({ ttlMs: 200, maxEntries: 3, clock }), (ms) => clock.advance(ms)],
  ['redis', redisCache, (ms) => new Promise((r) => setTimeout(r, ms))],
];

describe.each(stores)('%s cache', (_name, cache, elapse) => {
  it('returns what was set until the TTL passes, counting hits and misses', async () => {
    await cache.clear();
    const before = await cache.stats();
    await cache.set('dashboard', { total: 1.5 });
    expect(await cache.get('dashboard')).toEqual({ total: 1.5 });
    expect(await cache.get('absent')).toBeUndefined();
    const after = await cache.stats();
    expect(after.hits - before.hits).toBe(1);
    expect(after.misses - before.misses).toBe(1);
    expect(after.size).toBe(1);
    await elapse(350);
    expect(await cache.get('dashboard')).toBeUndefined();
  });

  it('computes a missing value once for concurrent callers', async () => {
    await cache.clear();
    let calls = 0;
    const compute = async () => {
      calls++;
      return { n: 42 };
    };
    const results = await Promise.all([cache.wrap('k', compute), cache.wrap('k', compute), cache.wrap('k', compute)]);
    expect(results).toEqual([{ n: 42 }, { n: 42 }, { n: 42 }]);
    expect(calls).toBe(1);
    expect(await cache.wrap('k', compute)).toEqual({ n: 42 });
    expect(calls).toBe(1);
  });

  it('clear() empties it and says how many entries went', async () => {
    await cache.clear();
    await cache.set('a', 1);
    await cache.set('b', 2);
    expect(await cache.clear()).toBe(2);
    expect((await cache.stats()).size).toBe(0);
    expect(await cache.get('a')).toBeUndefined();
  });
});

describe('memory cache bound', () => {
  it('evicts the least recently used entry past maxEntries', async () => {
    const cache = createMemoryCache({ ttlMs: 10_000, maxEntries: 2, clock });
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.get('a');
    await cache.set('c', 3);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('c')).toBe(3);
  });
});
