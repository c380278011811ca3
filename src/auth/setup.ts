import type { Config } from '../config/schema.js';
import { resolveSecret } from '../config/load.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { RedisLink } from '../infra/redis-link.js';
import type { AuditRepository, UsersRepository } from '../store/types.js';
import { type AuthService, createAuthService } from './auth-service.js';
import { authenticateToken } from './authenticate.js';
import { loadOrCreateJwtSecret } from './jwt-secret.js';
import { createRateLimiterFromConfig, type RateLimiter } from './rate-limiter.js';
import type { Principal } from './roles.js';

export interface SecuritySetup {
  auth: AuthService;
  rateLimiter: RateLimiter;
  /** Pass as `buildApp({ security })` (the HTTP security plugin's options). */
  plugin: {
    auth: AuthService;
    rateLimiter: RateLimiter;
    audit: AuditRepository;
    config: () => Config;
    clock: Clock;
    log: Logger;
  };
  /** Pass as `services.authenticate` (WebSocket). */
  authenticate: (token: string) => Promise<Principal | null>;
  /** Lines to print once at start (the generated admin password on first start); empty otherwise. */
  banner: string[];
  close(): Promise<void>;
}

/**
 * Everything main.ts needs for security, in one call: JWT secret (configured or `<dataDir>/jwt-secret`), the auth
 * service, the first admin (ORCHA_ADMIN_PASSWORD or a generated password), and the rate limiter (memory or Redis).
 */
export async function createSecuritySetup(deps: {
  config: () => Config;
  store: { users: UsersRepository; audit: AuditRepository };
  clock: Clock;
  log: Logger;
  /** Absolute data directory (where jwt-secret lives). */
  dataDir: string;
  /** Directory `{file: ...}` secrets are resolved against (the config file's directory). */
  baseDir: string;
  env?: NodeJS.ProcessEnv;
  /** The process's Redis connection, when Redis is configured (shared rate limits). */
  redis?: RedisLink | null;
  /** Redis key prefix of this database's rate-limit buckets (src/infra/redis-namespace.ts). */
  rateLimitPrefix?: string;
}): Promise<SecuritySetup> {
  const env = deps.env ?? process.env;
  const config = deps.config();
  const jwtSecret = loadOrCreateJwtSecret(deps.dataDir, resolveSecret(config.auth.jwtSecret, deps.baseDir, env));
  const auth = createAuthService({ users: deps.store.users, clock: deps.clock, jwtSecret, settings: () => deps.config().auth });
  const admin = await auth.ensureAdmin({ adminPassword: env.ORCHA_ADMIN_PASSWORD || undefined });
  const banner: string[] = [];
  if (admin.created && admin.generatedPassword) {
    banner.push(
      `First start: created user "admin" with password ${admin.generatedPassword}`,
      'It is shown only this once: log in and change it (POST /api/v1/auth/password), or set ORCHA_ADMIN_PASSWORD before the first start.',
    );
  }
  if (admin.created) deps.log.info({ username: admin.username }, 'created the first admin user');
  const rateLimiter = await createRateLimiterFromConfig(config, {
    clock: deps.clock,
    log: deps.log.child({ module: 'rate-limit' }),
    redis: deps.redis,
    keyPrefix: deps.rateLimitPrefix,
  });
  return {
    auth,
    rateLimiter,
    plugin: { auth, rateLimiter, audit: deps.store.audit, config: deps.config, clock: deps.clock, log: deps.log.child({ module: 'security' }) },
    authenticate: authenticateToken(auth),
    banner,
    close: () => rateLimiter.close(),
  };
}
