import { UnsecuredJWT, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../lib/clock.js';
import { apiKeyPrefix, generateApiKey, hashApiKey } from './api-keys.js';
import { createAccessTokenIssuer } from './tokens.js';

const secret = 'a-test-secret-that-is-long-enough-for-hs256';

describe('access tokens', () => {
  it('verifies its own tokens and refuses them once expired', async () => {
    const clock = new VirtualClock();
    const issuer = createAccessTokenIssuer({ secret, clock, ttlSeconds: () => 60 });
    const { token, expiresIn } = await issuer.sign({ sub: 'u1', username: 'ann', role: 'operator' });
    expect(expiresIn).toBe(60);
    expect(await issuer.verify(token)).toEqual({ sub: 'u1', username: 'ann', role: 'operator' });
    await clock.advance(61_000);
    expect(await issuer.verify(token)).toBeNull();
  });

  it('refuses alg none, another secret, and another algorithm', async () => {
    const clock = new VirtualClock();
    const issuer = createAccessTokenIssuer({ secret, clock, ttlSeconds: () => 60 });
    const now = Math.floor(clock.now() / 1000);
    const claims = { username: 'ann', role: 'admin' };
    const none = new UnsecuredJWT(claims).setSubject('u1').setIssuer('orcha').setAudience('orcha-api').setExpirationTime(now + 60).encode();
    expect(await issuer.verify(none)).toBeNull();
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setIssuer('orcha')
      .setAudience('orcha-api')
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode('another-secret-another-secret-another'));
    expect(await issuer.verify(forged)).toBeNull();
    const hs512 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('u1')
      .setIssuer('orcha')
      .setAudience('orcha-api')
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(secret.repeat(2)));
    expect(await issuer.verify(hs512)).toBeNull();
    expect(await issuer.verify('not.a.jwt')).toBeNull();
  });

  it('refuses a short secret', () => {
    expect(() => createAccessTokenIssuer({ secret: 'short', clock: new VirtualClock(), ttlSeconds: () => 60 })).toThrow(/at least 32/);
  });
});

describe('api keys', () => {
  it('have a visible prefix and a hash that is not the key', () => {
    const { key, prefix, hash } = generateApiKey();
    expect(key).toMatch(/^orcha_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(apiKeyPrefix(key)).toBe(prefix);
    expect(hash).toBe(hashApiKey(key));
    expect(hash).not.toContain(key.slice(15));
    expect(apiKeyPrefix('orcha_nothex!!_x')).toBeNull();
  });
});
