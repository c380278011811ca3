/**
 * `GET /api/v1/hosts/{name}/plans`: the plans the control plane made for one host, newest first and paginated, each
 * with its projected gain, what the host's agent did with it, and who decided it.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { REALLOCATION_STATUSES } from '../../../domain/reallocation.js';
import type { FleetService } from '../../../fleet/fleet.service.js';
import type { HostPlanView, HostReads } from '../../../fleet/host-reads.js';
import { HOST_NAME_PATTERN } from '../../../domain/host.js';
import { IsoQuery, parseTime } from '../../query.js';
import { toApi } from '../../schemas/api-time.js';
import { ErrorSchema } from '../../schemas/common.js';
import { HostPlansSchema } from '../../schemas/fleet.js';
import { iso } from '../auth/schemas.js';

const PlansQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(REALLOCATION_STATUSES.map((s) => Type.Literal(s)), { description: 'planned: no outcome reported yet.' })),
    since: Type.Optional(IsoQuery),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  },
  { additionalProperties: false },
);

const show = (p: HostPlanView) => ({
  ...p,
  createdAt: iso(p.createdAt),
  plan: toApi(p.plan),
  outcome: p.outcome === null ? null : { ...p.outcome, reportedAt: iso(p.outcome.reportedAt) },
  request: p.request === null ? null : { ...p.request, requestedAt: iso(p.request.requestedAt) },
});

export async function hostPlanRoutes(app: FastifyInstance, opts: { fleet: FleetService; hostReads: HostReads }): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/hosts/:name/plans',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['fleet'],
        operationId: 'listHostPlans',
        summary: "The plans the control plane made for a host: plan, projected gain, status, the agent's outcome, who decided",
        description:
          'Newest first, `limit` at most 100 (default 20), `total` counts every page. Plans are kept 7 days. A plan stays `planned` until its agent reports what it did; a newer plan replaces one the agent never took.',
        params: Type.Object({ name: Type.String({ pattern: HOST_NAME_PATTERN, maxLength: 63 }) }),
        querystring: PlansQuery,
        response: { 200: HostPlansSchema, 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const host = await opts.fleet.host(request.params.name);
      const limit = q.limit ?? 20;
      const offset = q.offset ?? 0;
      const page = await opts.hostReads.plans(host, { status: q.status, since: q.since ? parseTime(q.since, 'since') : undefined, limit, offset });
      return { host: host.name, total: page.total, limit, offset, plans: page.plans.map(show) };
    },
  );
}
