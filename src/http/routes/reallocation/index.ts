import { Type } from '@sinclair/typebox';
import { PrioritySchema } from '../../../domain/operation.js';
import { REALLOCATION_STATUSES } from '../../../domain/reallocation.js';
import { HostQuery, hostQuery, remoteHost, remoteScope } from '../../host-query.js';
import { IsoQuery, parseTime } from '../../query.js';
import { type RoutePlugin, actorOf, role } from '../../route-types.js';
import { toApi } from '../../schemas/api-time.js';
import { ApiReallocation, ErrorSchema, OperationAccepted, Pagination } from '../../schemas/common.js';

const ReallocateBody = Type.Object(
  {
    dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Plan and validate, apply nothing.' })),
    priority: Type.Optional(PrioritySchema),
  },
  { additionalProperties: false },
);

const ReallocateQuery = Type.Object(
  {
    host: hostQuery(
      "A host of the fleet: its agent decides on a plan the control plane makes now, like a local manual request (applied through its gates even in advisory mode; a dry run applies nothing); the operation completes with the agent's outcome. Default and this machine's own name: this machine.",
    ),
  },
  { additionalProperties: false },
);

const HistoryQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(REALLOCATION_STATUSES.map((s) => Type.Literal(s)))),
    since: Type.Optional(IsoQuery),
    ...Pagination,
    host: HostQuery,
  },
  { additionalProperties: false },
);

const reallocationRoutes: RoutePlugin = (app, deps) => {
  const { services } = deps;
  app.post(
    '/reallocate',
    {
      config: role('operator'),
      schema: {
        tags: ['engine'],
        summary: 'Run a reallocation decision now, as an operation (202 with its id)',
        body: ReallocateBody,
        querystring: ReallocateQuery,
        response: { 202: OperationAccepted, 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const remote = await remoteHost(request.query.host, deps.config(), deps.fleet);
      if (remote) request.audit.target = `host:${remote.name}`;
      const op = await services.operations.submit({
        kind: 'reallocate',
        params: { dryRun: body.dryRun ?? false, ...(remote ? { host: remote.name } : {}) },
        priority: body.priority ?? 'high',
        createdBy: actorOf(request),
      });
      reply.status(202).header('Location', `/api/v1/operations/${op.id}`);
      return { operationId: op.id, status: op.status };
    },
  );

  app.get(
    '/reallocation/history',
    {
      config: role('viewer'),
      schema: {
        tags: ['engine'],
        summary: 'Reallocations, newest first, including skipped decisions and why',
        description:
          "With `host`, the plans the control plane made for that host, in the same shape: `planned` until its agent reports an outcome, then the agent's status and reason; strategy `control-plane:<strategy>`; steps and the measured effect stay in the host's own journal (empty, null). GET hosts/{name}/plans has each plan whole. An unknown host is a 404 naming it.",
        querystring: HistoryQuery,
        response: { 200: Type.Object({ reallocations: Type.Array(ApiReallocation) }), 400: ErrorSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const q = request.query;
      const query = { status: q.status, limit: q.limit ?? 100, offset: q.offset ?? 0, since: q.since ? parseTime(q.since, 'since') : undefined };
      const remote = await remoteScope(q.host, deps);
      const reallocations = remote ? await remote.reads.reallocations(remote.host, query) : await services.engine.reallocationHistory(query);
      return { reallocations: toApi(reallocations) };
    },
  );
};

export default reallocationRoutes;
