import { Type } from '@sinclair/typebox';
import { HostQuery, remoteScope } from '../../host-query.js';
import { IsoQuery, parseRange } from '../../query.js';
import { type RoutePlugin, actorOf, role } from '../../route-types.js';
import { apiSchema, toApi } from '../../schemas/api-time.js';
import { ErrorSchema, OperationAccepted } from '../../schemas/common.js';
import { ReportSchema } from '../../schemas/views.js';

/** Periods up to this long are answered directly; longer ones (or `async=true`) become an operation. */
export const DIRECT_REPORT_MAX_MS = 7 * 86_400_000;
const ReportQuery = Type.Object(
  {
    from: Type.Optional(IsoQuery),
    to: Type.Optional(IsoQuery),
    async: Type.Optional(Type.Boolean({ description: 'Always answer 202 with an operation id.' })),
    host: HostQuery,
  },
  { additionalProperties: false },
);

const reportsRoutes: RoutePlugin = (app, deps) => {
  const { services } = deps;
  app.get(
    '/reports',
    {
      config: role('viewer'),
      schema: {
        tags: ['monitor'],
        summary: 'Performance report for a period (default: the last 24 hours)',
        description: `Periods up to ${DIRECT_REPORT_MAX_MS / 86_400_000} days answer 200 with the report; longer ones (or \`async=true\`) answer 202 with an operation id (GET operations/{id}/result). With \`host\`, that fleet host's report, the same way and over any period: its earnings from its agent's samples (closed periods from its daily and hourly rollups once retention thinned its raw rows), the outcomes of the control plane's plans for it with the measured gain its agent reported, and \`energy\` from the energy points its agent sent (absent when it sends none); an unknown host is a 404 naming it.`,
        querystring: ReportQuery,
        response: { 200: apiSchema(ReportSchema), 202: OperationAccepted, 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request, reply) => {
      const range = parseRange(request.query, Date.now(), 86_400_000);
      const remote = await remoteScope(request.query.host, deps);
      if (request.query.async || range.to - range.from > DIRECT_REPORT_MAX_MS) {
        const params = remote ? { ...range, host: remote.host.name } : range;
        const op = await services.operations.submit({ kind: 'report', params, priority: 'low', createdBy: actorOf(request) });
        reply.status(202).header('Location', `/api/v1/operations/${op.id}`);
        return { operationId: op.id, status: op.status };
      }
      if (remote) return toApi(await remote.reads.report(remote.host, range));
      return toApi(await services.reports.generate(range));
    },
  );
};

export default reportsRoutes;
