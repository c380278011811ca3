/**
 * Two installations on one Redis: each keeps its own cache and rate limits (keys carry a digest of the database
 * they belong to), so one never serves, counts or clears the other's entries. Both run through the composition root,
 * each on its own SQLite database, on a redis-server of the test's own.
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

const PASSWORD = 'redis-namespace-password';
let redis: OwnRedis;
const dirs: string[] = [];
const installs: { orcha: RunningOrcha; auth: Record<string, string> }[] = [];

async function install(): Promise<{ orcha: RunningOrcha; auth: Record<string, string> }> {
  const dir = mkdtempSync(join(tmpdir(), 'orcha-redis-ns-'));
  dirs.push(dir);
  const config = loadConfigText([`redis: { url: "${redis.url}" }`, 'cache: { store: redis, ttl: 60 }', 'rateLimit: { store: redis, login: 3 }', ''].join('\n'), {
    ORCHA_DATA_DIR: dir,
    ORCHA_PORT: '0',
  });
  const orcha = await startOrcha({ loaded: { config, path: null, baseDir: dir }, log: silentLogger(), env: { ORCHA_ADMIN_PASSWORD: PASSWORD }, loops: false, listen: false });
  await orcha.coordinator.pollOnce({ force: true });
  const login = await orcha.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password: PASSWORD } });
  expect(login.statusCode).toBe(200);
  return { orcha, auth: { authorization: `Bearer ${login.json().accessToken}` } };
}

async function stats(i: number): Promise<{ size: number; available: boolean }> {
  const { orcha, auth } = installs[i]!;
  return (await orcha.app.inject({ method: 'GET', url: '/api/v1/cache/stats', headers: auth })).json();
}

beforeAll(async () => {
  redis = await ownRedis();
  await redis.start();
  installs.push(await install(), await install());
});

afterAll(async () => {
  for (const { orcha } of installs) await orcha.close();
  await redis?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('two installations sharing one Redis', () => {
  it('cache their answers under separate keys, and clearing one leaves the other', async () => {
    const [a, b] = installs as [(typeof installs)[0], (typeof installs)[0]];
    expect((await a.orcha.app.inject({ method: 'GET', url: '/api/v1/dashboard', headers: a.auth })).statusCode).toBe(200);
    expect((await stats(0)).size).toBeGreaterThan(0);
    // b has cached nothing yet: a's entries are not b's
    expect(await stats(1)).toMatchObject({ available: true, size: 0 });
    expect((await b.orcha.app.inject({ method: 'GET', url: '/api/v1/dashboard', headers: b.auth })).statusCode).toBe(200);
    const bSize = (await stats(1)).size;
    expect(bSize).toBeGreaterThan(0);

    const direct = new Redis(redis.port, '127.0.0.1');
    const prefixes = new Set((await direct.keys('orcha:cache:*')).map((k) => k.split(':').slice(0, 3).join(':')));
    direct.disconnect();
    expect(prefixes.size).toBe(2);

    expect((await a.orcha.app.inject({ method: 'POST', url: '/api/v1/cache/clear', headers: a.auth })).statusCode).toBe(200);
    expect((await stats(0)).size).toBe(0);
    expect((await stats(1)).size).toBe(bSize);
  });

  it("count login attempts per installation: one's lock-out does not refuse the other", async () => {
    const wrong = (i: number) =>
      installs[i]!.orcha.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '198.51.100.9', payload: { username: 'admin', password: 'wrong-password' } });
    const a = [];
    for (let n = 0; n < 4; n++) a.push((await wrong(0)).statusCode);
    expect(a).toEqual([401, 401, 401, 429]);
    expect((await wrong(1)).statusCode).toBe(401);
  });
});
