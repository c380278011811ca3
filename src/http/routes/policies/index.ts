import { Type } from '@sinclair/typebox';
import { PolicySchema } from '../../../config/schema.js';
import { type FieldError, OrchaError, isOrchaError } from '../../../lib/errors.js';
import { type RoutePlugin, role } from '../../route-types.js';
import { toApi } from '../../schemas/api-time.js';
import { ApiPlan, ErrorSchema, NameParams } from '../../schemas/common.js';

/** A policy change is a config change: its errors come back with config paths; point them at the body. */
async function asBody<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isOrchaError(err, 'ORCHA_ERR_CONFIG_INVALID') && Array.isArray(err.details)) {
      const details = (err.details as FieldError[]).map((e) => ({
        path: e.path.replace(/^policies\[\d+\]\.?/, 'body.').replace(/\.$/, ''),
        message: e.message,
      }));
      throw new OrchaError('ORCHA_ERR_VALIDATION', `Policy is invalid: ${details[0]?.path ?? ''} ${details[0]?.message ?? ''}`.trim(), details);
    }
    throw err;
  }
}

const policiesRoutes: RoutePlugin = (app, { services }) => {
  const policies = services.policies;
  const tags = ['policies'];

  app.get(
    '/policies',
    { config: role('viewer'), schema: { tags, summary: 'All policies', response: { 200: Type.Object({ policies: Type.Array(PolicySchema) }) } } },
    async () => ({ policies: policies.list() }),
  );

  app.post(
    '/policies',
    {
      config: role('operator'),
      schema: { tags, summary: 'Create a policy (saved in the config file)', body: PolicySchema, response: { 201: PolicySchema, 400: ErrorSchema, 409: ErrorSchema } },
    },
    async (request, reply) => {
      const created = await asBody(() => policies.create(request.body));
      reply.status(201).header('Location', `/api/v1/policies/${encodeURIComponent(created.name)}`);
      return created;
    },
  );

  app.get(
    '/policies/:name',
    { config: role('viewer'), schema: { tags, summary: 'One policy', params: NameParams, response: { 200: PolicySchema, 404: ErrorSchema } } },
    async (request) => policies.get(request.params.name),
  );

  app.put(
    '/policies/:name',
    {
      config: role('operator'),
      schema: { tags, summary: 'Replace a policy', params: NameParams, body: PolicySchema, response: { 200: PolicySchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema } },
    },
    async (request) => asBody(() => policies.replace(request.params.name, request.body)),
  );

  app.delete(
    '/policies/:name',
    { config: role('operator'), schema: { tags, summary: 'Delete a policy', params: NameParams, response: { 204: Type.Null(), 404: ErrorSchema } } },
    async (request, reply) => {
      await policies.remove(request.params.name);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/policies/:name/test',
    {
      config: role('operator'),
      schema: {
        tags,
        summary: 'Dry-run the optimizer with this policy against the current state; returns the plan it would give',
        params: NameParams,
        response: { 200: Type.Object({ policy: Type.String(), plan: ApiPlan }), 404: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (request) => ({ policy: request.params.name, plan: toApi(await policies.test(request.params.name)) }),
  );
};

export default policiesRoutes;
