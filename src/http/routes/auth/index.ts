import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthService } from '../../../auth/auth-service.js';
import { LoginBodySchema, PrincipalSchema, RefreshBodySchema, TokenPairSchema } from './schemas.js';

/** `POST auth/login`, `POST auth/refresh`, `POST auth/logout`, `GET auth/me` (mounted under /api/v1). */
export async function authRoutes(app: FastifyInstance, opts: { auth: AuthService }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = opts;

  r.post(
    '/auth/login',
    {
      config: { role: 'public', rateLimitClass: 'login', auditAction: 'auth.login' },
      schema: {
        tags: ['auth'],
        summary: 'Trade a username and password for an access token and a refresh token',
        body: LoginBodySchema,
        response: { 200: TokenPairSchema },
      },
    },
    async (request) => {
      request.audit.actor = request.body.username;
      request.audit.target = `user:${request.body.username}`;
      return auth.login(request.body.username, request.body.password);
    },
  );

  r.post(
    '/auth/refresh',
    {
      config: { role: 'public', auditAction: 'auth.refresh' },
      schema: {
        tags: ['auth'],
        summary: 'Trade a refresh token (once) for a new token pair',
        body: RefreshBodySchema,
        response: { 200: TokenPairSchema },
      },
    },
    async (request) => {
      const pair = await auth.refresh(request.body.refreshToken);
      // The audit row names who refreshed (the request itself carries no credentials).
      const who = await auth.verifyToken(pair.accessToken);
      if (who) request.audit.actor = who.name;
      return pair;
    },
  );

  r.post(
    '/auth/logout',
    {
      config: { role: 'public', auditAction: 'auth.logout' },
      schema: { tags: ['auth'], summary: 'Revoke a refresh token', body: RefreshBodySchema, response: { 204: { type: 'null' } } },
    },
    async (request, reply) => {
      await auth.logout(request.body.refreshToken);
      return reply.code(204).send();
    },
  );

  r.get(
    '/auth/me',
    {
      config: { role: 'viewer' },
      schema: { tags: ['auth'], summary: 'Who the credentials belong to', response: { 200: PrincipalSchema } },
    },
    async (request) => request.principal!,
  );
}
