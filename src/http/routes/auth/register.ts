import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../../../auth/auth-service.js';
import type { AuditRepository } from '../../../store/types.js';
import { apiKeysRoutes } from '../api-keys/index.js';
import { auditRoutes } from '../audit/index.js';
import { usersRoutes } from '../users/index.js';
import { authRoutes } from './index.js';

export interface SecurityRoutesDeps {
  auth: AuthService;
  audit: AuditRepository;
  /** default /api/v1 */
  prefix?: string;
}

/** Mounts auth, users, API keys and audit routes. Register the security plugin first (it enforces their roles). */
export async function registerSecurityRoutes(app: FastifyInstance, deps: SecurityRoutesDeps): Promise<void> {
  const prefix = deps.prefix ?? '/api/v1';
  await app.register(authRoutes, { prefix, auth: deps.auth });
  await app.register(usersRoutes, { prefix, auth: deps.auth });
  await app.register(apiKeysRoutes, { prefix, auth: deps.auth });
  await app.register(auditRoutes, { prefix, audit: deps.audit });
}
