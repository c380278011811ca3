/**
 * A Redis outage degrades, never fails. The test starts its own redis-server on a free port (never the shared one),
 * runs orcha through its composition root with the cache and the rate limits on that Redis, stops Redis, and
 * restarts it: reads answer uncached, rate limits fall back to in-process buckets, health says Redis is down and the
 * whole degraded, and everything returns to Redis on its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/config/load.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type RunningOrcha, startOrcha } from '../../src/main.js';
import { type OwnRedis, ownRedis } from '../helpers/redis-server.js';

const PASSWORD = 'redis-outage-password';
let dir: string;
let redis: OwnRedis;
let orcha: RunningOrcha;
let auth: Record<string, string>;

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field
type J = any;

async function get(url: string, headers: Record<string, string> = auth) {
  const res = await orcha.app.inject({ method: 'GET', url, headers });
  return { status: res.statusCode, json: res.json() as J, headers: res.headers };
}

async function redisCheck(): Promise<{ overall: string; redis: string }> {
  const health = await get('/api/v1/health', {});
  expect(health.status).toBe(200);
  const check = health.json.checks.find((c: { kind: string }) => c.kind === 'redis');
  return { overall: health.json.status, redis: check?.status };
}

async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  redis = await ownRedis();
  await redis.start();
  dir = mkdtempSync(join(tmpdir(), 'orcha-redis-outage-'));
  const config = loadConfigText(
    [
      `redis: { url: "${redis.url}" }`,
      'cache: { store: redis, ttl: 60 }',
      'rateLimit: { store: redis, login: 5 }',
      '',
    ].join('\n'),
    { ORCHA_DATA_DIR: dir, ORCHA_PORT: '0' },
  );
  orcha = await startOrcha({
    loaded: { config, path: null, baseDir: dir },
    log: silentLogger(),
    env: { ORCHA_ADMIN_PASSWORD: PASSWORD },
    loops: false,
    listen: false,
  });
  await orcha.coordinator.pollOnce({ force: true });
  const login = await orcha.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: PASSWORD } });
  auth = { authorization: `Bearer ${login.json().accessToken}` };
});

afterAll(async () => {
  await orcha?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function wrongLogins(ip: string, n: number) {
  return Promise.all(
    Array.from({ length: n }, () =>
      orcha.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload: { username: 'admin', password: 'wrong-password' } }),
    ),
  );
}

describe('a Redis outage', () => {
  it('with Redis up: health reports it, reads are cached in it', async () => {
    expect(await redisCheck()).toEqual({ overall: 'ok', redis: 'up' });
    expect((await get('/api/v1/dashboard')).status).toBe(200);
    expect((await get('/api/v1/dashboard')).status).toBe(200);
    const stats = await get('/api/v1/cache/stats');
    expect(stats.json).toMatchObject({ store: 'redis', available: true });
    expect(stats.json.size).toBeGreaterThan(0);
    expect(stats.json.hits).toBeGreaterThan(0);
  });

  it('while Redis is down: reads answer uncached, limits use in-process buckets, health says degraded', async () => {
    await redis.stop();
    await until(async () => (await redisCheck()).redis === 'down', 'health to see Redis down');
    expect(await redisCheck()).toEqual({ overall: 'degraded', redis: 'down' });
    for (const url of ['/api/v1/dashboard', '/api/v1/allocation', '/api/v1/metrics', '/api/v1/metrics/history', '/api/v1/cache/stats']) {
      const res = await get(url);
      expect(res.status, url).toBe(200);
      expect(res.headers['x-ratelimit-limit'], url).toBeDefined();
    }
    expect((await get('/api/v1/cache/stats')).json).toMatchObject({ store: 'redis', available: false });
    const cleared = await orcha.app.inject({ method: 'POST', url: '/api/v1/cache/clear', headers: auth });
    expect(cleared.statusCode).toBe(503);
    expect(cleared.json().error.code).toBe('ORCHA_ERR_DEPENDENCY_DOWN');
    // the login limit (5 a minute per address) still holds, from in-process buckets
    const statuses = (await wrongLogins('198.51.100.7', 7)).map((r) => r.statusCode);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const refused = (await wrongLogins('198.51.100.7', 1))[0];
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('when Redis is back: health recovers and reads are cached in Redis again, with no restart', async () => {
    await redis.start();
    await until(async () => (await redisCheck()).redis === 'up', 'health to see Redis up again');
    expect(await redisCheck()).toEqual({ overall: 'ok', redis: 'up' });
    await until(async () => {
      await get('/api/v1/dashboard');
      const stats = (await get('/api/v1/cache/stats')).json;
      return stats.available === true && stats.size > 0;
    }, 'the cache to use Redis again');
    const direct = new Redis(redis.port, '127.0.0.1');
    expect((await direct.keys('*')).length).toBeGreaterThan(0);
    direct.disconnect();
  });
});
