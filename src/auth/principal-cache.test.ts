import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../lib/clock.js';
import { createStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { type AuthService, createAuthService } from './auth-service.js';
import { createPrincipalCache } from './principal-cache.js';
import type { Principal } from './roles.js';

const ann: Principal = { kind: 'user', id: 'u1', name: 'ann', role: 'operator' };

function counting(answer: { principal: Principal; expiresAt?: number } | null) {
  const calls = { n: 0 };
  const lookup = async () => {
    calls.n++;
    return answer;
  };
  return { calls, lookup };
}

describe('principal cache', () => {
  it('reuses an answer within the window and looks again after it', async () => {
    const clock = new VirtualClock(1_000_000);
    const cache = createPrincipalCache({ clock, windowMs: 1000 });
    const { calls, lookup } = counting({ principal: ann });
    expect(await cache.resolve('t', lookup)).toEqual(ann);
    await clock.advance(999);
    expect(await cache.resolve('t', lookup)).toEqual(ann);
    expect(calls.n).toBe(1);
    await clock.advance(1);
    expect(await cache.resolve('t', lookup)).toEqual(ann);
    expect(calls.n).toBe(2);
  });

  it('never keeps an answer past the credential expiry', async () => {
    const clock = new VirtualClock(1_000_000);
    const cache = createPrincipalCache({ clock, windowMs: 1000 });
    const { calls, lookup } = counting({ principal: ann, expiresAt: 1_000_300 });
    await cache.resolve('t', lookup);
    await clock.advance(300);
    await cache.resolve('t', lookup);
    expect(calls.n).toBe(2);
  });

  it('does not remember refusals or failures', async () => {
    const clock = new VirtualClock(1_000_000);
    const cache = createPrincipalCache({ clock, windowMs: 1000 });
    const { calls, lookup } = counting(null);
    expect(await cache.resolve('bad', lookup)).toBeNull();
    expect(await cache.resolve('bad', lookup)).toBeNull();
    expect(calls.n).toBe(2);
    await expect(cache.resolve('t', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(cache.size).toBe(0);
  });

  it('shares one lookup between concurrent requests and forgets everything on clear', async () => {
    const clock = new VirtualClock(1_000_000);
    const cache = createPrincipalCache({ clock, windowMs: 1000 });
    const { calls, lookup } = counting({ principal: ann });
    await Promise.all([cache.resolve('t', lookup), cache.resolve('t', lookup), cache.resolve('t', lookup)]);
    expect(calls.n).toBe(1);
    cache.clear();
    await cache.resolve('t', lookup);
    expect(calls.n).toBe(2);
  });

  it('stays within its size bound', async () => {
    const clock = new VirtualClock(1_000_000);
    const cache = createPrincipalCache({ clock, windowMs: 1000, maxEntries: 3 });
    for (let i = 0; i < 10; i++) await cache.resolve(`t${i}`, async () => ({ principal: ann }));
    expect(cache.size).toBeLessThanOrEqual(3);
  });

  it('with a zero window looks up every time', async () => {
    const cache = createPrincipalCache({ clock: new VirtualClock(), windowMs: 0 });
    const { calls, lookup } = counting({ principal: ann });
    await cache.resolve('t', lookup);
    await cache.resolve('t', lookup);
    expect(calls.n).toBe(2);
  });
});

describe('auth service with the principal cache (real SQLite)', () => {
  let dir: string;
  let store: Store;
  let clock: VirtualClock;
  let auth: AuthService;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orcha-principal-'));
    store = await createStore({ sqlitePath: join(dir, 'orcha.db') });
    // On a whole second: a JWT's expiry is in whole seconds.
    clock = new VirtualClock(Math.floor(Date.now() / 1000) * 1000);
    auth = createAuthService({
      users: store.users,
      clock,
      jwtSecret: 'principal-cache-test-secret-0123456789abcdef',
      settings: { accessTokenTtl: 900, refreshTokenTtl: 86_400 },
    });
    await auth.createUser({ username: 'root', password: 'root-pass-123', role: 'admin' });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies a demotion, a disabled account and a deletion made through the service to the next request', async () => {
    const bob = await auth.createUser({ username: 'bob', password: 'bob-pass-123', role: 'admin' });
    const { accessToken } = await auth.login('bob', 'bob-pass-123');
    expect((await auth.verifyToken(accessToken))?.role).toBe('admin');
    await auth.updateUser(bob.id, { role: 'viewer' });
    expect((await auth.verifyToken(accessToken))?.role).toBe('viewer');
    await auth.updateUser(bob.id, { disabled: true });
    expect(await auth.verifyToken(accessToken)).toBeNull();
    await auth.updateUser(bob.id, { disabled: false });
    expect((await auth.verifyToken(accessToken))?.role).toBe('viewer');
    await auth.deleteUser(bob.id);
    expect(await auth.verifyToken(accessToken)).toBeNull();
  });

  it('refuses a revoked API key on the next request', async () => {
    const created = await auth.createApiKey({ name: 'ci', role: 'operator' });
    expect((await auth.verifyToken(`Bearer ${created.key}`))?.role).toBe('operator');
    await auth.revokeApiKey(created.id);
    expect(await auth.verifyToken(`Bearer ${created.key}`)).toBeNull();
  });

  it('sees a change made by another process (straight in the database) once the window has passed', async () => {
    const carl = await auth.createUser({ username: 'carl', password: 'carl-pass-123', role: 'operator' });
    const { accessToken } = await auth.login('carl', 'carl-pass-123');
    expect((await auth.verifyToken(accessToken))?.role).toBe('operator');
    await store.users.update(carl.id, { disabled: true });
    await clock.advance(1000);
    expect(await auth.verifyToken(accessToken)).toBeNull();
  });

  it('refuses an access token once it expires, even one verified a moment before', async () => {
    const { accessToken } = await auth.login('root', 'root-pass-123');
    await clock.advance(899_500);
    expect(await auth.verifyToken(accessToken)).not.toBeNull();
    await clock.advance(600);
    expect(await auth.verifyToken(accessToken)).toBeNull();
  });
});
