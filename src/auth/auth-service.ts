import { randomUUID } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { OrchaError } from '../lib/errors.js';
import type { ApiKeyRecord, UserRecord, UsersRepository } from '../store/types.js';
import { apiKeyPrefix, generateApiKey, hashApiKey, looksLikeApiKey } from './api-keys.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.js';
import { createPrincipalCache, DEFAULT_PRINCIPAL_CACHE_MS } from './principal-cache.js';
import type { Principal, Role } from './roles.js';
import { createAccessTokenIssuer, randomToken, sameDigest, sha256 } from './tokens.js';

export interface AuthSettings {
  /** seconds */
  accessTokenTtl: number;
  /** seconds */
  refreshTokenTtl: number;
}

export interface AuthServiceDeps {
  users: UsersRepository;
  clock: Clock;
  jwtSecret: string;
  /** A value or a getter (hot reload changes TTLs without a restart). */
  settings: AuthSettings | (() => AuthSettings);
  /**
   * How long (ms) a verified credential's principal is reused before the database is read again (default 1 s; 0 =
   * read on every request). Changes made through this service apply at once regardless; see principal-cache.ts.
   */
  principalCacheMs?: number;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** access token lifetime, seconds */
  expiresIn: number;
}

/** A user as the API shows it: never the hash. */
export interface PublicUser {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: number;
}

/** An API key as the API lists it: never the secret or its hash. */
export type PublicApiKey = Omit<ApiKeyRecord, 'hash'>;

export interface EnsureAdminResult {
  created: boolean;
  username: string;
  /** Set only when a password was generated: print it once, it is not stored anywhere in clear. */
  generatedPassword?: string;
}

export interface AuthService {
  login(username: string, password: string): Promise<TokenPair>;
  refresh(refreshToken: string): Promise<TokenPair>;
  logout(refreshToken: string): Promise<void>;
  /** A bearer credential (JWT access token or API key, with or without `Bearer `) -> who it is, or null. */
  verifyToken(bearer: string): Promise<Principal | null>;

  createUser(input: { username: string; password: string; role: Role }): Promise<PublicUser>;
  listUsers(): Promise<PublicUser[]>;
  getUser(id: string): Promise<PublicUser>;
  updateUser(id: string, patch: { password?: string; role?: Role; disabled?: boolean }): Promise<PublicUser>;
  /** A user changing their own password: the current one must be right. Ends their other sessions. */
  changeOwnPassword(userId: string, currentPassword: string, newPassword: string): Promise<void>;
  deleteUser(id: string): Promise<void>;
  ensureAdmin(options?: { adminPassword?: string }): Promise<EnsureAdminResult>;

  createApiKey(input: { name: string; role: Role; createdBy?: string | null }): Promise<PublicApiKey & { key: string }>;
  listApiKeys(): Promise<PublicApiKey[]>;
  revokeApiKey(id: string): Promise<void>;
}

const unauthorized = (message = 'Invalid credentials') => new OrchaError('ORCHA_ERR_UNAUTHORIZED', message);
/** lastUsedAt is informative; writing it on every request would turn reads into writes. */
const TOUCH_EVERY_MS = 60_000;

export function toPublicUser(u: UserRecord): PublicUser {
  return { id: u.id, username: u.username, role: u.role, disabled: u.disabled, createdAt: u.createdAt };
}

function toPublicKey(k: ApiKeyRecord): PublicApiKey {
  const { hash: _hash, ...rest } = k;
  return rest;
}

export function createAuthService(deps: AuthServiceDeps): AuthService {
  const { users, clock } = deps;
  const settings = typeof deps.settings === 'function' ? deps.settings : () => deps.settings as AuthSettings;
  const issuer = createAccessTokenIssuer({ secret: deps.jwtSecret, clock, ttlSeconds: () => settings().accessTokenTtl });
  const principals = createPrincipalCache({ clock, windowMs: deps.principalCacheMs ?? DEFAULT_PRINCIPAL_CACHE_MS });

  async function issuePair(user: UserRecord): Promise<TokenPair> {
    const { token, expiresIn } = await issuer.sign({ sub: user.id, username: user.username, role: user.role });
    const refreshToken = randomToken(32);
    const now = clock.now();
    await users.createRefreshToken({
      id: randomUUID(),
      userId: user.id,
      hash: sha256(refreshToken),
      createdAt: now,
      expiresAt: now + settings().refreshTokenTtl * 1000,
      usedAt: null,
      revokedAt: null,
    });
    return { accessToken: token, refreshToken, expiresIn };
  }

  async function mustFindUser(id: string): Promise<UserRecord> {
    const user = await users.findById(id);
    if (!user) throw new OrchaError('ORCHA_ERR_NOT_FOUND', 'User not found');
    return user;
  }

  /** Refuse changes that would leave nobody able to administer the daemon. */
  async function assertAnotherAdminRemains(excludingId: string): Promise<void> {
    const admins = (await users.list()).filter((u) => u.role === 'admin' && !u.disabled && u.id !== excludingId);
    if (admins.length === 0) throw new OrchaError('ORCHA_ERR_CONFLICT', 'This would leave no enabled admin');
  }

  /** The uncached answer: signature and expiry, then the database (role, disabled, revoked). */
  async function lookupPrincipal(token: string): Promise<{ principal: Principal; expiresAt?: number } | null> {
    if (looksLikeApiKey(token)) {
      const principal = await verifyApiKey(token);
      return principal ? { principal } : null;
    }
    const verified = await issuer.verifyWithExpiry(token);
    if (!verified) return null;
    // The role comes from the database, so a demotion or a disabled account takes effect (within the cache window).
    const user = await users.findById(verified.claims.sub);
    if (!user || user.disabled) return null;
    return { principal: { kind: 'user', id: user.id, name: user.username, role: user.role }, expiresAt: verified.expiresAt };
  }

  async function verifyApiKey(key: string): Promise<Principal | null> {
    const prefix = apiKeyPrefix(key);
    if (!prefix) return null;
    const record = await users.findApiKeyByPrefix(prefix);
    if (!record || record.revokedAt !== null || !sameDigest(record.hash, hashApiKey(key))) return null;
    const now = clock.now();
    if (record.lastUsedAt === null || now - record.lastUsedAt > TOUCH_EVERY_MS) await users.touchApiKey(record.id, now);
    return { kind: 'apikey', id: record.id, name: record.name, role: record.role };
  }

  async function createUser(input: { username: string; password: string; role: Role }): Promise<PublicUser> {
    if (await users.findByUsername(input.username)) {
      throw new OrchaError('ORCHA_ERR_CONFLICT', `User ${input.username} already exists`, [{ path: 'body.username', message: 'is taken' }]);
    }
    const user: UserRecord = {
      id: randomUUID(),
      username: input.username,
      passwordHash: await hashPassword(input.password),
      role: input.role,
      createdAt: clock.now(),
      disabled: false,
    };
    await users.create(user);
    return toPublicUser(user);
  }

  return {
    async login(username, password) {
      const user = await users.findByUsername(username);
      if (!user) {
        await burnPasswordCheck(password);
        throw unauthorized();
      }
      const ok = await verifyPassword(user.passwordHash, password);
      if (!ok || user.disabled) throw unauthorized();
      return issuePair(user);
    },

    async refresh(refreshToken) {
      const record = await users.findRefreshToken(sha256(refreshToken));
      if (!record) throw unauthorized('Invalid refresh token');
      const now = clock.now();
      if (record.revokedAt !== null) throw unauthorized('Invalid refresh token');
      if (record.usedAt !== null || !(await users.consumeRefreshToken(record.id, now))) {
        // A used token presented again means it leaked: end every session of that user.
        await users.revokeRefreshTokensOfUser(record.userId, now);
        throw unauthorized('Refresh token already used; all sessions of this user were revoked');
      }
      if (record.expiresAt <= now) throw unauthorized('Refresh token expired');
      const user = await users.findById(record.userId);
      if (!user || user.disabled) throw unauthorized('Invalid refresh token');
      return issuePair(user);
    },

    async logout(refreshToken) {
      const record = await users.findRefreshToken(sha256(refreshToken));
      // Idempotent and silent: logging out with an unknown token reveals nothing.
      if (record && record.usedAt === null && record.revokedAt === null) await users.consumeRefreshToken(record.id, clock.now());
    },

    async verifyToken(bearer) {
      const token = bearer.replace(/^Bearer\s+/i, '').trim();
      if (token.length === 0 || token.length > 4096) return null;
      return principals.resolve(token, () => lookupPrincipal(token));
    },

    createUser,

    async listUsers() {
      return (await users.list()).map(toPublicUser);
    },

    async getUser(id) {
      return toPublicUser(await mustFindUser(id));
    },

    async updateUser(id, patch) {
      const user = await mustFindUser(id);
      const losesAdmin = user.role === 'admin' && ((patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true);
      if (losesAdmin) await assertAnotherAdminRemains(id);
      const changes: Partial<Omit<UserRecord, 'id'>> = {};
      if (patch.role !== undefined) changes.role = patch.role;
      if (patch.disabled !== undefined) changes.disabled = patch.disabled;
      if (patch.password !== undefined) changes.passwordHash = await hashPassword(patch.password);
      await users.update(id, changes);
      principals.clear();
      // New password, new role or disabled: existing sessions must not outlive the change.
      if (patch.password !== undefined || patch.disabled === true || patch.role !== undefined) {
        await users.revokeRefreshTokensOfUser(id, clock.now());
      }
      return toPublicUser({ ...user, ...changes });
    },

    async changeOwnPassword(userId, currentPassword, newPassword) {
      const user = await mustFindUser(userId);
      if (!(await verifyPassword(user.passwordHash, currentPassword))) {
        throw new OrchaError('ORCHA_ERR_VALIDATION', 'The current password is wrong', [{ path: 'body.currentPassword', message: 'is wrong' }]);
      }
      await users.update(userId, { passwordHash: await hashPassword(newPassword) });
      principals.clear();
      await users.revokeRefreshTokensOfUser(userId, clock.now());
    },

    async deleteUser(id) {
      const user = await mustFindUser(id);
      if (user.role === 'admin') await assertAnotherAdminRemains(id);
      await users.revokeRefreshTokensOfUser(id, clock.now());
      await users.delete(id);
      principals.clear();
    },

    async ensureAdmin(options = {}) {
      if ((await users.count()) > 0) return { created: false, username: 'admin' };
      const generated = options.adminPassword ? undefined : randomToken(18);
      await createUser({ username: 'admin', password: options.adminPassword ?? (generated as string), role: 'admin' });
      return generated ? { created: true, username: 'admin', generatedPassword: generated } : { created: true, username: 'admin' };
    },

    async createApiKey(input) {
      const generated = generateApiKey();
      const record: ApiKeyRecord = {
        id: randomUUID(),
        name: input.name,
        prefix: generated.prefix,
        hash: generated.hash,
        role: input.role,
        createdBy: input.createdBy ?? null,
        createdAt: clock.now(),
        lastUsedAt: null,
        revokedAt: null,
      };
      await users.createApiKey(record);
      return { ...toPublicKey(record), key: generated.key };
    },

    async listApiKeys() {
      return (await users.listApiKeys()).map(toPublicKey);
    },

    async revokeApiKey(id) {
      const ok = await users.revokeApiKey(id, clock.now());
      principals.clear();
      if (!ok) throw new OrchaError('ORCHA_ERR_NOT_FOUND', 'API key not found or already revoked');
    },
  };
}
