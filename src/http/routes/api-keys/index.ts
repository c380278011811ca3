import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthService, PublicApiKey } from '../../../auth/auth-service.js';
import { ApiKeySchema, CreatedApiKeySchema } from '../../schemas/accounts.js';
import { IdParamsSchema, iso, RoleSchema } from '../auth/schemas.js';

const show = (k: PublicApiKey) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  role: k.role,
  createdBy: k.createdBy,
  createdAt: iso(k.createdAt),
  lastUsedAt: k.lastUsedAt === null ? null : iso(k.lastUsedAt),
  revokedAt: k.revokedAt === null ? null : iso(k.revokedAt),
});

/** API keys, admin only (mounted under /api/v1). */
export async function apiKeysRoutes(app: FastifyInstance, opts: { auth: AuthService }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = opts;
  const config = { role: 'admin' } as const;

  r.post(
    '/api-keys',
    {
      config,
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key with a role; the answer is the only time the key is shown',
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100 }), role: RoleSchema },
          { additionalProperties: false },
        ),
        response: { 201: CreatedApiKeySchema },
      },
    },
    async (request, reply) => {
      const created = await auth.createApiKey({ ...request.body, createdBy: request.principal?.name ?? null });
      request.audit.target = `apikey:${created.prefix}`;
      request.audit.details = { name: created.name, role: created.role };
      return reply.code(201).send({ ...show(created), key: created.key });
    },
  );

  r.get(
    '/api-keys',
    {
      config,
      schema: { tags: ['api-keys'], summary: 'List API keys (never the secret)', response: { 200: Type.Object({ apiKeys: Type.Array(ApiKeySchema) }) } },
    },
    async () => ({ apiKeys: (await auth.listApiKeys()).map(show) }),
  );

  r.delete(
    '/api-keys/:id',
    { config, schema: { tags: ['api-keys'], summary: 'Revoke an API key', params: IdParamsSchema, response: { 204: { type: 'null' } } } },
    async (request, reply) => {
      request.audit.target = `apikey:${request.params.id}`;
      await auth.revokeApiKey(request.params.id);
      return reply.code(204).send();
    },
  );
}
