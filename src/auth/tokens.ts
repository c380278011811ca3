import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { OrchaError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import { isRole, type Role } from './roles.js';

/**
 * Access tokens: HS256 JWTs, short-lived. Only HS256 is accepted on the way in, so `alg: none` and
 * algorithm-confusion tokens are refused before any signature check. Refresh tokens are random opaque strings
 * (see auth-service.ts); only their sha256 is stored.
 */
const ISSUER = 'orcha';
const AUDIENCE = 'orcha-api';
export const JWT_SECRET_MIN_LENGTH = 32;

export interface AccessClaims {
  /** user id */
  sub: string;
  username: string;
  role: Role;
}

export interface AccessTokenIssuer {
  sign(claims: AccessClaims): Promise<{ token: string; expiresIn: number }>;
  /** The claims of a valid token, or null for anything else (bad signature, expired, wrong alg, malformed). */
  verify(token: string): Promise<AccessClaims | null>;
  /** Like verify, with the token's expiry (epoch ms), so that nothing remembers it for longer. */
  verifyWithExpiry(token: string): Promise<{ claims: AccessClaims; expiresAt: number } | null>;
}

export function createAccessTokenIssuer(options: { secret: string; clock: Clock; ttlSeconds: () => number }): AccessTokenIssuer {
  if (options.secret.length < JWT_SECRET_MIN_LENGTH) {
    throw new OrchaError('ORCHA_ERR_CONFIG_INVALID', `auth.jwtSecret must be at least ${JWT_SECRET_MIN_LENGTH} characters`, [
      { path: 'auth.jwtSecret', message: `must be at least ${JWT_SECRET_MIN_LENGTH} characters` },
    ]);
  }
  // Imported once: handing jose the raw bytes would import the key again on every sign and verify.
  let imported: Promise<CryptoKey> | null = null;
  const hmacKey = (): Promise<CryptoKey> => {
    if (!imported) {
      imported = crypto.subtle.importKey('raw', new TextEncoder().encode(options.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    }
    return imported;
  };
  async function verifyWithExpiry(token: string): Promise<{ claims: AccessClaims; expiresAt: number } | null> {
    try {
      const { payload } = await jwtVerify(token, await hmacKey(), {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(options.clock.now()),
      });
      if (typeof payload.sub !== 'string' || typeof payload.username !== 'string' || !isRole(payload.role)) return null;
      return { claims: { sub: payload.sub, username: payload.username, role: payload.role }, expiresAt: (payload.exp as number) * 1000 };
    } catch {
      return null;
    }
  }
  return {
    async sign(claims) {
      const now = Math.floor(options.clock.now() / 1000);
      const ttl = options.ttlSeconds();
      const token = await new SignJWT({ username: claims.username, role: claims.role })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(claims.sub)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .setJti(randomBytes(9).toString('base64url'))
        .sign(await hmacKey());
      return { token, expiresIn: ttl };
    },
    async verify(token) {
      return (await verifyWithExpiry(token))?.claims ?? null;
    },
    verifyWithExpiry,
  };
}

/** A high-entropy random token (refresh tokens, generated passwords, API key secrets). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** sha256 hex: enough for high-entropy random tokens, which cannot be guessed from a dictionary. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
