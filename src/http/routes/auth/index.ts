import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { AuthService } from '../../../auth/auth-service.js';
import { PASSWORD_MAX_LENGTH } from '../../../auth/passwords.js';
import { OrchaError } from '../../../lib/errors.js';
import { LoginBodySchema, NewPasswordSchema, PrincipalSchema, RefreshBodySchema, TokenPairSchema } from './schemas.js';

/** `POST auth/login`, `auth/refresh`, `auth/logout`, `auth/password`, `GET auth/me` (mounted under /api/v1). */
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

  r.post(
    '/auth/password',
    {
      // the current password can be guessed here too, so the login bucket applies
      config: { role: 'viewer', rateLimitClass: 'login', auditAction: 'auth.password' },
      schema: {
        tags: ['auth'],
        summary: 'Change your own password (users only, not API keys); ends your other sessions',
        body: Type.Object(
          { currentPassword: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }), newPassword: NewPasswordSchema },
          { additionalProperties: false },
        ),
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      if (principal.kind !== 'user') {
        throw new OrchaError('ORCHA_ERR_VALIDATION', 'API keys have no password', [{ path: 'headers.authorization', message: 'must be a user token' }]);
      }
      request.audit.target = `user:${principal.id}`;
      await auth.changeOwnPassword(principal.id, request.body.currentPassword, request.body.newPassword);
      return reply.code(204).send();
    },
  );
}
