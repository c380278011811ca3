/**
 * Who may do what (SPEC §7), in one plugin registered at the root of the app:
 *  - CORS allow-list (none by default) and security headers;
 *  - authentication: `Authorization: Bearer <JWT access token | API key>` -> `request.principal`;
 *  - authorization: every route declares `config.role` ('public' | 'viewer' | 'operator' | 'admin'); a route that
 *    declares nothing is admin-only, so a forgotten declaration fails closed;
 *  - rate limits (token buckets per IP, per user or API key, and a stricter one per IP on login);
 *  - one audit row per mutating call.
 */
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthService } from '../../auth/auth-service.js';
import type { RateLimiter, RateLimitResult } from '../../auth/rate-limiter.js';
import { type Principal, roleAtLeast, type RouteRole } from '../../auth/roles.js';
import type { Config } from '../../config/schema.js';
import type { Clock } from '../../lib/clock.js';
import { OrchaError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditRepository } from '../../store/types.js';
import { type AuditContext, registerAuditHooks } from './audit.js';
import { setRateLimitHeaders, takeOrRefuse, tighter } from './rate-limit.js';
import { registerSecurityHeaders } from './security-headers.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Least role that may call the route; omitted = admin. */
    role?: RouteRole;
    /** Audit action name; default `<METHOD> <route url>`. */
    auditAction?: string;
    /** `login`: the stricter per-IP bucket `rateLimit.login` applies too. */
    rateLimitClass?: 'login';
  }
  interface FastifyRequest {
    /** Who is calling; null on public routes called without credentials. */
    principal: Principal | null;
    audit: AuditContext;
  }
}

export interface SecurityPluginOptions {
  auth: AuthService;
  rateLimiter: RateLimiter;
  audit: AuditRepository;
  /** A getter, so hot-reloaded CORS origins and limits apply to the next request. */
  config: () => Config;
  clock?: Clock;
  log?: Logger;
}

export function requiredRole(request: FastifyRequest): RouteRole {
  // Unknown paths reach the not-found handler without credentials, so clients get a 404 in the error shape.
  if (request.is404) return 'public';
  // CORS preflights are answered (or refused) by @fastify/cors before this; they carry no credentials by design.
  if (request.method === 'OPTIONS') return 'public';
  return request.routeOptions.config?.role ?? 'admin';
}

async function securityPlugin(app: FastifyInstance, opts: SecurityPluginOptions): Promise<void> {
  const { auth, rateLimiter } = opts;

  await app.register(cors, {
    origin: (origin, cb) => {
      // Same-origin and non-browser requests carry no Origin header and need no CORS headers.
      if (!origin) return cb(null, false);
      cb(null, opts.config().server.corsOrigins.includes(origin));
    },
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'],
    maxAge: 600,
  });
  registerSecurityHeaders(app, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Swagger UI and chart libraries set inline styles.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
    },
    // The dashboard may be served over plain HTTP on a LAN; HSTS is the reverse proxy's job.
    strictTransportSecurity: false,
  });

  app.decorateRequest('principal', null);
  app.decorateRequest('audit', null as unknown as AuditContext);
  registerAuditHooks(app, { audit: opts.audit, clock: opts.clock, log: opts.log });

  app.addHook('onRequest', async (request, reply) => {
    const config = opts.config();
    const required = requiredRole(request);
    const limits = config.rateLimit;
    let shown: RateLimitResult | undefined;

    if (limits.enabled) {
      shown = tighter(shown, await takeOrRefuse(reply, rateLimiter, `ip:${request.ip}`, limits.perIp));
      if (request.routeOptions.config?.rateLimitClass === 'login') {
        shown = tighter(shown, await takeOrRefuse(reply, rateLimiter, `login:${request.ip}`, limits.login));
      }
    }

    const header = request.headers.authorization;
    if (typeof header === 'string' && header.length > 0) {
      request.principal = await auth.verifyToken(header);
      // On public routes a stale token is ignored rather than refused (the login page may still send one).
      if (!request.principal && required !== 'public') {
        reply.header('WWW-Authenticate', 'Bearer error="invalid_token"');
        throw new OrchaError('ORCHA_ERR_UNAUTHORIZED', 'Invalid or expired credentials');
      }
    }

    if (required !== 'public') {
      const principal = request.principal;
      if (!principal) {
        reply.header('WWW-Authenticate', 'Bearer');
        throw new OrchaError('ORCHA_ERR_UNAUTHORIZED');
      }
      if (!roleAtLeast(principal.role, required)) {
        throw new OrchaError('ORCHA_ERR_FORBIDDEN', `This needs the ${required} role; you have ${principal.role}`);
      }
    }

    if (limits.enabled && request.principal) {
      shown = tighter(shown, await takeOrRefuse(reply, rateLimiter, `${request.principal.kind}:${request.principal.id}`, limits.perUser));
    }
    if (shown) setRateLimitHeaders(reply, shown);
  });
}

export default fp(securityPlugin, { name: 'orcha-security', fastify: '5.x' });
