import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthService, PublicUser } from '../../../auth/auth-service.js';
import { UserSchema } from '../../schemas/accounts.js';
import { IdParamsSchema, iso, NewPasswordSchema, RoleSchema, UsernameSchema } from '../auth/schemas.js';

const show = (u: PublicUser) => ({ ...u, createdAt: iso(u.createdAt) });

/** Users CRUD, admin only (mounted under /api/v1). */
export async function usersRoutes(app: FastifyInstance, opts: { auth: AuthService }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const { auth } = opts;
  const config = { role: 'admin' } as const;

  r.get(
    '/users',
    { config, schema: { tags: ['users'], summary: 'List users', response: { 200: Type.Object({ users: Type.Array(UserSchema) }) } } },
    async () => ({ users: (await auth.listUsers()).map(show) }),
  );

  r.post(
    '/users',
    {
      config,
      schema: {
        tags: ['users'],
        summary: 'Create a user',
        body: Type.Object({ username: UsernameSchema, password: NewPasswordSchema, role: RoleSchema }, { additionalProperties: false }),
        response: { 201: UserSchema },
      },
    },
    async (request, reply) => {
      request.audit.target = `user:${request.body.username}`;
      const user = await auth.createUser(request.body);
      request.audit.details = { role: user.role };
      return reply.code(201).send(show(user));
    },
  );

  r.get(
    '/users/:id',
    { config, schema: { tags: ['users'], summary: 'One user', params: IdParamsSchema, response: { 200: UserSchema } } },
    async (request) => show(await auth.getUser(request.params.id)),
  );

  r.patch(
    '/users/:id',
    {
      config,
      schema: {
        tags: ['users'],
        summary: 'Change a user\'s password, role or disabled flag (revokes their refresh tokens)',
        params: IdParamsSchema,
        body: Type.Object(
          { password: Type.Optional(NewPasswordSchema), role: Type.Optional(RoleSchema), disabled: Type.Optional(Type.Boolean()) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: UserSchema },
      },
    },
    async (request) => {
      request.audit.target = `user:${request.params.id}`;
      const { password, ...visible } = request.body;
      request.audit.details = { ...visible, passwordChanged: password !== undefined };
      return show(await auth.updateUser(request.params.id, request.body));
    },
  );

  r.delete(
    '/users/:id',
    { config, schema: { tags: ['users'], summary: 'Delete a user', params: IdParamsSchema, response: { 204: { type: 'null' } } } },
    async (request, reply) => {
      request.audit.target = `user:${request.params.id}`;
      await auth.deleteUser(request.params.id);
      return reply.code(204).send();
    },
  );
}
