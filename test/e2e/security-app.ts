/**
 * A Fastify app with the security plugin, the security routes and one sample route per role class, on a real
 * SQLite store. Used by security.test.ts for what does not need the whole product (tokens, limits, audit).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { type AuthService, createAuthService } from '../../src/auth/auth-service.js';
import { createMemoryRateLimiter, type RateLimiter } from '../../src/auth/rate-limiter.js';
import { buildConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import securityPlugin from '../../src/http/plugins/security.js';
import { registerSecurityRoutes } from '../../src/http/routes/auth/register.js';
import { VirtualClock } from '../../src/lib/clock.js';
import { isOrchaError } from '../../src/lib/errors.js';
import type { Store } from '../../src/store/types.js';
import { createStore } from '../../src/store/index.js';

export const JWT_SECRET = 'e2e-jwt-secret-0123456789abcdef0123456789';

export interface SecurityHarness {
  app: FastifyInstance;
  auth: AuthService;
  store: Store;
  clock: VirtualClock;
  config: Config;
  limiter: RateLimiter;
  close(): Promise<void>;
}

/** The sample routes: one per role class, plus one that forgot to declare a role. */
export const SAMPLE_ROUTES = [
  { method: 'GET', url: '/api/v1/sample/public', role: 'public' },
  { method: 'GET', url: '/api/v1/sample/viewer', role: 'viewer' },
  { method: 'POST', url: '/api/v1/sample/operator', role: 'operator' },
  { method: 'PUT', url: '/api/v1/sample/admin', role: 'admin' },
  { method: 'GET', url: '/api/v1/sample/undeclared', role: undefined },
] as const;

export async function createSecurityHarness(
  overrides: (c: Config) => void = () => {},
  makeLimiter: (clock: VirtualClock) => RateLimiter = (clock) => createMemoryRateLimiter({ clock }),
): Promise<SecurityHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'orcha-security-'));
  const store = await createStore({ sqlitePath: join(dir, 'orcha.db') });
  const clock = new VirtualClock(Date.now());
  const config = buildConfig({}, {});
  overrides(config);
  const auth = createAuthService({ users: store.users, clock, jwtSecret: JWT_SECRET, settings: () => config.auth });
  const limiter = makeLimiter(clock);
  const app = Fastify({ logger: false, requestIdHeader: 'x-request-id', genReqId: () => randomUUID() });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = isOrchaError(err) ? err.status : (err.statusCode ?? 500);
    const code = isOrchaError(err) ? err.code : err.validation ? 'ORCHA_ERR_VALIDATION' : 'ORCHA_ERR_INTERNAL';
    return reply.status(status).send({ error: { code, message: err.message, requestId: request.id } });
  });
  await app.register(securityPlugin, { auth, rateLimiter: limiter, audit: store.audit, config: () => config, clock });
  await registerSecurityRoutes(app, { auth, audit: store.audit });
  for (const r of SAMPLE_ROUTES) {
    app.route({
      method: r.method,
      url: r.url,
      ...(r.role ? { config: { role: r.role } } : {}),
      handler: async () => ({ ok: true }),
    });
  }
  await app.ready();
  return {
    app,
    auth,
    store,
    clock,
    config,
    limiter,
    async close() {
      await app.close();
      await limiter.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
