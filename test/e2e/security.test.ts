import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from '../../src/auth/rate-limiter.js';
import type { Role } from '../../src/auth/roles.js';
import type { VirtualClock } from '../../src/lib/clock.js';
import { createSecurityHarness, JWT_SECRET, SAMPLE_ROUTES, type SecurityHarness } from './security-app.js';

const PASSWORDS: Record<Role, string> = { viewer: 'viewer-pass-1', operator: 'operator-pass-1', admin: 'admin-pass-12' };

async function loginAs(h: SecurityHarness, username: string, password: string, ip = '127.0.0.1') {
  return h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip });
}

async function tokenFor(h: SecurityHarness, role: Role): Promise<string> {
  const res = await loginAs(h, role, PASSWORDS[role]);
  expect(res.statusCode).toBe(200);
  return res.json().accessToken;
}

async function seedUsers(h: SecurityHarness): Promise<void> {
  for (const role of ['viewer', 'operator', 'admin'] as const) await h.auth.createUser({ username: role, password: PASSWORDS[role], role });
}

const RANK = { public: 0, viewer: 1, operator: 2, admin: 3 } as const;

describe('role table: every route class × every role', () => {
  let h: SecurityHarness;
  const credentials: Record<string, string> = {};

  beforeAll(async () => {
    h = await createSecurityHarness();
    await seedUsers(h);
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      credentials[`${role} (JWT)`] = await tokenFor(h, role);
      credentials[`${role} (API key)`] = (await h.auth.createApiKey({ name: `${role}-key`, role })).key;
    }
  });
  afterAll(() => h.close());

  const routes = [
    ...SAMPLE_ROUTES.map((r) => ({ method: r.method, url: r.url, role: r.role ?? ('admin' as const), payload: undefined })),
    { method: 'GET', url: '/api/v1/auth/me', role: 'viewer' as const, payload: undefined },
    { method: 'GET', url: '/api/v1/users', role: 'admin' as const, payload: undefined },
    { method: 'GET', url: '/api/v1/api-keys', role: 'admin' as const, payload: undefined },
    { method: 'GET', url: '/api/v1/audit', role: 'admin' as const, payload: undefined },
  ];

  it.each(routes)('$method $url needs $role', async (route) => {
    const send = (authorization?: string) =>
      h.app.inject({ method: route.method as 'GET', url: route.url, headers: authorization ? { authorization: `Bearer ${authorization}` } : {} });

    const anonymous = await send();
    if (route.role === 'public') expect(anonymous.statusCode).toBe(200);
    else {
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().error.code).toBe('ORCHA_ERR_UNAUTHORIZED');
      expect(anonymous.json().error.requestId).toBeTruthy();
    }
    for (const [who, credential] of Object.entries(credentials)) {
      const role = who.split(' ')[0] as Role;
      const res = await send(credential);
      const allowed = RANK[role] >= RANK[route.role];
      expect({ who, status: res.statusCode }).toEqual({ who, status: allowed ? 200 : 403 });
      if (!allowed) expect(res.json().error.code).toBe('ORCHA_ERR_FORBIDDEN');
    }
  });

  it('sets security headers and no CORS headers for origins not on the allow-list', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/sample/public', headers: { origin: 'https://evil.example' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers CORS for an allow-listed origin, picked up from the live config', async () => {
    h.config.server.corsOrigins = ['https://dash.example'];
    const res = await h.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/sample/viewer',
      headers: { origin: 'https://dash.example', 'access-control-request-method': 'GET' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://dash.example');
    h.config.server.corsOrigins = [];
  });

  it('lists API keys without their secret', async () => {
    const admin = credentials['admin (JWT)'];
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { authorization: `Bearer ${admin}` } });
    const body = res.body;
    for (const [who, key] of Object.entries(credentials)) if (who.includes('API key')) expect(body).not.toContain(key.slice(16));
    expect(res.json().apiKeys[0]).toMatchObject({ prefix: expect.stringMatching(/^orcha_[0-9a-f]{8}$/) });
    expect(res.json().apiKeys[0].hash).toBeUndefined();
  });
});

describe('tokens', () => {
  let h: SecurityHarness;
  beforeAll(async () => {
    h = await createSecurityHarness();
    await seedUsers(h);
  });
  afterAll(() => h.close());

  const me = (token: string) => h.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${token}` } });

  async function forge(options: { secret?: string; alg?: string; expSecondsFromNow?: number; role?: string }) {
    const user = await h.store.users.findByUsername('viewer');
    const now = Math.floor(h.clock.now() / 1000);
    const claims = { username: 'viewer', role: options.role ?? 'viewer' };
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'HS256' })
      .setSubject(user!.id)
      .setIssuer('orcha')
      .setAudience('orcha-api')
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expSecondsFromNow ?? 60));
    return jwt.sign(new TextEncoder().encode(options.secret ?? JWT_SECRET));
  }

  it('accepts a well-signed token and refuses a bad signature, an expired one and alg none', async () => {
    expect((await me(await forge({}))).statusCode).toBe(200);
    expect((await me(await forge({ secret: 'somebody-else-s-secret-0123456789abcdef' }))).statusCode).toBe(401);
    expect((await me(await forge({ expSecondsFromNow: -1 }))).statusCode).toBe(401);
    expect((await me(await forge({ alg: 'HS512', secret: JWT_SECRET.repeat(2) }))).statusCode).toBe(401);
    const user = await h.store.users.findByUsername('viewer');
    const none = new UnsecuredJWT({ username: 'viewer', role: 'admin' })
      .setSubject(user!.id)
      .setIssuer('orcha')
      .setAudience('orcha-api')
      .setExpirationTime(Math.floor(h.clock.now() / 1000) + 60)
      .encode();
    const res = await me(none);
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('ORCHA_ERR_UNAUTHORIZED');
  });

  it('expires access tokens after auth.accessTokenTtl', async () => {
    const token = await tokenFor(h, 'viewer');
    expect((await me(token)).statusCode).toBe(200);
    await h.clock.advance((h.config.auth.accessTokenTtl + 1) * 1000);
    expect((await me(token)).statusCode).toBe(401);
  });

  it('takes the role from the database, not from the token', async () => {
    // A token claiming admin for a viewer, signed with the real secret (e.g. minted before a demotion).
    const res = await me(await forge({ role: 'admin' }));
    expect(res.json().role).toBe('viewer');
  });

  it('refuses a revoked API key', async () => {
    const admin = await tokenFor(h, 'admin');
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { authorization: `Bearer ${admin}` },
      payload: { name: 'ci', role: 'operator' },
    });
    expect(created.statusCode).toBe(201);
    const { key, id } = created.json();
    expect((await me(key)).json()).toMatchObject({ kind: 'apikey', name: 'ci', role: 'operator' });
    const revoked = await h.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: { authorization: `Bearer ${admin}` } });
    expect(revoked.statusCode).toBe(204);
    expect((await me(key)).statusCode).toBe(401);
    // a key with a known prefix but a wrong secret is refused too
    expect((await me(`${key.slice(0, 15)}_${'x'.repeat(43)}`)).statusCode).toBe(401);
  });

  it('a refresh token works once; presenting it again revokes the whole session family', async () => {
    const first = (await loginAs(h, 'operator', PASSWORDS.operator)).json();
    const refresh = (token: string) => h.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: token } });
    const second = await refresh(first.refreshToken);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: h.config.auth.accessTokenTtl });
    expect((await me(second.json().accessToken)).statusCode).toBe(200);
    expect((await refresh(first.refreshToken)).statusCode).toBe(401);
    // the reuse revoked the token issued by the legitimate refresh as well
    expect((await refresh(second.json().refreshToken)).statusCode).toBe(401);
  });

  it('logout revokes the refresh token', async () => {
    const pair = (await loginAs(h, 'viewer', PASSWORDS.viewer)).json();
    const out = await h.app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refreshToken: pair.refreshToken } });
    expect(out.statusCode).toBe(204);
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: pair.refreshToken } });
    expect(res.statusCode).toBe(401);
  });
});

const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
afterAll(async () => {
  const keys = await redis.keys(`${REDIS_PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});
const REDIS_PREFIX = `orcha-e2e:${randomUUID()}:`;
const LIMITERS: [string, (clock: VirtualClock) => RateLimiter][] = [
  ['memory', (clock) => createMemoryRateLimiter({ clock })],
  ['redis', (clock) => createRedisRateLimiter({ redis, clock, keyPrefix: `${REDIS_PREFIX}${randomUUID()}:` })],
];

describe.each(LIMITERS)('rate limits (%s store)', (_store, makeLimiter) => {
  let h: SecurityHarness;
  beforeAll(async () => {
    h = await createSecurityHarness(() => {}, makeLimiter);
    await seedUsers(h);
  });
  afterAll(() => h.close());

  it('twenty wrong passwords from one IP end in 429 with Retry-After; the right password from another IP still works', async () => {
    const statuses: number[] = [];
    let lastRefusal: Awaited<ReturnType<typeof loginAs>> | undefined;
    for (let i = 0; i < 20; i++) {
      const res = await loginAs(h, 'admin', `wrong-${i}`, '203.0.113.7');
      statuses.push(res.statusCode);
      if (res.statusCode === 429) lastRefusal = res;
    }
    const limit = h.config.rateLimit.login;
    expect(statuses.slice(0, limit).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(limit).every((s) => s === 429)).toBe(true);
    expect(lastRefusal!.json().error.code).toBe('ORCHA_ERR_RATE_LIMITED');
    expect(Number(lastRefusal!.headers['retry-after'])).toBeGreaterThan(0);
    expect(lastRefusal!.headers['x-ratelimit-limit']).toBe(String(limit));
    expect(lastRefusal!.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(lastRefusal!.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
    // even the right password waits on that IP...
    expect((await loginAs(h, 'admin', PASSWORDS.admin, '203.0.113.7')).statusCode).toBe(429);
    // ...but the account is not locked for everyone else
    expect((await loginAs(h, 'admin', PASSWORDS.admin, '198.51.100.2')).statusCode).toBe(200);
    // and the IP may try again once the bucket refills
    await h.clock.advance(Number(lastRefusal!.headers['retry-after']) * 1000);
    expect((await loginAs(h, 'admin', PASSWORDS.admin, '203.0.113.7')).statusCode).toBe(200);
  });

  it('limits each user and each API key, with X-RateLimit headers on every answer', async () => {
    h.config.rateLimit.perUser = 3;
    const token = await tokenFor(h, 'viewer');
    const key = (await h.auth.createApiKey({ name: 'k', role: 'viewer' })).key;
    const get = (credential: string, ip: string) =>
      h.app.inject({ method: 'GET', url: '/api/v1/sample/viewer', headers: { authorization: `Bearer ${credential}` }, remoteAddress: ip });
    const byUser = [await get(token, '10.0.0.1'), await get(token, '10.0.0.2'), await get(token, '10.0.0.3'), await get(token, '10.0.0.4')];
    expect(byUser.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
    expect(byUser[0].headers['x-ratelimit-limit']).toBe('3');
    expect(byUser.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
    expect(byUser[3].headers['retry-after']).toBe('20');
    // the API key has its own bucket
    expect((await get(key, '10.0.0.1')).statusCode).toBe(200);
    h.config.rateLimit.perUser = 1200;
  });

  it('limits each IP, even without credentials', async () => {
    h.config.rateLimit.perIp = 2;
    const get = () => h.app.inject({ method: 'GET', url: '/api/v1/sample/public', remoteAddress: '192.0.2.50' });
    expect([(await get()).statusCode, (await get()).statusCode, (await get()).statusCode]).toEqual([200, 200, 429]);
    h.config.rateLimit.perIp = 600;
  });
});

describe('audit log', () => {
  let h: SecurityHarness;
  beforeAll(async () => {
    h = await createSecurityHarness();
    await seedUsers(h);
  });
  afterAll(() => h.close());

  it('every mutating call leaves exactly one row with who, role, action, target, source IP, result and request id', async () => {
    const admin = await tokenFor(h, 'admin');
    const viewer = await tokenFor(h, 'viewer');
    const asAdmin = { authorization: `Bearer ${admin}` };
    const calls: { name: string; method: 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; headers?: Record<string, string>; payload?: object; expect: Partial<Record<string, unknown>> }[] = [
      { name: 'login ok', method: 'POST', url: '/api/v1/auth/login', payload: { username: 'operator', password: PASSWORDS.operator }, expect: { actor: 'operator', action: 'auth.login', result: 'success', target: 'user:operator' } },
      { name: 'login bad', method: 'POST', url: '/api/v1/auth/login', payload: { username: 'operator', password: 'nope-nope' }, expect: { actor: 'operator', role: 'none', action: 'auth.login', result: 'failure' } },
      { name: 'create user', method: 'POST', url: '/api/v1/users', headers: asAdmin, payload: { username: 'dora', password: 'dora-pass-1', role: 'viewer' }, expect: { actor: 'admin', role: 'admin', action: 'POST /api/v1/users', target: 'user:dora', result: 'success' } },
      { name: 'create key', method: 'POST', url: '/api/v1/api-keys', headers: asAdmin, payload: { name: 'grafana', role: 'viewer' }, expect: { actor: 'admin', action: 'POST /api/v1/api-keys', result: 'success' } },
      { name: 'forbidden', method: 'PUT', url: '/api/v1/sample/admin', headers: { authorization: `Bearer ${viewer}` }, expect: { actor: 'viewer', role: 'viewer', action: 'PUT /api/v1/sample/admin', result: 'failure' } },
      { name: 'anonymous', method: 'POST', url: '/api/v1/sample/operator', expect: { actor: 'anonymous', role: 'none', action: 'POST /api/v1/sample/operator', result: 'failure' } },
      { name: 'invalid body', method: 'POST', url: '/api/v1/users', headers: asAdmin, payload: { username: 'x' }, expect: { actor: 'admin', result: 'failure' } },
      { name: 'unknown route', method: 'DELETE', url: '/api/v1/nothing-here', headers: asAdmin, expect: { result: 'failure' } },
    ];
    for (const call of calls) {
      const requestId = randomUUID();
      const res = await h.app.inject({
        method: call.method,
        url: call.url,
        headers: { ...call.headers, 'x-request-id': requestId },
        payload: call.payload,
        remoteAddress: '192.0.2.10',
      });
      const rows = (await h.store.audit.list({ limit: 1000 })).filter((r) => r.requestId === requestId);
      expect({ call: call.name, rows: rows.length }).toEqual({ call: call.name, rows: 1 });
      const row = rows[0];
      expect(row).toMatchObject({ sourceIp: '192.0.2.10', requestId, ...call.expect });
      expect(row.result).toBe(res.statusCode < 400 ? 'success' : 'failure');
      for (const field of ['time', 'actor', 'role', 'action', 'target', 'sourceIp', 'result', 'requestId'] as const) {
        expect({ call: call.name, field, present: row[field] !== null && row[field] !== undefined }).toEqual({ call: call.name, field, present: true });
      }
      expect(row.details).toMatchObject({ status: res.statusCode });
      expect(JSON.stringify(row)).not.toContain('pass-1');
    }
  });

  it('reads leave no row, and admins read the log at GET audit', async () => {
    const admin = await tokenFor(h, 'admin');
    const before = (await h.store.audit.list({ limit: 1000 })).length;
    await h.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${admin}` } });
    expect((await h.store.audit.list({ limit: 1000 })).length).toBe(before);
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/audit?action=auth.login&limit=5', headers: { authorization: `Bearer ${admin}` } });
    expect(res.statusCode).toBe(200);
    const entries = res.json().entries;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e: { action: string }) => e.action === 'auth.login')).toBe(true);
    expect(entries[0].time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('users', () => {
  let h: SecurityHarness;
  beforeAll(async () => {
    h = await createSecurityHarness();
  });
  afterAll(() => h.close());

  it('creates the first admin once, from ORCHA_ADMIN_PASSWORD or a generated password', async () => {
    const first = await h.auth.ensureAdmin({});
    expect(first.created).toBe(true);
    expect(first.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect((await loginAs(h, 'admin', first.generatedPassword!)).statusCode).toBe(200);
    expect(await h.auth.ensureAdmin({ adminPassword: 'another-one' })).toEqual({ created: false, username: 'admin' });
  });

  it('never leaves the daemon without an enabled admin, and a disabled user cannot log in', async () => {
    const [only] = await h.auth.listUsers();
    await expect(h.auth.updateUser(only.id, { role: 'viewer' })).rejects.toMatchObject({ code: 'ORCHA_ERR_CONFLICT' });
    await expect(h.auth.deleteUser(only.id)).rejects.toMatchObject({ code: 'ORCHA_ERR_CONFLICT' });
    const eve = await h.auth.createUser({ username: 'eve', password: 'eve-pass-1', role: 'operator' });
    await h.auth.updateUser(eve.id, { disabled: true });
    expect((await loginAs(h, 'eve', 'eve-pass-1')).statusCode).toBe(401);
    await expect(h.auth.createUser({ username: 'eve', password: 'eve-pass-2', role: 'viewer' })).rejects.toMatchObject({ code: 'ORCHA_ERR_CONFLICT' });
  });

  it('a user changes their own password with the current one, which ends their other sessions', async () => {
    await h.auth.createUser({ username: 'finn', password: 'finn-pass-1', role: 'viewer' });
    const pair = (await loginAs(h, 'finn', 'finn-pass-1')).json();
    const change = (currentPassword: string) =>
      h.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: { authorization: `Bearer ${pair.accessToken}` },
        payload: { currentPassword, newPassword: 'finn-pass-2' },
      });
    const wrong = await change('not-it');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.message).toMatch(/current password/);
    expect((await change('finn-pass-1')).statusCode).toBe(204);
    expect((await loginAs(h, 'finn', 'finn-pass-1')).statusCode).toBe(401);
    expect((await loginAs(h, 'finn', 'finn-pass-2')).statusCode).toBe(200);
    const refreshed = await h.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: pair.refreshToken } });
    expect(refreshed.statusCode).toBe(401);
  });
});
