import { Type } from '@sinclair/typebox';
import { PolicySchema } from '../../../config/schema.js';
import { type FieldError, OrchaError, isOrchaError } from '../../../lib/errors.js';
import { HostQuery, remoteScope } from '../../host-query.js';
import { type RouteDeps, type RoutePlugin, role } from '../../route-types.js';
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

const PolicyHostQuery = Type.Object({ host: HostQuery }, { additionalProperties: false });
const HOST_POLICIES =
  "With `host`, the policies that fleet host's agent last reported with its planning settings (the control plane plans for it with them; they are edited in that host's own config); a 404 names the host when it is unknown or has reported none yet.";

/** A fleet host's policies as its agent reported them, or null for this machine. */
async function hostPolicies(name: string | undefined, deps: RouteDeps) {
  const remote = await remoteScope(name, deps);
  if (!remote) return null;
  const list = await remote.reads.policies(remote.host);
  if (list === null) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `Host "${remote.host.name}" has not reported its policies yet (its agent sends them with its planning settings)`);
  return { host: remote.host.name, list };
}

const policiesRoutes: RoutePlugin = (app, deps) => {
  const { services } = deps;
  const policies = services.policies;
  const tags = ['policies'];

  app.get(
    '/policies',
    {
      config: role('viewer'),
      schema: {
        tags,
        summary: 'All policies',
        description: HOST_POLICIES,
        querystring: PolicyHostQuery,
        response: { 200: Type.Object({ policies: Type.Array(PolicySchema) }), 404: ErrorSchema },
      },
    },
    async (request) => ({ policies: (await hostPolicies(request.query.host, deps))?.list ?? policies.list() }),
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
    {
      config: role('viewer'),
      schema: { tags, summary: 'One policy', description: HOST_POLICIES, params: NameParams, querystring: PolicyHostQuery, response: { 200: PolicySchema, 404: ErrorSchema } },
    },
    async (request) => {
      const remote = await hostPolicies(request.query.host, deps);
      if (!remote) return policies.get(request.params.name);
      const found = remote.list.find((p) => p.name === request.params.name);
      if (!found) throw new OrchaError('ORCHA_ERR_NOT_FOUND', `Host "${remote.host}" has no policy named "${request.params.name}"`);
      return found;
    },
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
