import { Type } from '@sinclair/typebox';
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
  },
  { additionalProperties: false },
);

const reportsRoutes: RoutePlugin = (app, { services }) => {
  app.get(
    '/reports',
    {
      config: role('viewer'),
      schema: {
        tags: ['monitor'],
        summary: 'Performance report for a period (default: the last 24 hours)',
        description: `Periods up to ${DIRECT_REPORT_MAX_MS / 86_400_000} days answer 200 with the report; longer ones answer 202 with an operation id (GET operations/{id}/result).`,
        querystring: ReportQuery,
        response: { 200: apiSchema(ReportSchema), 202: OperationAccepted, 400: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (request, reply) => {
      const range = parseRange(request.query, Date.now(), 86_400_000);
      if (request.query.async || range.to - range.from > DIRECT_REPORT_MAX_MS) {
        const op = await services.operations.submit({ kind: 'report', params: range, priority: 'low', createdBy: actorOf(request) });
        reply.status(202).header('Location', `/api/v1/operations/${op.id}`);
        return { operationId: op.id, status: op.status };
      }
      return toApi(await services.reports.generate(range));
    },
  );
};

export default reportsRoutes;
